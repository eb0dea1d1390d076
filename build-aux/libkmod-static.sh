#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Builds a static libkmod from Debian's own kmod source package, because
# Debian ships only libkmod.so and early-pin must run in any initramfs.
#
#   build-aux/libkmod-static.sh OUTDIR
#
# On success prints the link arguments for a static early-pin on stdout
# (for example "/x/build/kmod-static/lib/libkmod.a -llzma") and exits 0.
# When the library cannot be had it says why on stderr, prints nothing and
# exits 1 (the Makefile then links early-pin dynamically, loudly).
# Missing build tools exit 3 so the Makefile can tell to run `make deps`.
#
# The source version is the one of the installed libkmod2, so the headers
# early-pin compiles against (libkmod-dev) match the code it links. Results
# are kept in OUTDIR and in a cache shared by build trees, keyed by the kmod
# version and the configure flags, so `make clean` and other build trees
# reuse one build:  ${QC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/quietcore}.
#
# Decompression: Debian's 6.1 kernels ship plain .ko files, its 6.12 kernels
# .ko.xz. kmod 30 decompresses modules itself (kernel-side decompression via
# finit_module came with kmod 31), so xz support is linked in statically;
# zstd, zlib (no Debian kernel uses them) and openssl (signature display,
# modinfo only) are left out. The result is libc + libkmod + liblzma.
set -u
set -o pipefail

prog=libkmod-static
outdir=${1:?usage: libkmod-static.sh OUTDIR}

say() { echo "$prog: $*" >&2; }

# Everything that influences the result is part of the cache key.
CONFFLAGS=(
	--disable-tools --disable-manpages --disable-test-modules
	--disable-python --disable-debug --disable-coverage --disable-gtk-doc
	--with-xz --without-zstd --without-zlib --without-openssl
	--sysconfdir=/etc --prefix=/usr
)
LINK_EXTRA=-llzma

ver=$(dpkg-query -W -f='${source:Version}' libkmod2 2>/dev/null)
if [ -z "$ver" ]; then
	say "cannot tell the kmod version: libkmod2 (libkmod-dev) is not installed"
	exit 3
fi
key=$(printf '%s\n' "$ver" "${CONFFLAGS[*]}" "$LINK_EXTRA" | sha256sum | cut -c1-12)
stamp="$ver $key"

emit() { # prints the link arguments for the library in $outdir
	echo "$outdir/lib/libkmod.a $LINK_EXTRA"
}

if [ -f "$outdir/lib/libkmod.a" ] && [ "$(cat "$outdir/.stamp" 2>/dev/null)" = "$stamp" ]; then
	emit
	exit 0
fi

cache_root=${QC_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/quietcore}
cache=$cache_root/kmod-static-$ver-$key
if ! mkdir -p "$cache_root" 2>/dev/null || ! [ -w "$cache_root" ]; then
	cache=$outdir/.cache/kmod-static-$ver-$key
	cache_root=$outdir/.cache
	mkdir -p "$cache_root" || exit 1
fi

check_tools() {
	local t missing=()
	for t in apt-get dpkg-source dpkg-query autoreconf automake libtoolize pkg-config make "${CC:-gcc}" flock; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	pkg-config --exists liblzma 2>/dev/null || missing+=("liblzma (liblzma-dev)")
	if [ ${#missing[@]} -gt 0 ]; then
		say "missing build tools: ${missing[*]}"
		return 1
	fi
	return 0
}

install_from_cache() {
	rm -rf "$outdir.tmp" && mkdir -p "$outdir.tmp" &&
		cp -a "$cache/lib" "$cache/include" "$outdir.tmp/" &&
		echo "$stamp" >"$outdir.tmp/.stamp" &&
		rm -rf "$outdir" && mv "$outdir.tmp" "$outdir"
}

build() { # builds into $cache; runs under the cache lock
	local work src sources lists
	work=$(mktemp -d "${TMPDIR:-/tmp}/qc-kmod.XXXXXX") || return 1
	# shellcheck disable=SC2064
	trap "rm -rf '$work'" RETURN
	say "building a static libkmod from Debian's kmod $ver source package (once; cached in $cache)"

	# A deb-src twin of the configured sources, used through private apt
	# state so the host's package lists and caches stay untouched.
	sources=$work/apt/sources.list.d lists=$work/apt/lists
	mkdir -p "$sources" "$lists/partial" "$work/apt/cache/archives/partial"
	local f n=0
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed -E 's/^Types:.*/Types: deb-src/' "$f" >"$sources/src$n.sources"
		n=$((n + 1))
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -nE 's/^[[:space:]]*deb([[:space:]])/deb-src\1/p' "$f" >"$sources/src$n.list"
		n=$((n + 1))
	done
	local apt=(apt-get -q -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$sources"
		-o "Dir::State::Lists=$lists" -o "Dir::Cache=$work/apt/cache"
		-o "APT::Sandbox::User=root")
	if ! "${apt[@]}" update >"$work/apt.log" 2>&1; then
		tail -5 "$work/apt.log" >&2
		say "apt-get update of the deb-src sources failed"
		return 1
	fi
	if ! (cd "$work" && "${apt[@]}" source --download-only "kmod=$ver") >>"$work/apt.log" 2>&1; then
		tail -5 "$work/apt.log" >&2
		say "apt-get source kmod=$ver failed"
		return 1
	fi
	src=$work/kmod
	if ! dpkg-source -x "$work"/kmod_*.dsc "$src" >"$work/dpkg-source.log" 2>&1; then
		tail -5 "$work/dpkg-source.log" >&2
		say "dpkg-source -x failed"
		return 1
	fi
	# Debian builds its release from a git snapshot: no configure script yet.
	# gtk-doc is not needed for the library; kmod's autogen.sh does the same.
	# kmod's configure refuses --enable-static, but its test suite links a
	# static convenience archive of the very same sources (libkmod-internal,
	# with the shared/ helpers merged in): that archive is what we take.
	mkdir -p "$src/libkmod/docs" && touch "$src/libkmod/docs/gtk-doc.make"
	if ! (cd "$src" && autoreconf --force --install) >"$work/build.log" 2>&1 ||
		! (cd "$src" && ./configure "${CONFFLAGS[@]}" CC="${CC:-gcc}" \
			CFLAGS="-O2 -g" >>"$work/build.log" 2>&1) ||
		! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$src" -j"$(nproc)" \
			libkmod/libkmod-internal.la >>"$work/build.log" 2>&1; then
		tail -20 "$work/build.log" >&2
		say "building libkmod failed"
		return 1
	fi
	rm -rf "$cache.tmp" && mkdir -p "$cache.tmp/lib" "$cache.tmp/include" &&
		cp "$src/libkmod/.libs/libkmod-internal.a" "$cache.tmp/lib/libkmod.a" &&
		cp "$src/libkmod/libkmod.h" "$cache.tmp/include/" &&
		cp "$work"/kmod_*.dsc "$cache.tmp/" &&
		echo "$stamp" >"$cache.tmp/.stamp" &&
		rm -rf "$cache" && mv "$cache.tmp" "$cache"
}

(
	flock 9
	if [ ! -f "$cache/lib/libkmod.a" ]; then
		check_tools || exit 3
		build || exit 1
	fi
	install_from_cache
) 9>"$cache_root/.kmod-static.lock" || exit $?
emit
