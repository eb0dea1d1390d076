#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Cuts whole osnoise periods of one CPU out of record.sh's trace.txt:
#
#   trim.sh TRACE CPU END [N]
#
# END is the timestamp of the period summary line (the tracer's own entry,
# "RUNTIME NOISE %AVAIL MAX HW NMI IRQ SIRQ THREAD") that closes the last
# period to keep; N periods (default 1) end there. Prints the header (the
# "#" lines), then every line of that CPU after the summary that closed the
# period before them, up to and including END, and the trace_marker lines
# ("tracing_mark_write: qc: ...", CPU 0) of the same span. No line is edited.
set -eu
trace=$1 cpu=$(printf '%03d' "$2") end=$3 n=${4:-1}
awk -v cpu="[$cpu]" -v end="$end:" -v n="$n" '
	function ts(s) { sub(":", "", s); return s + 0 }
	# a period summary: "<task> [CPU] <flags> <ts>: <runtime> <noise> ..."
	function summary() { return NF == 13 && $5 ~ /^[0-9]+$/ }
	NR == FNR {
		if ($2 == cpu && summary()) { t[++k] = $4; if ($4 == end) last = k }
		next
	}
	FNR == 1 {
		if (!last) { print "trim.sh: no summary at " end " on CPU " cpu > "/dev/stderr"; exit 1 }
		from = last - n >= 1 ? ts(t[last - n]) : -1
		to = ts(end)
	}
	/^#/ { print; next }
	{
		x = ts($4)
		if (x > from && x <= to && ($2 == cpu || $5 == "tracing_mark_write:")) print
	}
' "$trace" "$trace"
