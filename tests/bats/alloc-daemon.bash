# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The isol-alloc daemon on a fake root, for tests/bats/isol-alloc*.bats:
# IA the program, R the root, S the socket, LOG its output, DPID its pid.

# start_daemon [serve options]: in the background on $R and $S, ready when it answers
start_daemon() {
	"$IA" serve --root "$R" --socket "$S" "$@" >>"$LOG" 2>&1 3>&- &
	DPID=$!
	for _ in $(seq 100); do
		if [ -S "$S" ] && "$IA" list --socket "$S" >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$LOG" >&2
	echo "the daemon did not come up" >&2
	return 1
}

# stop_daemon [SIGNAL]: it ends (default SIGTERM), and is waited for
stop_daemon() {
	if [ -n "${DPID:-}" ]; then
		kill "${1:--TERM}" "$DPID" 2>/dev/null || true
		wait "$DPID" 2>/dev/null || true
		DPID=
	fi
}
