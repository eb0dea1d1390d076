# verify/: isol-verify. Everything but main.c is also linked into the
# tests/unit/test_verify* binaries, so the check logic is unit-tested.

VERIFY_SRCS	:= $(filter-out verify/main.c,$(wildcard verify/*.c))
VERIFY_OBJS	:= $(VERIFY_SRCS:%.c=$(BUILD)/%.o)
VERIFY_LIBS	:= $(JSONC_LIBS) $(KMOD_LIBS) $(TRACEFS_LIBS) -lpthread -lm

PROGRAMS	+= $(BUILD)/isol-verify

$(BUILD)/isol-verify: $(BUILD)/verify/main.o $(VERIFY_OBJS) $(CLI_OBJS) $(LIBQC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(VERIFY_LIBS)

# A static pattern rule beats the generic tests/unit/% rule of the top Makefile.
VERIFY_UNIT	:= $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_verify*.c))
$(VERIFY_UNIT): $(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(VERIFY_OBJS) $(LIBQC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(VERIFY_LIBS)

INSTALL_TARGETS	+= install-isol-verify
UNINSTALL_TARGETS += uninstall-isol-verify

.PHONY: install-isol-verify uninstall-isol-verify
install-isol-verify: $(BUILD)/isol-verify
	install -D -m 0755 $(BUILD)/isol-verify $(DESTDIR)$(SBINDIR)/isol-verify
	install -D -m 0644 docs/isol-verify.8 $(DESTDIR)$(MANDIR)/man8/isol-verify.8
	install -D -m 0644 dracut-module/systemd/isol-verify-textfile.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/isol-verify-textfile.service
	install -D -m 0644 dracut-module/systemd/isol-verify-textfile.timer \
		$(DESTDIR)$(SYSTEMDUNITDIR)/isol-verify-textfile.timer

uninstall-isol-verify:
	rm -f $(DESTDIR)$(SBINDIR)/isol-verify $(DESTDIR)$(MANDIR)/man8/isol-verify.8 \
		$(DESTDIR)$(SYSTEMDUNITDIR)/isol-verify-textfile.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/isol-verify-textfile.timer
