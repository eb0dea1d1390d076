# SPDX-License-Identifier: GPL-2.0-or-later
# alloc/: isol-alloc, the daemon and its client. Everything but main.c is
# also linked into tests/fuzz/fuzz_allocreq (proto.c) and could be into unit
# tests; libsystemd for socket activation, readiness and the journal.

SYSTEMD_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libsystemd 2>/dev/null)
SYSTEMD_LIBS	:= $(shell $(PKG_CONFIG) --libs libsystemd 2>/dev/null || echo -lsystemd)

ALLOC_SRCS	:= $(wildcard alloc/*.c)
ALLOC_OBJS	:= $(ALLOC_SRCS:%.c=$(BUILD)/%.o)
ALLOC_LIBS	:= $(JSONC_LIBS) $(SYSTEMD_LIBS)

PROGRAMS	+= $(BUILD)/isol-alloc

$(ALLOC_OBJS): $(BUILD)/alloc/%.o: alloc/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(JSONC_CFLAGS) $(SYSTEMD_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/isol-alloc: $(ALLOC_OBJS) $(CLI_OBJS) $(LIBQC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALLOC_LIBS)
