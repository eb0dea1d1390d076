# early-pin: a small program linked against libc and libkmod only (no json-c),
# statically when build-aux/Makemodule.mk provides a static libkmod.
#
# build-aux/Makemodule.mk (included before this file) may set EARLYPIN_LDFLAGS
# (e.g. -static) and EARLYPIN_LIBS (its own libkmod.a and what that needs).

EARLYPIN_LDFLAGS ?=
EARLYPIN_LIBS	?= $(KMOD_LIBS)
EARLYPIN_SRCS	:= $(filter-out early-pin/main.c,$(wildcard early-pin/*.c)) early-pin/main.c
# Objects live apart from $(BUILD)/early-pin, which is the program itself.
EARLYPIN_OBJS	:= $(EARLYPIN_SRCS:early-pin/%.c=$(BUILD)/early-pin.o/%.o)

PROGRAMS	+= $(BUILD)/early-pin

$(BUILD)/early-pin: $(EARLYPIN_OBJS) $(CLI_OBJS) $(LIBQC) $(EARLYPIN_LIBDEPS)
	$(CC) $(ALL_LDFLAGS) $(EARLYPIN_LDFLAGS) -o $@ $(EARLYPIN_OBJS) $(CLI_OBJS) $(LIBQC) $(EARLYPIN_LIBS)

$(BUILD)/early-pin.o/%.o: early-pin/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(KMOD_CFLAGS) -MMD -MP -c -o $@ $<

INSTALL_TARGETS	+= install-early-pin
UNINSTALL_TARGETS += uninstall-early-pin

.PHONY: install-early-pin uninstall-early-pin
# quietcore-partition.service: early-pin --partition at boot, from the plan
# `cmdline-gen --apply --runtime` writes into its drop-in (shipped disabled;
# cmdline-gen links it from SYSTEMDUNITDIR, where it is installed here).
install-early-pin: $(BUILD)/early-pin
	install -D -m 0755 $(BUILD)/early-pin $(DESTDIR)$(SBINDIR)/early-pin
	install -D -m 0644 docs/early-pin.8 $(DESTDIR)$(MANDIR)/man8/early-pin.8
	install -d '$(DESTDIR)$(SYSTEMDUNITDIR)'
	sed 's|/usr/sbin/early-pin|$(SBINDIR)/early-pin|g' dracut-module/systemd/quietcore-partition.service \
		>'$(DESTDIR)$(SYSTEMDUNITDIR)/quietcore-partition.service'
	chmod 0644 '$(DESTDIR)$(SYSTEMDUNITDIR)/quietcore-partition.service'

uninstall-early-pin:
	rm -f $(DESTDIR)$(SBINDIR)/early-pin $(DESTDIR)$(MANDIR)/man8/early-pin.8
	rm -f '$(DESTDIR)$(SYSTEMDUNITDIR)/quietcore-partition.service'

# tests/unit/test_earlypin links early-pin's objects but main.o (the program's
# entry) and log.o (the test captures the messages itself).
EARLYPIN_TEST_OBJS := $(filter-out $(BUILD)/early-pin.o/main.o $(BUILD)/early-pin.o/log.o,$(EARLYPIN_OBJS))
$(BUILD)/tests/unit/test_earlypin: $(BUILD)/tests/unit/test_earlypin.o $(EARLYPIN_TEST_OBJS) $(LIBQC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(KMOD_LIBS)
