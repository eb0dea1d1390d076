# SPDX-License-Identifier: GPL-2.0-or-later
# alloc/: isol-alloc, the daemon and its client (proto.c, the request parser,
# is also linked into tests/fuzz/fuzz_allocreq). libsystemd (SYSTEMD_CFLAGS and
# SYSTEMD_LIBS of the top Makefile) for socket activation, readiness and the
# journal; libkmod comes with lib/ops.c (the ops table of --cgroup); pthreads
# for the thread that writes the state (server.c).

ALLOC_SRCS	:= $(wildcard alloc/*.c)
ALLOC_OBJS	:= $(ALLOC_SRCS:%.c=$(BUILD)/%.o)
ALLOC_LIBS	:= $(JSONC_LIBS) $(SYSTEMD_LIBS) $(KMOD_LIBS) -lpthread

PROGRAMS	+= $(BUILD)/isol-alloc

$(ALLOC_OBJS): $(BUILD)/alloc/%.o: alloc/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(JSONC_CFLAGS) $(SYSTEMD_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/isol-alloc: $(ALLOC_OBJS) $(CLI_OBJS) $(LIBQC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALLOC_LIBS)

# systemd-sysusers makes the socket's group from isol-alloc.conf
ifeq ($(origin SYSUSERSDIR),undefined)
SYSUSERSDIR	:= $(call pc_var,sysusersdir,systemd,/usr/lib/sysusers.d)
endif

INSTALL_TARGETS	+= install-isol-alloc
UNINSTALL_TARGETS += uninstall-isol-alloc

.PHONY: install-isol-alloc uninstall-isol-alloc
install-isol-alloc: $(BUILD)/isol-alloc
	install -D -m 0755 $(BUILD)/isol-alloc '$(DESTDIR)$(SBINDIR)/isol-alloc'
	install -D -m 0644 docs/isol-alloc.8 '$(DESTDIR)$(MANDIR)/man8/isol-alloc.8'
	install -D -m 0644 dracut-module/systemd/isol-alloc.socket \
		'$(DESTDIR)$(SYSTEMDUNITDIR)/isol-alloc.socket'
	@# the unit runs the daemon from where it was installed
	sed 's|/usr/sbin/isol-alloc|$(SBINDIR)/isol-alloc|g' dracut-module/systemd/isol-alloc.service \
		>'$(DESTDIR)$(SYSTEMDUNITDIR)/isol-alloc.service'
	chmod 0644 '$(DESTDIR)$(SYSTEMDUNITDIR)/isol-alloc.service'
	install -D -m 0644 dracut-module/systemd/isol-alloc.sysusers \
		'$(DESTDIR)$(SYSUSERSDIR)/isol-alloc.conf'

uninstall-isol-alloc:
	rm -f '$(DESTDIR)$(SBINDIR)/isol-alloc' '$(DESTDIR)$(MANDIR)/man8/isol-alloc.8' \
		'$(DESTDIR)$(SYSTEMDUNITDIR)/isol-alloc.socket' \
		'$(DESTDIR)$(SYSTEMDUNITDIR)/isol-alloc.service' \
		'$(DESTDIR)$(SYSUSERSDIR)/isol-alloc.conf'
