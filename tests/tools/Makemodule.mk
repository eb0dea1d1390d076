# SPDX-License-Identifier: GPL-2.0-or-later
# tests/tools: small programs the bats tests drive.
#   alloc-wire   a raw client of isol-alloc's socket (tests/bats/isol-alloc.bats)

ALLOC_WIRE	:= $(BUILD)/tests/tools/alloc-wire

$(ALLOC_WIRE): tests/tools/alloc-wire.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(ALL_LDFLAGS) -o $@ $<

all: $(ALLOC_WIRE)
