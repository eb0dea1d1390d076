# SPDX-License-Identifier: GPL-2.0-or-later
#
# quietcore top-level Makefile.
#
#   make                 build everything into $(BUILD)/
#   make check           install test dependencies if missing, build, run every test
#   make check SANITIZE=1  the same under AddressSanitizer + UBSan (separate build dir)
#   make run             build and run `cmdline-gen --explain` on this host
#   make install         PREFIX, DESTDIR, SBINDIR, MANDIR, ... honoured
#
# Each directory contributes a Makemodule.mk fragment (as util-linux does with
# Makemodule.am), so the parts can grow without touching this file.

VERSION		:= 0.1.0

CC		?= gcc
PKG_CONFIG	?= pkg-config
CFLAGS		?= -O2 -g
WARNFLAGS	:= -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes \
		   -Wstrict-prototypes -Wno-unused-parameter -Wvla
CPPFLAGS_QC	:= -D_GNU_SOURCE -DQC_VERSION='"$(VERSION)"' -Ilib
LDLIBS_QC	:=

SANITIZE	?=
ifeq ($(SANITIZE),1)
BUILD		?= build-sanitize
SANFLAGS	:= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
else
BUILD		?= build
SANFLAGS	:=
endif

ALL_CFLAGS	= $(CPPFLAGS_QC) $(CPPFLAGS) $(WARNFLAGS) $(SANFLAGS) -std=gnu11 $(CFLAGS)
ALL_LDFLAGS	= $(SANFLAGS) $(LDFLAGS)

# --- build dependencies (installed before the pkg-config lines below run) ------
# The Debian packages the goals need (build-aux/deps.sh): installed when make
# runs as root on Debian, else one line names them and the command that
# installs them, before anything is compiled. Sub-makes trust the top level's
# check; QC_NO_DEPS=1 skips it (distribution builds bring their own).
_goals		:= $(or $(MAKECMDGOALS),all)
ifneq ($(filter check check-bats check-vm check-vm-nightly check-valgrind lint format fuzz fuzz-build \
		bench deps,$(_goals)),)
DEPS_GROUP	:= check
else ifneq ($(filter check-unit,$(_goals)),)
DEPS_GROUP	:= unit
else ifneq ($(filter-out run clean uninstall uninstall-%,$(_goals)),)
DEPS_GROUP	:= build
else ifneq ($(filter run,$(_goals)),)
DEPS_GROUP	:= run
endif
ifeq ($(MAKELEVEL)$(QC_NO_DEPS),0)
ifneq ($(DEPS_GROUP),)
_deps_out	:= $(shell build-aux/deps.sh --make $(DEPS_GROUP))
ifneq ($(.SHELLSTATUS),0)
$(error $(or $(_deps_out),quietcore: could not install the packages this needs (see above)))
endif
endif
endif

JSONC_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSONC_LIBS	:= $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c)
KMOD_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libkmod 2>/dev/null)
KMOD_LIBS	:= $(shell $(PKG_CONFIG) --libs libkmod 2>/dev/null || echo -lkmod)
CMOCKA_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS	:= $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
SYSTEMD_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libsystemd 2>/dev/null)
SYSTEMD_LIBS	:= $(shell $(PKG_CONFIG) --libs libsystemd 2>/dev/null || echo -lsystemd)
TRACEFS_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libtracefs 2>/dev/null)
TRACEFS_LIBS	:= $(shell $(PKG_CONFIG) --libs libtracefs 2>/dev/null || echo -ltracefs -ltraceevent)

# Installation directories.
PREFIX		?= /usr
SBINDIR		?= $(PREFIX)/sbin
LIBEXECDIR	?= $(PREFIX)/libexec
MANDIR		?= $(PREFIX)/share/man
DATADIR		?= $(PREFIX)/share
# dracut and systemd only look in their own directories, whatever PREFIX is:
# ask their pkg-config files once (an empty or missing variable falls back).
pc_var		= $(or $(shell $(PKG_CONFIG) --variable=$(1) $(2) 2>/dev/null),$(3))
ifeq ($(origin DRACUTMODDIR),undefined)
DRACUTMODDIR	:= $(call pc_var,dracutmodulesdir,dracut,/usr/lib/dracut/modules.d)
endif
ifeq ($(origin DRACUTCONFDIR),undefined)
DRACUTCONFDIR	:= $(call pc_var,dracutconfdir,dracut,/usr/lib/dracut/dracut.conf.d)
endif
ifeq ($(origin SYSTEMDUNITDIR),undefined)
SYSTEMDUNITDIR	:= $(call pc_var,systemdsystemunitdir,systemd,/lib/systemd/system)
endif
DESTDIR		?=


PROGRAMS	:=
UNIT_TESTS	:=
CLEAN_FILES	:=
INSTALL_TARGETS	:=
UNINSTALL_TARGETS :=

.PHONY: all check check-unit check-bats check-vm run install uninstall clean deps lint format bench check-valgrind
all:

# --- the shared library -------------------------------------------------------
# lib/sdunit.c (sd-bus, libsystemd) is not in it: the static early-pin and
# everything else link libquietcore.a, only unit-helper/ links sdunit.o.
LIB_DYNAMIC_SRCS := lib/sdunit.c
LIB_SRCS	:= $(filter-out $(LIB_DYNAMIC_SRCS),$(wildcard lib/*.c))
LIB_OBJS	:= $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIBQC		:= $(BUILD)/libquietcore.a

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(JSONC_CFLAGS) $(KMOD_CFLAGS) $(TRACEFS_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBQC): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# The real ops run the unit helper (unit-helper/) from where it is installed;
# ops.o is rebuilt when that path changes (the file below changes with it).
UNIT_HELPER	:= $(LIBEXECDIR)/quietcore/quietcore-unit
$(BUILD)/lib/ops.o $(BUILD)/tests/unit/test_ops.o: CPPFLAGS_QC += -DQC_UNIT_HELPER='"$(UNIT_HELPER)"'
$(BUILD)/lib/ops.o $(BUILD)/tests/unit/test_ops.o: $(BUILD)/unit-helper.path
$(BUILD)/unit-helper.path: FORCE
	@mkdir -p $(@D)
	@echo '$(UNIT_HELPER)' | cmp -s - $@ || echo '$(UNIT_HELPER)' >$@
.PHONY: FORCE

# --- cli/: what the programs share and lib/ may not do (print, exit) ------------
CLI_OBJS	:= $(BUILD)/cli/cli.o
CPPFLAGS_QC	+= -Icli

-include $(wildcard */Makemodule.mk) $(wildcard tests/*/Makemodule.mk)

# --- unit tests: every tests/unit/test_*.c is one cmocka binary ----------------
UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
UNIT_TESTS	+= $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIBQC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(JSONC_LIBS) $(KMOD_LIBS)

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(CMOCKA_CFLAGS) $(JSONC_CFLAGS) -MMD -MP -c -o $@ $<

all: $(LIBQC) $(PROGRAMS)

# Keep the test objects (make would delete them as intermediates and relink every time).
.SECONDARY:

# --- tests ---------------------------------------------------------------------
deps:
	@build-aux/deps.sh check

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS)
	@BUILD=$(abspath $(BUILD)) SANITIZE=$(SANITIZE) tests/run.sh

# quietcore(7), the concepts page; the programs install their own pages.
.PHONY: install-docs uninstall-docs
install-docs:
	install -D -m 0644 docs/quietcore.7 $(DESTDIR)$(MANDIR)/man7/quietcore.7

uninstall-docs:
	rm -f $(DESTDIR)$(MANDIR)/man7/quietcore.7

INSTALL_TARGETS	+= install-docs
UNINSTALL_TARGETS += uninstall-docs

install: $(INSTALL_TARGETS)
uninstall: $(UNINSTALL_TARGETS)

check-unit: all $(UNIT_TESTS)
	@BUILD=$(abspath $(BUILD)) tests/run.sh unit

check-bats: all $(UNIT_TESTS)
	@BUILD=$(abspath $(BUILD)) tests/run.sh bats

check-vm: all
	@BUILD=$(abspath $(BUILD)) tests/run.sh vm

# make lint: clang-tidy (checks in .clang-tidy), cppcheck, shellcheck and
# systemd-analyze verify of the shipped units, all clean or it fails;
# tests/bats/lint.bats runs it in make check.
#  - every tracked C file of the programs, lib/, the fuzz harnesses and the
#    shim, and every tracked shell file: *.sh, *.bash, *.bats (shellcheck knows
#    the bats dialect), scripts with a sh/bash #!, the dracut hooks;
#  - except LINT_PENDING: files still being written whose findings are
#    reported to their authors (drop them from the list once fixed).
LINT_PENDING	:=
LINT_C		= $(filter-out $(LINT_PENDING),$(shell git ls-files 'lib/*.c' 'cli/*.c' 'cmdline-gen/*.c' \
		    'early-pin/*.c' 'unit-helper/*.c' 'verify/*.c' 'alloc/*.c' 'tests/fuzz/*.c' 'tests/fault/*.c' \
		    'tests/tools/*.c' 2>/dev/null))
SHELL_FILES	= $(filter-out $(LINT_PENDING),$(shell git ls-files 2>/dev/null | \
		    while read -r f; do [ -f "$$f" ] || continue; \
		    if echo "$$f" | grep -qE '\.(sh|bash|bats)$$' || \
		       head -c 64 "$$f" | grep -qE '^\#!.*(/sh|bash)'; \
		    then echo "$$f"; fi; done))
TIDY_FLAGS	= -D_GNU_SOURCE -DQC_VERSION='"lint"' -DQC_UNIT_HELPER='"lint"' -DQC_SYSTEMDUNITDIR='"/lint"' -Ilib -Icli -Ialloc -Itests/fuzz \
		  $(JSONC_CFLAGS) $(KMOD_CFLAGS) $(SYSTEMD_CFLAGS) $(TRACEFS_CFLAGS) -std=gnu11
# The systemd units the package ships, for systemd-analyze verify.
UNIT_FILES	= $(shell git ls-files 'dracut-module/*.service' 'dracut-module/*.socket' 'dracut-module/*.timer' 2>/dev/null)
LINT_JOBS	?= $(shell nproc 2>/dev/null || echo 2)
# Every tracked C source and header, tests included: what .clang-format governs.
FORMAT_FILES	= $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	@command -v clang-format >/dev/null || { echo "format: clang-format missing: run 'make deps'"; exit 1; }
	clang-format -i $(FORMAT_FILES)

lint:
	@for t in shellcheck cppcheck clang-tidy clang-format systemd-analyze; do command -v $$t >/dev/null || \
		{ echo "lint: $$t missing: run 'make deps'"; exit 1; }; done
	@echo "clang-format --dry-run $(words $(FORMAT_FILES)) files (make format rewrites them)"
	@clang-format --dry-run --Werror $(FORMAT_FILES)
	shellcheck -x $(SHELL_FILES)
	@# json-c defines json_object_object_foreach only for __GNUC__, which cppcheck is not
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem --suppress=unknownMacro:verify/output.c \
		-D_GNU_SOURCE -DQC_SYSTEMDUNITDIR='"/lint"' -Ilib -Icli $(LINT_C)
	@# systemd's own parser, silent or it fails; the programs are not installed
	@# here, so ExecStart= runs /bin/true (install.bats checks the installed paths)
	@echo "systemd-analyze verify $(words $(UNIT_FILES)) units"
	@d=$$(mktemp -d) || exit 1; \
	for u in $(UNIT_FILES); do sed 's|/usr/sbin/[a-z-]*|/bin/true|g' "$$u" >"$$d/$${u##*/}"; done; \
	out=$$(cd "$$d" && systemd-analyze verify --man=no $(notdir $(UNIT_FILES)) 2>&1); st=$$?; \
	rm -rf "$$d"; [ "$$st" -eq 0 ] && [ -z "$$out" ] || { printf '%s\n' "$$out"; exit 1; }
	@echo "clang-tidy $(words $(LINT_C)) files ($(LINT_JOBS) at a time)"
	@mkdir -p $(BUILD); printf '%s\n' $(LINT_C) | xargs -P$(LINT_JOBS) -I{} clang-tidy --quiet {} -- \
		$(TIDY_FLAGS) >$(BUILD)/clang-tidy.log 2>/dev/null; st=$$?; \
		grep -E -A3 '(error|warning):' $(BUILD)/clang-tidy.log; exit $$st

# make check-valgrind: unit tests and the program suites under valgrind memcheck.
# valgrind cannot check the static early-pin (static glibc's string functions):
# the same objects, linked dynamically, go through its direct runs.
VALGRIND_EARLYPIN := $(BUILD)/tests/fault/early-pin-dynamic
$(VALGRIND_EARLYPIN): $(EARLYPIN_OBJS) $(CLI_OBJS) $(LIBQC)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $(EARLYPIN_OBJS) $(CLI_OBJS) $(LIBQC) $(KMOD_LIBS)

check-valgrind: all $(UNIT_TESTS) $(VALGRIND_EARLYPIN)
	@BUILD=$(abspath $(BUILD)) EARLYPIN_DYNAMIC=$(abspath $(VALGRIND_EARLYPIN)) tests/fault/valgrind.sh

# Only what it runs: no early-pin, so no static libkmod to build first.
run: $(BUILD)/cmdline-gen
	$(BUILD)/cmdline-gen --explain

clean:
	rm -rf build build-sanitize $(CLEAN_FILES)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
