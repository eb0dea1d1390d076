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

JSONC_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSONC_LIBS	:= $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c)
KMOD_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libkmod 2>/dev/null)
KMOD_LIBS	:= $(shell $(PKG_CONFIG) --libs libkmod 2>/dev/null || echo -lkmod)
CMOCKA_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS	:= $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

# Installation directories.
PREFIX		?= /usr
SBINDIR		?= $(PREFIX)/sbin
LIBEXECDIR	?= $(PREFIX)/lib
MANDIR		?= $(PREFIX)/share/man
DATADIR		?= $(PREFIX)/share
# dracut and systemd only look in their own directories, whatever PREFIX is:
# ask their pkg-config files once (an empty or missing variable falls back).
pc_var		= $(or $(shell $(PKG_CONFIG) --variable=$(1) $(2) 2>/dev/null),$(3))
ifeq ($(origin DRACUTMODDIR),undefined)
DRACUTMODDIR	:= $(call pc_var,dracutmodulesdir,dracut,/usr/lib/dracut/modules.d)
endif
DRACUTCONFDIR	?= $(PREFIX)/lib/dracut/dracut.conf.d
ifeq ($(origin SYSTEMDUNITDIR),undefined)
SYSTEMDUNITDIR	:= $(call pc_var,systemdsystemunitdir,systemd,/lib/systemd/system)
endif
DESTDIR		?=

PROGRAMS	:=
UNIT_TESTS	:=
CLEAN_FILES	:=
INSTALL_TARGETS	:=
UNINSTALL_TARGETS :=

.PHONY: all check check-unit check-bats check-vm run install uninstall clean deps lint bench
all:

# --- the shared library -------------------------------------------------------
LIB_SRCS	:= $(wildcard lib/*.c)
LIB_OBJS	:= $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIBQC		:= $(BUILD)/libquietcore.a

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(JSONC_CFLAGS) $(KMOD_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBQC): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

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
	@tests/deps.sh

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

# shellcheck on every shell file we ship or test with, cppcheck on the C sources.
SHELL_FILES	= $(shell git ls-files '*.sh' '*.bash' '.ci/run' 'dracut-module/*' 2>/dev/null | \
		    while read -r f; do [ -f "$$f" ] && head -c 64 "$$f" | grep -q '^\#!.*sh' && echo "$$f"; done)
lint:
	@command -v shellcheck >/dev/null || { echo "lint: shellcheck missing: run 'make deps'"; exit 1; }
	shellcheck -x $(SHELL_FILES) $(wildcard tests/*.sh)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem -D_GNU_SOURCE -Ilib lib cmdline-gen early-pin verify

run: all
	$(BUILD)/cmdline-gen --explain

clean:
	rm -rf build build-sanitize $(CLEAN_FILES)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
