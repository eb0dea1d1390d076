# tests/vm/: QEMU boot tests. tests/vm/*.bats run in `make check` (through
# tests/run.sh vm); tests/vm/nightly/*.bats are the cells that do not fit CI
# time and run with `make check-vm-nightly` (all of tests/vm plus nightly/).
# SPDX-License-Identifier: GPL-2.0-or-later

.PHONY: check-vm-nightly
check-vm-nightly: all
	@mkdir -p '$(abspath $(BUILD))/test-logs'
	@BUILD='$(abspath $(BUILD))' QC_TOP='$(CURDIR)' bats --tap tests/vm/*.bats tests/vm/nightly/*.bats \
		>'$(abspath $(BUILD))/test-logs/vm-nightly.tap' 2>&1; \
	rc=$$?; cat '$(abspath $(BUILD))/test-logs/vm-nightly.tap'; exit $$rc
