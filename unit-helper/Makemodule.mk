# SPDX-License-Identifier: GPL-2.0-or-later
# unit-helper/: quietcore-unit, the helper early-pin runs (fork + exec) to
# start and stop systemd's transient units through sd-bus (lib/sdunit.c).
# The one program linked with libsystemd, dynamically: early-pin itself is
# static with libc and libkmod only. Installed outside PATH as
# $(UNIT_HELPER), the path the real ops (lib/ops.c) were built with.

UNIT_HELPER_OBJS := $(BUILD)/unit-helper/quietcore-unit.o $(BUILD)/lib/sdunit.o

PROGRAMS	+= $(BUILD)/quietcore-unit

$(UNIT_HELPER_OBJS): ALL_CFLAGS += $(SYSTEMD_CFLAGS)

$(BUILD)/quietcore-unit: $(UNIT_HELPER_OBJS) $(CLI_OBJS) $(LIBQC)
	$(CC) $(ALL_LDFLAGS) -o $@ $(UNIT_HELPER_OBJS) $(CLI_OBJS) $(LIBQC) $(SYSTEMD_LIBS)

.PHONY: install-unit-helper uninstall-unit-helper
install-unit-helper: $(BUILD)/quietcore-unit
	install -D -m 0755 $(BUILD)/quietcore-unit '$(DESTDIR)$(UNIT_HELPER)'

uninstall-unit-helper:
	rm -f '$(DESTDIR)$(UNIT_HELPER)'
	-rmdir '$(DESTDIR)$(LIBEXECDIR)/quietcore'

INSTALL_TARGETS	+= install-unit-helper
UNINSTALL_TARGETS += uninstall-unit-helper

# tests/unit/test_sdunit: lib/sdunit.c against a fake systemd on a socketpair.
$(BUILD)/tests/unit/test_sdunit.o: ALL_CFLAGS += $(SYSTEMD_CFLAGS)
$(BUILD)/tests/unit/test_sdunit: $(BUILD)/tests/unit/test_sdunit.o $(BUILD)/lib/sdunit.o $(LIBQC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(SYSTEMD_LIBS) -lpthread
