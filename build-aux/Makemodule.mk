# build-aux/: how early-pin gets linked.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# early-pin must run in any initramfs, whatever libraries it holds, so it is
# linked statically: libc + libkmod (+ liblzma, for the .ko.xz modules of
# Debian's 6.12 kernels). Debian ships no libkmod.a; build-aux/libkmod-static.sh
# makes one from Debian's own kmod source package, once per kmod version
# (kept in $(BUILD)/kmod-static/ and in a cache shared by build trees).
#
#   EARLYPIN_LDFLAGS, EARLYPIN_LIBS   what early-pin/Makemodule.mk links with
#   EARLYPIN_STATIC=0                 link early-pin dynamically on purpose
#
# When the static library cannot be had the build goes on with a dynamic
# early-pin and says so loudly on every make run. Missing build tools stop
# the build with a pointer to `make deps`. SANITIZE=1 builds are dynamic:
# ASan cannot link statically.

EARLYPIN_STATIC	?= 1
KMOD_STATIC_DIR	:= $(abspath $(BUILD))/kmod-static

# Goals that build nothing of early-pin do not need the library (and `check`
# installs the tools first, then builds in a sub-make).
_kmod_static_goals := $(filter-out clean deps check uninstall lint run,$(or $(MAKECMDGOALS),all))

ifeq ($(SANITIZE),1)
EARLYPIN_LDFLAGS :=
EARLYPIN_LIBS	:= $(KMOD_LIBS)
else ifneq ($(EARLYPIN_STATIC),1)
$(warning ************************************************************************)
$(warning * early-pin: EARLYPIN_STATIC=$(EARLYPIN_STATIC): linking early-pin DYNAMICALLY against libkmod.so)
$(warning * the initramfs then needs libkmod.so and its libraries (inst_binary copies them))
$(warning ************************************************************************)
EARLYPIN_LDFLAGS :=
EARLYPIN_LIBS	:= $(KMOD_LIBS)
else ifneq ($(_kmod_static_goals),)
_kmod_static_out := $(shell CC='$(CC)' build-aux/libkmod-static.sh '$(KMOD_STATIC_DIR)')
_kmod_static_rc	:= $(.SHELLSTATUS)
ifeq ($(_kmod_static_rc),0)
EARLYPIN_LDFLAGS := -static
EARLYPIN_LIBS	:= $(_kmod_static_out)
EARLYPIN_LIBDEPS := $(KMOD_STATIC_DIR)/lib/libkmod.a
else ifeq ($(_kmod_static_rc),3)
$(error build-aux: the tools to build the static libkmod for early-pin are missing (see above): run 'build-aux/deps.sh build' as root first, or 'make EARLYPIN_STATIC=0' for a dynamic early-pin)
else
$(warning ************************************************************************)
$(warning * early-pin: NO STATIC libkmod could be built (reason above))
$(warning * early-pin: linking early-pin DYNAMICALLY against libkmod.so: it is NOT)
$(warning * early-pin: self-contained and needs libkmod.so in the initramfs)
$(warning ************************************************************************)
EARLYPIN_LDFLAGS :=
EARLYPIN_LIBS	:= $(KMOD_LIBS)
endif
endif
