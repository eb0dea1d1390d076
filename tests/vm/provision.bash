# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The provisioning loop and its checks, shared by tests/vm/provision.bats
# (make check) and tests/vm/nightly/provision-*.bats (the rest of the
# matrix). Load after vm and image.
#
#   prov_script SCENARIO [NAME=VALUE...]   the guest script for img_boot:
#                          the assignments, then tests/vm/guest/SCENARIO.sh
#   prov_loop NAME HK ISO [PLAN ARGS] -- [QEMU ARGS...]
#                          the whole loop on one booted image, every step
#                          checked; HK/ISO: the split the plan must make

# The disk has one virtio queue, as in tests/vm/vm.bash, so the loop can ask
# for an OK verdict. With a queue per CPU (QEMU's default) every queue's IRQ
# is managed and pinned to its own CPU: the kernel cannot keep the isolated
# CPUs' queue IRQs off them (isolcpus=managed_irq is best effort), early-pin
# finds them immovable and records them in /run/quietcore/immovable-irqs, and
# isol-verify rightly says WARNING. That case has its own boot test
# (tests/vm/early-pin-boot.bats, "a queue per CPU").
PROV_QEMU=(-global virtio-blk-pci.num-queues=1)

# A test here is two or three boots through GRUB plus what runs in them
# (dracut for a new kernel): the wall-clock limit of one QEMU run. Measured
# on 2 cores at load 9-13: the loop 709 s, the kernel drill 872 s.
# shellcheck disable=SC2034 # read by img_boot (image.bash)
IMG_TIMEOUT=${QC_IMG_TIMEOUT:-1800}

prov_script() { # prov_script SCENARIO [NAME=VALUE...]: prints the path
	local scen=$1 f a
	shift
	f=$BATS_TEST_TMPDIR/$scen.sh
	{
		for a in "$@"; do
			# values are plain words here; quote them for sh anyway
			printf "%s='%s'\n" "${a%%=*}" "${a#*=}"
		done
		cat "$QC_TOP/tests/vm/guest/$scen.sh"
	} >"$f" || return 1
	echo "$f"
}

# prov_words_in WORDS LINE: every word of WORDS is a word of LINE
prov_words_in() {
	local w missing=()
	for w in $1; do
		[[ " $2 " == *" $w "* ]] || missing+=("$w")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "missing: ${missing[*]}" >&2
	echo "in:      $2" >&2
	return 1
}

# prov_words_without LINE WORDS: LINE without the words of WORDS
prov_words_without() {
	local w out=()
	for w in $1; do
		[[ " $2 " == *" $w "* ]] || out+=("$w")
	done
	echo "${out[*]}"
}

# prov_check_kmsg BOOT COUNT HK: COUNT early-pin summary lines naming HK
prov_check_kmsg() {
	local got
	got=$(img_section "$1" kmsg | grep -cE "early-pin: .*housekeeping=$3( |$)" || :)
	if [ "$got" -ne "$2" ]; then
		echo "early-pin lines in the kernel log of boot $1:" >&2
		img_section "$1" kmsg | grep early-pin >&2
		img_fail "boot $1: expected $2 early-pin line(s) with housekeeping=$3, found $got"
		return 1
	fi
}

# prov_check_verify BOOT RC: isol-verify --json exited RC with valid JSON
# whose status agrees; on a mismatch every check that is not ok is shown
prov_check_verify() {
	local json status want
	case $2 in 0) want=ok ;; 1) want=warning ;; 2) want=critical ;; *) want=unknown ;; esac
	json=$(img_section "$1" verify)
	status=$(jq -r .status <<<"$json" 2>/dev/null)
	if [ -z "$status" ]; then
		echo "$json" | head -40 >&2
		img_section "$1" verify.err >&2
		img_fail "boot $1: isol-verify --json printed no valid JSON"
		return 1
	fi
	if [ "$(img_rc "$1" verify)" != "$2" ] || [ "$status" != "$want" ]; then
		jq '.checks[] | select(.status != "ok" and .status != "skipped")' <<<"$json" >&2
		img_section "$1" verify.err >&2
		echo "IPIs sent in 3 s after isol-verify (count, sender -> CPUs, call site, callback):" >&2
		img_section "$1" ipis >&2
		img_fail "boot $1: isol-verify exited $(img_rc "$1" verify) with status $status, expected $2 ($want)"
		return 1
	fi
}

prov_loop() { # prov_loop NAME HK ISO [PLAN ARGS] -- [QEMU ARGS...]
	local name=$1 hk=$2 iso=$3 plan_args=() script c1 c2 c3 plan line rest
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		plan_args+=("$1")
		shift
	done
	[ "${1:-}" != -- ] || shift
	script=$(prov_script loop "QC_PLAN_ARGS=${plan_args[*]}") || return 1
	img_boot "$name" "$script" "${PROV_QEMU[@]}" "$@" || return 1

	# boot 1: not isolated; the plan; --apply; reboot pending
	c1=$(img_section 1 boot | head -1)
	[[ $c1 != *isolcpus=* && $c1 != *nohz_full=* ]] ||
		{ img_fail "boot 1 already has isolation parameters: $c1"; return 1; }
	img_expect_rc 1 plan 0 || return 1
	plan=$(img_section 1 plan)
	line=$(jq -r .cmdline <<<"$plan")
	if [ "$(jq -r .housekeeping <<<"$plan")" != "$hk" ] || [ "$(jq -r .isolated <<<"$plan")" != "$iso" ]; then
		jq '{online, housekeeping, isolated, topology, warnings}' <<<"$plan" >&2
		img_fail "the plan on the booted guest is not housekeeping=$hk isolated=$iso"
		return 1
	fi
	img_expect_rc 1 apply 0 || return 1
	img_section 1 apply | grep -q '^Reboot needed' ||
		{ img_section 1 apply >&2; img_fail "--apply did not say a reboot is needed"; return 1; }
	img_expect_rc 1 check 1 || return 1
	prov_words_in "$line" "$(img_section 1 next-linux)" ||
		{ img_fail "the default entry of grub.cfg does not carry the plan after --apply"; return 1; }

	# boot 2: through GRUB with the plan; early-pin ran; isol-verify OK
	c2=$(img_section 2 boot | head -1)
	prov_words_in "$line" "$c2" || { img_fail "boot 2: /proc/cmdline lacks the plan"; return 1; }
	# and nothing else of the line changed (quiet, console=, root=, ...)
	rest=$(prov_words_without "$c2" "$line")
	[ "$rest" = "$c1" ] ||
		{ img_fail "boot 2: the rest of the line changed: '$rest', was '$c1'"; return 1; }
	# pre-udev and pre-pivot: one summary line each
	prov_check_kmsg 2 2 "$hk" || return 1
	prov_check_verify 2 0 || return 1
	img_expect_rc 2 check 0 || return 1
	img_expect_rc 2 revert 0 || return 1

	# boot 3: the original line, the original /etc/default/grub
	c3=$(img_section 3 boot | head -1)
	[ "$c3" = "$c1" ] || { img_fail "boot 3: /proc/cmdline is '$c3', was '$c1' before --apply"; return 1; }
	[ "$(img_section 3 grub-sha)" = "$(img_section 1 grub-sha)" ] || {
		img_fail "/etc/default/grub differs after --revert: $(img_section 3 grub-sha) (was $(img_section 1 grub-sha))"
		return 1
	}
	img_expect_rc 3 check 1 || return 1
	echo "# $name: plan housekeeping=$hk isolated=$iso; boot+apply/verify+revert/check in ${IMG_SECONDS}s" >&3
}
