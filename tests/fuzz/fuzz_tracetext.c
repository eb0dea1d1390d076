// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Trace text (lib/tracetext), generic and osnoise, and what isol-verify
 * --noise makes of its events (lib/noise).
 *
 * The input up to its first NUL is the text; both parsers read it. The bytes
 * after the NUL, if any, are the probe that noise_attribute() gets with the
 * generic events: byte 0 picks the event whose CPU is the probe's (and the
 * osnoise one whose CPU noise_osnoise() reports), bytes 1-4 the probe's tid
 * (int32, little-endian), then 8-byte records, one per gap: the blank before
 * it and its length (u32 each, little-endian, ns), from 16.7 ms before the
 * CPU's first event; a set top bit steps back instead, which makes gaps that
 * overlap or end before they start. Without them: one gap over the CPU's
 * events, and the probe is the task before the CPU's first sched_switch.
 *
 * Properties:
 *  - a line parser returns 0, 1 or -EINVAL and writes *ret only on 0; it
 *    reads the line's len bytes and no more (each line is given from a heap
 *    copy with nothing after it), and the same line with a "\n" after it
 *    parses the same; any bytes at all, as one line, are no exception;
 *  - the whole text parses to exactly the events of its lines parsed one by
 *    one, in order (no events: NULL), and fails iff a line does: -EINVAL
 *    with ret_line that line, 1-based, within the text; the outputs are
 *    untouched then;
 *  - an event's fields are the line's: its CPU (at most 2^30) is the
 *    line's "[N] " or "CPU:N", its names and comms are cut from the line,
 *    its numbers are printed there after their field names, within the
 *    ranges the parser takes (IRQ, vec, pid -1.., delta_ns, durations,
 *    interference); a LOST marker has ts 0 and no IRQ; a period's figures
 *    are whole microseconds;
 *  - the two parsers agree on LOST markers, blank lines and '#' comments,
 *    and an event of one is "none of ours" (1) to the other;
 *  - noise_attribute: -EINVAL iff the tid is <= 0, the gaps are out of
 *    order, overlap or end before they start, or the CPU's timestamps go
 *    back; *ret is untouched then. Otherwise every nanosecond of every gap
 *    goes to exactly one source: the sources' totals add up to total_ns,
 *    the sum of the gaps; max_ns is the longest gap; the hw source's total
 *    is hw_ns, its count at most the gaps, its max at most the longest gap,
 *    hw_beside_events_ns at most hw_ns (0 when nothing traced took time);
 *    each source took time (total, count, max > 0, max <= total <=
 *    count * max), sources come in strict noise_source_cmp() order (so none
 *    twice), each of a kind noise_kind_name() knows, the probe's own thread
 *    never one of them; lost counts the CPU's LOST markers, unmatched at
 *    most its entries and exits; a CPU with no event is all hw;
 *  - noise_osnoise: window_ns, total_ns, max_ns, ngaps, lost and hw_ns are
 *    the sums, maximum and counts of the CPU's periods, samples and markers;
 *    every interference and every sample with none is counted in exactly one
 *    source (the hw source: those samples), in strict order, a thread once
 *    per pid;
 *  - for both: the other CPUs' events change nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "noise.h"
#include "tracetext.h"

#define SENTINEL 0x6b

/* What the lines parsed one by one gave: the events up to the first bad line. */
struct lines {
	struct noise_event *ev;
	size_t nev, capev;
	struct osnoise_event *osn;
	size_t nosn, caposn;
	unsigned int nlines, gen_bad, osn_bad; /* 1-based; 0: none */
};

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	v = realloc(v, *cap * size);
	if (!v)
		abort();
	return v;
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Whether s holds prefix, the decimal number v (leading zeros allowed, and
 * "-0" for 0, as strtoll reads it), then suffix, with no digit between.
 */
static bool holds_number(const char *s, const char *prefix, long long v, const char *suffix)
{
	unsigned long long mag = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;

	for (const char *p = strstr(s, prefix); p; p = strstr(p + 1, prefix)) {
		const char *q = p + strlen(prefix), *d;
		bool neg = *q == '-';
		unsigned long long n = 0;

		if (neg)
			q++;
		for (d = q; isdigit((unsigned char)*q); q++)
			if (__builtin_mul_overflow(n, 10, &n) ||
			    __builtin_add_overflow(n, (unsigned int)(*q - '0'), &n))
				break;
		if (q > d && !isdigit((unsigned char)*q) && n == mag &&
		    (neg == (v < 0) || v == 0) && starts(q, suffix))
			return true;
	}
	return false;
}

static bool terminated(const char *f, size_t size)
{
	return memchr(f, '\0', size) != NULL;
}

/* s: the line, NUL-terminated */
static void check_event(const char *s, const struct noise_event *ev)
{
	char needle[NOISE_NAME_MAX + 16];

	FUZZ_ASSERT(ev->cpu <= 1u << 30);
	FUZZ_ASSERT(terminated(ev->name, sizeof(ev->name)));
	FUZZ_ASSERT(terminated(ev->prev_comm, sizeof(ev->prev_comm)));
	FUZZ_ASSERT(terminated(ev->next_comm, sizeof(ev->next_comm)));
	FUZZ_ASSERT(strstr(s, ev->name) && strstr(s, ev->prev_comm) && strstr(s, ev->next_comm));
	if (ev->type == NOISE_EV_LOST)
		FUZZ_ASSERT(holds_number(s, "CPU:", ev->cpu, " [LOST "));
	else
		FUZZ_ASSERT(holds_number(s, "[", ev->cpu, "] "));
	if (ev->type != NOISE_EV_SWITCH)
		FUZZ_ASSERT(!ev->prev_comm[0] && !ev->next_comm[0]);
	if (ev->type != NOISE_EV_NMI)
		FUZZ_ASSERT(ev->nmi_ns == 0);
	switch (ev->type) {
	case NOISE_EV_IRQ_ENTRY:
	case NOISE_EV_IRQ_EXIT:
		FUZZ_ASSERT(ev->irq >= 0 && holds_number(s, "irq=", ev->irq, " "));
		if (ev->type == NOISE_EV_IRQ_ENTRY)
			FUZZ_ASSERT(strstr(s, "irq_handler_entry:"));
		else
			FUZZ_ASSERT(strstr(s, "irq_handler_exit:") && !ev->name[0]);
		break;
	case NOISE_EV_VECTOR_ENTRY:
	case NOISE_EV_VECTOR_EXIT:
		FUZZ_ASSERT(ev->name[0] && holds_number(s, "vector=", ev->irq, ""));
		for (const char *c = ev->name; *c; c++)
			FUZZ_ASSERT(isalnum((unsigned char)*c) || *c == '_');
		/* the event is the name and the suffix, unless the name was cut */
		snprintf(needle, sizeof(needle), "%s%s", ev->name,
			 strlen(ev->name) == NOISE_NAME_MAX - 1 ? "" :
			 ev->type == NOISE_EV_VECTOR_ENTRY	? "_entry:" :
								  "_exit:");
		FUZZ_ASSERT(strstr(s, needle));
		break;
	case NOISE_EV_SOFTIRQ_ENTRY:
	case NOISE_EV_SOFTIRQ_EXIT:
		FUZZ_ASSERT(ev->irq >= 0 && holds_number(s, "vec=", ev->irq, "") && !ev->name[0]);
		FUZZ_ASSERT(strstr(s, ev->type == NOISE_EV_SOFTIRQ_ENTRY ? "softirq_entry:" :
									   "softirq_exit:"));
		break;
	case NOISE_EV_SWITCH:
		FUZZ_ASSERT(ev->irq == -1 && !ev->name[0] && strstr(s, "sched_switch:"));
		FUZZ_ASSERT(ev->prev_pid >= -1 &&
			    holds_number(s, " prev_pid=", ev->prev_pid, " prev_prio="));
		FUZZ_ASSERT(ev->next_pid >= -1 &&
			    holds_number(s, " next_pid=", ev->next_pid, " next_prio="));
		break;
	case NOISE_EV_NMI:
		FUZZ_ASSERT(ev->irq == -1 && ev->name[0] && strstr(s, "nmi_handler:"));
		FUZZ_ASSERT(ev->nmi_ns <= INT64_MAX &&
			    holds_number(s, " delta_ns: ", (long long)ev->nmi_ns, " handled: "));
		break;
	case NOISE_EV_LOST:
		FUZZ_ASSERT(ev->ts == 0 && ev->irq == -1 && !ev->name[0]);
		break;
	default:
		FUZZ_ASSERT(!"an event type out of the enum");
	}
}

static void check_osnoise(const char *s, const struct osnoise_event *ev)
{
	const uint64_t us_max = (uint64_t)(INT64_MAX / 1000) * 1000;

	FUZZ_ASSERT(ev->cpu <= 1u << 30);
	FUZZ_ASSERT(terminated(ev->name, sizeof(ev->name)) && strstr(s, ev->name));
	if (ev->type == OSNOISE_EV_LOST)
		FUZZ_ASSERT(holds_number(s, "CPU:", ev->cpu, " [LOST "));
	else
		FUZZ_ASSERT(holds_number(s, "[", ev->cpu, "] "));
	if (ev->type != OSNOISE_EV_PERIOD)
		FUZZ_ASSERT(!ev->runtime && !ev->noise && !ev->max_sample);
	switch (ev->type) {
	case OSNOISE_EV_IRQ:
	case OSNOISE_EV_SOFTIRQ:
	case OSNOISE_EV_THREAD:
		FUZZ_ASSERT(holds_number(s, ":", ev->id, " "));
		FUZZ_ASSERT(strstr(s, ev->type == OSNOISE_EV_IRQ     ? "irq_noise:" :
				      ev->type == OSNOISE_EV_SOFTIRQ ? "softirq_noise:" :
								       "thread_noise:"));
		if (ev->type == OSNOISE_EV_THREAD)
			FUZZ_ASSERT(strlen(ev->name) < NOISE_COMM_MAX);
		FUZZ_ASSERT(ev->duration <= INT64_MAX &&
			    holds_number(s, " duration ", (long long)ev->duration, " ns"));
		break;
	case OSNOISE_EV_NMI:
	case OSNOISE_EV_SAMPLE:
		FUZZ_ASSERT(!ev->name[0]);
		FUZZ_ASSERT(
			strstr(s, ev->type == OSNOISE_EV_NMI ? "nmi_noise:" : "sample_threshold:"));
		FUZZ_ASSERT(ev->duration <= INT64_MAX &&
			    holds_number(s, " duration ", (long long)ev->duration, " ns"));
		if (ev->type == OSNOISE_EV_NMI)
			FUZZ_ASSERT(ev->id == -1);
		else
			FUZZ_ASSERT(ev->id >= 0 && holds_number(s, " interference ", ev->id, ""));
		break;
	case OSNOISE_EV_PERIOD:
		FUZZ_ASSERT(ev->id == -1 && !ev->name[0] && !ev->duration);
		FUZZ_ASSERT(ev->runtime % 1000 == 0 && ev->noise % 1000 == 0 &&
			    ev->max_sample % 1000 == 0);
		FUZZ_ASSERT(ev->runtime <= us_max && ev->noise <= us_max &&
			    ev->max_sample <= us_max);
		FUZZ_ASSERT(holds_number(s, " ", (long long)(ev->runtime / 1000), ""));
		break;
	case OSNOISE_EV_LOST:
		FUZZ_ASSERT(ev->id == -1 && !ev->name[0] && !ev->duration);
		break;
	default:
		FUZZ_ASSERT(!"an osnoise event type out of the enum");
	}
}

static bool same_event(const struct noise_event *a, const struct noise_event *b)
{
	return a->ts == b->ts && a->cpu == b->cpu && a->type == b->type && a->irq == b->irq &&
	       !memcmp(a->name, b->name, sizeof(a->name)) && a->nmi_ns == b->nmi_ns &&
	       a->prev_pid == b->prev_pid && a->next_pid == b->next_pid &&
	       !memcmp(a->prev_comm, b->prev_comm, sizeof(a->prev_comm)) &&
	       !memcmp(a->next_comm, b->next_comm, sizeof(a->next_comm));
}

static bool same_osnoise(const struct osnoise_event *a, const struct osnoise_event *b)
{
	return a->cpu == b->cpu && a->type == b->type && a->id == b->id &&
	       !memcmp(a->name, b->name, sizeof(a->name)) && a->duration == b->duration &&
	       a->runtime == b->runtime && a->noise == b->noise && a->max_sample == b->max_sample;
}

/* Both line parsers on len bytes at p (a heap copy: nothing readable after it). */
static void parse_one(const char *p, size_t len, int *rg, struct noise_event *ev, int *ro,
		      struct osnoise_event *oev)
{
	struct noise_event ev_canary;
	struct osnoise_event oev_canary;
	char *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, p, len);
	memset(ev, SENTINEL, sizeof(*ev));
	memset(oev, SENTINEL, sizeof(*oev));
	memcpy(&ev_canary, ev, sizeof(*ev));
	memcpy(&oev_canary, oev, sizeof(*oev));
	*rg = tracetext_parse_line(copy, len, ev);
	*ro = tracetext_parse_osnoise_line(copy, len, oev);
	free(copy);
	FUZZ_ASSERT(*rg == 0 || *rg == 1 || *rg == -EINVAL);
	FUZZ_ASSERT(*ro == 0 || *ro == 1 || *ro == -EINVAL);
	/* both were memset as a whole, padding included */
	// NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
	FUZZ_ASSERT(*rg == 0 || !memcmp(ev, &ev_canary, sizeof(*ev)));
	// NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
	FUZZ_ASSERT(*ro == 0 || !memcmp(oev, &oev_canary, sizeof(*oev)));
}

static void check_line(struct lines *L, const char *p, size_t len, unsigned int lineno)
{
	struct noise_event ev, ev2;
	struct osnoise_event oev, oev2;
	int rg, ro, rg2, ro2;
	char *s = malloc(len + 2);
	bool blank = true;

	if (!s)
		abort();
	memcpy(s, p, len);
	s[len] = '\0';
	parse_one(p, len, &rg, &ev, &ro, &oev);

	/* no newline needed, and one changes nothing */
	s[len] = '\n';
	parse_one(s, len + 1, &rg2, &ev2, &ro2, &oev2);
	s[len] = '\0';
	FUZZ_ASSERT(rg2 == rg && (rg != 0 || same_event(&ev, &ev2)));
	FUZZ_ASSERT(ro2 == ro && (ro != 0 || same_osnoise(&oev, &oev2)));

	if (rg == 0)
		check_event(s, &ev);
	if (ro == 0)
		check_osnoise(s, &oev);

	/* the parsers agree on what is no event, and each other's events are not theirs */
	for (size_t i = 0; i < len; i++)
		blank = blank && s[i] == ' ';
	if (blank || s[0] == '#')
		FUZZ_ASSERT(rg == 1 && ro == 1);
	if (rg == 0 && ev.type == NOISE_EV_LOST)
		FUZZ_ASSERT(ro == 0 && oev.type == OSNOISE_EV_LOST && oev.cpu == ev.cpu);
	if (ro == 0 && oev.type == OSNOISE_EV_LOST)
		FUZZ_ASSERT(rg == 0 && ev.type == NOISE_EV_LOST);
	if (rg == 0 && ev.type != NOISE_EV_LOST)
		FUZZ_ASSERT(ro == 1);
	if (ro == 0 && oev.type != OSNOISE_EV_LOST && oev.type != OSNOISE_EV_PERIOD)
		FUZZ_ASSERT(rg == 1);
	free(s);

	/* the events whole-text parsing must give: up to the first bad line */
	if (!L->gen_bad && rg == -EINVAL)
		L->gen_bad = lineno;
	if (!L->gen_bad && rg == 0) {
		L->ev = grow(L->ev, &L->capev, L->nev, sizeof(*L->ev));
		L->ev[L->nev++] = ev;
	}
	if (!L->osn_bad && ro == -EINVAL)
		L->osn_bad = lineno;
	if (!L->osn_bad && ro == 0) {
		L->osn = grow(L->osn, &L->caposn, L->nosn, sizeof(*L->osn));
		L->osn[L->nosn++] = oev;
	}
}

/* What a failing whole-text parse must leave in its outputs */
static char canary_obj;
#define CANARY_PTR ((void *)&canary_obj)
#define CANARY_N ((size_t)0x6b6b6b6b6b6b6b6bULL)

static void check_text(const char *text, const struct lines *L)
{
	struct noise_event *ev = CANARY_PTR;
	struct osnoise_event *osn = CANARY_PTR;
	size_t n = CANARY_N;
	unsigned int line = 0;
	int r;

	r = tracetext_parse(text, &ev, &n, &line);
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL || r == -ENOMEM);
		FUZZ_ASSERT(ev == CANARY_PTR && n == CANARY_N);
		if (r == -EINVAL)
			FUZZ_ASSERT(L->gen_bad && line == L->gen_bad && line <= L->nlines);
	} else {
		FUZZ_ASSERT(r == 0 && !L->gen_bad && n == L->nev && (n == 0) == (ev == NULL));
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT(same_event(&ev[i], &L->ev[i]));
		free(ev);
	}

	n = CANARY_N;
	line = 0;
	r = tracetext_parse_osnoise(text, &osn, &n, &line);
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL || r == -ENOMEM);
		FUZZ_ASSERT(osn == CANARY_PTR && n == CANARY_N);
		if (r == -EINVAL)
			FUZZ_ASSERT(L->osn_bad && line == L->osn_bad && line <= L->nlines);
	} else {
		FUZZ_ASSERT(r == 0 && !L->osn_bad && n == L->nosn && (n == 0) == (osn == NULL));
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT(same_osnoise(&osn[i], &L->osn[i]));
		free(osn);
	}
}

static bool same_source(const struct noise_source *a, const struct noise_source *b)
{
	return a->kind == b->kind && a->id == b->id && !strcmp(a->name, b->name) &&
	       a->total_ns == b->total_ns && a->max_ns == b->max_ns && a->count == b->count;
}

static void same_cpu(const struct noise_cpu *a, const struct noise_cpu *b)
{
	FUZZ_ASSERT(a->cpu == b->cpu && a->window_ns == b->window_ns &&
		    a->total_ns == b->total_ns && a->max_ns == b->max_ns && a->ngaps == b->ngaps &&
		    a->hw_ns == b->hw_ns && a->hw_beside_events_ns == b->hw_beside_events_ns &&
		    a->lost == b->lost && a->unmatched == b->unmatched &&
		    a->nsources == b->nsources);
	for (size_t i = 0; i < a->nsources; i++)
		FUZZ_ASSERT(same_source(&a->sources[i], &b->sources[i]));
}

/* What every source of either back end holds, and their order. */
static void check_sources(const struct noise_cpu *nc)
{
	size_t nhw = 0;

	for (size_t i = 0; i < nc->nsources; i++) {
		const struct noise_source *s = &nc->sources[i];
		const char *sname;

		FUZZ_ASSERT(i == 0 || noise_source_cmp(&nc->sources[i - 1], s) < 0);
		FUZZ_ASSERT(terminated(s->name, sizeof(s->name)));
		FUZZ_ASSERT(s->count > 0 && strcmp(noise_kind_name(s->kind), "?") != 0);
		switch (s->kind) {
		case NOISE_IRQ:
		case NOISE_THREAD:
			break;
		case NOISE_VECTOR:
		case NOISE_NMI:
			FUZZ_ASSERT(s->id == -1 && s->name[0]);
			break;
		case NOISE_SOFTIRQ:
			sname = s->id >= 0 ? noise_softirq_name((unsigned int)s->id) : NULL;
			FUZZ_ASSERT(!sname || !strcmp(s->name, sname));
			break;
		case NOISE_HW:
			FUZZ_ASSERT(s->id == -1 && !strcmp(s->name, "hw") &&
				    s->total_ns == nc->hw_ns);
			FUZZ_ASSERT(++nhw == 1);
			break;
		default:
			FUZZ_ASSERT(!"a source kind out of the enum");
		}
	}
}

static uint32_t le32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* x moved by the record's u32: forward, or back with the top bit; clamped to the u64 range */
static uint64_t step(uint64_t x, uint32_t a)
{
	uint64_t d = a & 0x7fffffffu, y;

	if (a & 0x80000000u)
		return x > d ? x - d : 0;
	return __builtin_add_overflow(x, d, &y) ? UINT64_MAX : y;
}

static void check_attribute(const struct noise_event *ev, size_t nev, const uint8_t *tail,
			    size_t tlen)
{
	struct noise_probe probe = { 0 };
	struct noise_cpu nc, nc2, canary;
	struct noise_event *own;
	struct noise_gap *gaps;
	uint64_t first = 0, last = 0, prev = 0, total = 0, longest = 0, sum = 0;
	size_t ngaps = 0, nown = 0, nlost = 0, nnmi = 0;
	bool any = false, bad = false, traced = false, hw = false;
	int r, r2;

	probe.cpu = nev ? ev[(tlen ? tail[0] : 0) % nev].cpu : (tlen ? tail[0] : 0);
	own = calloc(nev ? nev : 1, sizeof(*own));
	if (!own)
		abort();
	for (size_t i = 0; i < nev; i++) {
		if (ev[i].cpu != probe.cpu)
			continue;
		own[nown++] = ev[i];
		nlost += ev[i].type == NOISE_EV_LOST;
		nnmi += ev[i].type == NOISE_EV_NMI;
		if (ev[i].type == NOISE_EV_LOST)
			continue;
		if (!any)
			first = ev[i].ts;
		if (ev[i].ts < prev)
			bad = true; /* the CPU's timestamps go back */
		prev = last = ev[i].ts;
		any = true;
	}

	if (tlen >= 5) {
		uint64_t cur = first - (first < 0x1000000 ? first : 0x1000000);

		probe.tid = (pid_t)le32(tail + 1);
		ngaps = (tlen - 5) / 8;
		gaps = calloc(ngaps ? ngaps : 1, sizeof(*gaps));
		if (!gaps)
			abort();
		for (size_t k = 0; k < ngaps; k++) {
			gaps[k].start = step(cur, le32(tail + 5 + 8 * k));
			gaps[k].end = step(gaps[k].start, le32(tail + 9 + 8 * k));
			cur = gaps[k].end;
		}
	} else {
		probe.tid = 1;
		for (size_t i = 0; i < nown; i++)
			if (own[i].type == NOISE_EV_SWITCH) {
				if (own[i].prev_pid > 0)
					probe.tid = own[i].prev_pid;
				break;
			}
		ngaps = 1;
		gaps = calloc(1, sizeof(*gaps));
		if (!gaps)
			abort();
		gaps[0].start = first;
		gaps[0].end = step(last, 1);
	}
	probe.gaps = gaps;
	probe.ngaps = ngaps;
	probe.window_start = ngaps ? gaps[0].start : first;
	probe.window_end = ngaps ? gaps[ngaps - 1].end : first;
	bad = bad || probe.tid <= 0;
	for (size_t k = 0; k < ngaps; k++)
		if (gaps[k].start > gaps[k].end || (k && gaps[k].start < gaps[k - 1].end))
			bad = true;
	if (!bad)
		for (size_t k = 0; k < ngaps; k++) {
			total += gaps[k].end - gaps[k].start; /* disjoint: no wrap */
			if (gaps[k].end - gaps[k].start > longest)
				longest = gaps[k].end - gaps[k].start;
		}

	memset(&nc, SENTINEL, sizeof(nc));
	memcpy(&canary, &nc, sizeof(nc));
	r = noise_attribute(&probe, ev, nev, &nc);
	/* the other CPUs' events change nothing */
	r2 = noise_attribute(&probe, own, nown, &nc2);
	FUZZ_ASSERT(r2 == r || r == -ENOMEM || r2 == -ENOMEM);
	if (r < 0) {
		FUZZ_ASSERT(r == -ENOMEM || (r == -EINVAL && bad));
		// NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
		FUZZ_ASSERT(!memcmp(&nc, &canary, sizeof(nc)));
		if (r2 == 0)
			noise_cpu_free(&nc2);
		free(gaps);
		free(own);
		return;
	}
	FUZZ_ASSERT(r == 0 && !bad);
	if (r2 == 0) {
		same_cpu(&nc, &nc2);
		noise_cpu_free(&nc2);
	}

	FUZZ_ASSERT(nc.cpu == probe.cpu && nc.ngaps == ngaps);
	FUZZ_ASSERT(nc.total_ns == total && nc.max_ns == longest);
	FUZZ_ASSERT(nc.window_ns == probe.window_end - probe.window_start);
	FUZZ_ASSERT(nc.total_ns <= nc.window_ns);
	FUZZ_ASSERT(noise_cpu_percent(&nc) >= 0.0 && noise_cpu_percent(&nc) <= 100.0);
	FUZZ_ASSERT(nc.hw_beside_events_ns <= nc.hw_ns);
	FUZZ_ASSERT(nc.lost == nlost && nc.unmatched <= nown + nnmi);
	check_sources(&nc);
	for (size_t i = 0; i < nc.nsources; i++) {
		const struct noise_source *s = &nc.sources[i];

		/* it took time, some occurrence the most, none more than all */
		FUZZ_ASSERT(s->total_ns > 0 && s->max_ns > 0 && s->max_ns <= s->total_ns);
		FUZZ_ASSERT((unsigned __int128)s->max_ns * s->count >= s->total_ns);
		FUZZ_ASSERT(s->total_ns <= total - sum);
		sum += s->total_ns;
		if (s->kind == NOISE_HW) {
			hw = true;
			FUZZ_ASSERT(s->count <= ngaps && s->max_ns <= longest);
		} else {
			traced = true;
		}
		if (s->kind == NOISE_THREAD)
			FUZZ_ASSERT(s->id != probe.tid && strlen(s->name) < NOISE_COMM_MAX);
		if (s->kind == NOISE_IRQ || s->kind == NOISE_SOFTIRQ)
			FUZZ_ASSERT(s->id >= 0); /* as the parser gives them */
	}
	/* every nanosecond of every gap went to exactly one source */
	FUZZ_ASSERT(sum == total);
	FUZZ_ASSERT(hw == (nc.hw_ns > 0));
	if (!traced)
		FUZZ_ASSERT(nc.hw_beside_events_ns == 0 && nc.hw_ns == total);
	if (nown == nlost)
		FUZZ_ASSERT(!traced); /* no event of the CPU: all of it is hw */
	noise_cpu_free(&nc);
	free(gaps);
	free(own);
}

static void check_osnoise_cpu(const struct osnoise_event *ev, size_t nev, const uint8_t *tail,
			      size_t tlen)
{
	struct noise_cpu nc, nc2, canary;
	struct osnoise_event *own;
	uint64_t window = 0, total = 0, longest = 0, hw_ns = 0, dursum = 0, srcsum = 0;
	size_t nown = 0, nsamples = 0, nlost = 0, nhw = 0, ninterf = 0, counts = 0;
	bool hw = false;
	unsigned int cpu;
	int r, r2;

	cpu = nev ? ev[(tlen ? tail[0] : 0) % nev].cpu : (tlen ? tail[0] : 0);
	own = calloc(nev ? nev : 1, sizeof(*own));
	if (!own)
		abort();
	for (size_t i = 0; i < nev; i++) {
		const struct osnoise_event *e = &ev[i];

		if (e->cpu != cpu)
			continue;
		own[nown++] = *e;
		switch (e->type) {
		case OSNOISE_EV_PERIOD:
			window += e->runtime;
			total += e->noise;
			if (e->max_sample > longest)
				longest = e->max_sample;
			break;
		case OSNOISE_EV_LOST:
			nlost++;
			break;
		case OSNOISE_EV_SAMPLE:
			nsamples++;
			if (e->id == 0) {
				nhw++;
				hw_ns += e->duration;
				dursum += e->duration;
			}
			break;
		default:
			ninterf++;
			dursum += e->duration;
		}
	}

	memset(&nc, SENTINEL, sizeof(nc));
	memcpy(&canary, &nc, sizeof(nc));
	r = noise_osnoise(cpu, ev, nev, &nc);
	r2 = noise_osnoise(cpu, own, nown, &nc2);
	free(own);
	if (r < 0) {
		FUZZ_ASSERT(r == -ENOMEM);
		// NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
		FUZZ_ASSERT(!memcmp(&nc, &canary, sizeof(nc)));
		if (r2 == 0)
			noise_cpu_free(&nc2);
		return;
	}
	FUZZ_ASSERT(r == 0);
	if (r2 == 0) {
		same_cpu(&nc, &nc2);
		noise_cpu_free(&nc2);
	} else {
		FUZZ_ASSERT(r2 == -ENOMEM);
	}
	/* sums as uint64_t, wrapping alike: the header promises no more */
	FUZZ_ASSERT(nc.cpu == cpu && nc.window_ns == window && nc.total_ns == total);
	FUZZ_ASSERT(nc.max_ns == longest && nc.ngaps == nsamples && nc.lost == nlost);
	FUZZ_ASSERT(nc.hw_ns == hw_ns);
	check_sources(&nc);
	for (size_t i = 0; i < nc.nsources; i++) {
		const struct noise_source *s = &nc.sources[i];

		counts += s->count;
		srcsum += s->total_ns;
		if (s->kind == NOISE_HW) {
			hw = true;
			FUZZ_ASSERT(s->count == nhw);
		}
		if (s->kind == NOISE_THREAD) /* keyed on the pid */
			for (size_t j = 0; j < i; j++)
				FUZZ_ASSERT(nc.sources[j].kind != NOISE_THREAD ||
					    nc.sources[j].id != s->id);
	}
	FUZZ_ASSERT(counts == ninterf + nhw && srcsum == dursum);
	FUZZ_ASSERT(hw == (nhw > 0));
	noise_cpu_free(&nc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lines L = { 0 };
	struct noise_event ev;
	struct osnoise_event oev;
	const uint8_t *nul = memchr(data, '\0', size);
	const uint8_t *tail = nul ? nul + 1 : data + size;
	char *text = fuzz_strdup(data, size);
	const char *p = text;
	int rg, ro;

	/* any bytes, NULs and newlines included, as one line */
	parse_one((const char *)data, size, &rg, &ev, &ro, &oev);

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		check_line(&L, p, len, ++L.nlines);
		p += len;
		if (*p == '\n')
			p++;
	}
	check_text(text, &L);
	check_attribute(L.ev, L.nev, tail, (size_t)(data + size - tail));
	check_osnoise_cpu(L.osn, L.nosn, tail, (size_t)(data + size - tail));
	free(L.ev);
	free(L.osn);
	free(text);
	return 0;
}
