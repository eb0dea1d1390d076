# SPDX-License-Identifier: GPL-2.0-or-later
# tests/fault: the fault-injection LD_PRELOAD shim (tests/bats/fault-*.bats).
# Built without sanitizers: it is preloaded into the programs, which under
# SANITIZE=1 need the ASan runtime first (the tests relax that check).

FAULT_SHIM	:= $(BUILD)/tests/fault/failshim.so

$(FAULT_SHIM): tests/fault/failshim.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_QC) $(WARNFLAGS) -std=gnu11 -O1 -g -fPIC -shared -o $@ $< -ldl

all: $(FAULT_SHIM)
