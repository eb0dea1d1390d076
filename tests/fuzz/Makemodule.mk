# SPDX-License-Identifier: GPL-2.0-or-later
# tests/fuzz: libFuzzer harnesses, one per parser (tests/fuzz/fuzz_<name>.c).
#
#   make fuzz              build, then run each harness for FUZZ_SECONDS (default 60)
#                          on its seed corpus (tests/fuzz/corpus/<name>/); new
#                          inputs go to $(BUILD)/fuzz/corpus/<name>/, crashes to
#                          $(BUILD)/fuzz/crash-<name>-*, a summary to
#                          $(BUILD)/fuzz/summary.txt
#   make fuzz-build        only build them ($(BUILD)/fuzz/fuzz-<name>)
#   make fuzz FUZZERS="cpulist mask" FUZZ_SECONDS=600
#
# The harnesses and a private copy of lib/ are always built with clang,
# -fsanitize=fuzzer,address,undefined, whatever CC and SANITIZE say.
# tests/bats/fuzz.bats (make check) replays the corpora and runs each for a
# few seconds.

FUZZ_CC		?= clang
FUZZ_SECONDS	?= 60
FUZZ_SANFLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS	= $(CPPFLAGS_QC) $(WARNFLAGS) -Wno-missing-prototypes -std=gnu11 -g -O1 \
		  $(FUZZ_SANFLAGS) $(JSONC_CFLAGS) $(KMOD_CFLAGS) $(TRACEFS_CFLAGS)
FUZZ_SRCS	:= $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_ALL	:= $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZERS		?= $(FUZZ_ALL)
FUZZ_BINS	:= $(FUZZ_ALL:%=$(BUILD)/fuzz/fuzz-%)
FUZZ_LIB_OBJS	:= $(LIB_SRCS:lib/%.c=$(BUILD)/fuzz/lib/%.o)
FUZZ_LIB	:= $(BUILD)/fuzz/libquietcore-fuzz.a

.PHONY: fuzz fuzz-build

# the path early-pin runs for systemd units, as in the programs' ops.o
$(BUILD)/fuzz/lib/ops.o: FUZZ_CFLAGS += -DQC_UNIT_HELPER='"$(UNIT_HELPER)"'

$(BUILD)/fuzz/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/fuzz/%.o: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/fuzz -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/fuzz-%: $(BUILD)/fuzz/%.o $(FUZZ_LIB)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SANFLAGS) -o $@ $^ $(JSONC_LIBS) $(KMOD_LIBS) $(TRACEFS_LIBS)

# isol-alloc's request parser is alloc/proto.c: the harness links it too.
$(BUILD)/fuzz/alloc/%.o: alloc/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/allocreq.o: CPPFLAGS_QC += -Ialloc
$(BUILD)/fuzz/fuzz-allocreq: $(BUILD)/fuzz/alloc/proto.o

fuzz-build: $(FUZZ_BINS)

# One harness after the other, each for FUZZ_SECONDS; the last status line of
# each (executions, cov:, ft:, corpus size) goes to summary.txt. A crash stops
# make with the reproducer's name.
fuzz: fuzz-build
	@set -e; sum=$(BUILD)/fuzz/summary.txt; : >$$sum; \
	for f in $(FUZZERS); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$f; \
		echo "fuzz: $$f for $(FUZZ_SECONDS) s (log: $(BUILD)/fuzz/$$f.log)"; \
		if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		     $(BUILD)/fuzz/fuzz-$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(BUILD)/fuzz/crash-$$f- \
			$(BUILD)/fuzz/corpus/$$f tests/fuzz/corpus/$$f \
			>$(BUILD)/fuzz/$$f.log 2>&1; then \
			tail -40 $(BUILD)/fuzz/$$f.log; echo "fuzz: $$f failed"; exit 1; \
		fi; \
		line=$$(grep -E '^#[0-9]+' $(BUILD)/fuzz/$$f.log | tail -1); \
		execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(BUILD)/fuzz/$$f.log); \
		printf '%-12s %10s execs  %s\n' "$$f" "$$execs" "$$line" | tee -a $$sum; \
	done

CLEAN_FILES	+= $(BUILD)/fuzz
