# SPDX-License-Identifier: GPL-2.0-or-later
# cmdline-gen: every cmdline-gen/*.c is part of the one program (main.c plus
# the modes other parts add, such as apply.c).  Objects go to
# $(BUILD)/cmdline-gen-objs/ because $(BUILD)/cmdline-gen is the program.
CMDLINE_GEN_SRCS := $(wildcard cmdline-gen/*.c)
CMDLINE_GEN_OBJS := $(CMDLINE_GEN_SRCS:cmdline-gen/%.c=$(BUILD)/cmdline-gen-objs/%.o)

PROGRAMS += $(BUILD)/cmdline-gen

$(BUILD)/cmdline-gen-objs/%.o: cmdline-gen/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(JSONC_CFLAGS) -DQC_SYSTEMDUNITDIR='"$(SYSTEMDUNITDIR)"' -MMD -MP -c -o $@ $<

# --apply --runtime links the unit from where `make install` puts it: a build
# for another SYSTEMDUNITDIR recompiles runtime.c (the stamp changes only then).
CG_UNITDIR_STAMP := $(BUILD)/cmdline-gen-objs/systemdunitdir
$(CG_UNITDIR_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(SYSTEMDUNITDIR)' | cmp -s - $@ || echo '$(SYSTEMDUNITDIR)' >$@
$(BUILD)/cmdline-gen-objs/runtime.o: $(CG_UNITDIR_STAMP)
.PHONY: FORCE
FORCE:

$(BUILD)/cmdline-gen: $(CMDLINE_GEN_OBJS) $(CLI_OBJS) $(LIBQC)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CMDLINE_GEN_OBJS) $(CLI_OBJS) $(LIBQC) $(JSONC_LIBS)

install-cmdline-gen: $(BUILD)/cmdline-gen
	install -D -m 0755 $(BUILD)/cmdline-gen $(DESTDIR)$(SBINDIR)/cmdline-gen
	install -D -m 0644 docs/cmdline-gen.8 $(DESTDIR)$(MANDIR)/man8/cmdline-gen.8

uninstall-cmdline-gen:
	rm -f $(DESTDIR)$(SBINDIR)/cmdline-gen $(DESTDIR)$(MANDIR)/man8/cmdline-gen.8

INSTALL_TARGETS += install-cmdline-gen
UNINSTALL_TARGETS += uninstall-cmdline-gen
.PHONY: install-cmdline-gen uninstall-cmdline-gen
