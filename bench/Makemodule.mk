# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: bench/run.sh runs the six benches (plan pin verify jitter
# partition alloc) and writes $(BUILD)/bench.md.
#   make bench BENCHES="plan verify"
BENCHES	?=

bench: all
	@BUILD=$(abspath $(BUILD)) bench/run.sh $(BENCHES)
