// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tracetext: tracefs text lines of the noise events (see tracetext.h).
 */
#include "tracetext.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 4096

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A decimal integer (optional '-') in [min, max]; *end after it. */
static int parse_int(const char *s, long long min, long long max, long long *ret, const char **end)
{
	char *e;
	long long v;

	if (!isdigit((unsigned char)*s) && !(*s == '-' && isdigit((unsigned char)s[1])))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &e, 10);
	if (errno || v < min || v > max)
		return -EINVAL;
	*ret = v;
	*end = e;
	return 0;
}

/* "<digits>:" in ns, or "<secs>.<fraction>:" (fraction of up to 9 digits). */
static int parse_ts(const char *s, size_t len, uint64_t *ret)
{
	uint64_t secs = 0, frac = 0;
	size_t i = 0, nfrac = 0;

	if (len < 2 || s[len - 1] != ':')
		return -EINVAL;
	len--;
	for (; i < len && isdigit((unsigned char)s[i]); i++) {
		if (secs > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		secs = secs * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0)
		return -EINVAL;
	if (i == len) {
		*ret = secs; /* a clock that is not in ns prints its raw count */
		return 0;
	}
	if (s[i++] != '.')
		return -EINVAL;
	for (; i < len; i++, nfrac++) {
		if (!isdigit((unsigned char)s[i]) || nfrac == 9)
			return -EINVAL;
		frac = frac * 10 + (uint64_t)(s[i] - '0');
	}
	if (nfrac == 0 || secs > UINT64_MAX / 1000000000u - 1)
		return -EINVAL;
	for (; nfrac < 9; nfrac++)
		frac *= 10;
	*ret = secs * 1000000000u + frac;
	return 0;
}

/* len bytes of src into dst (size bytes), cut to fit, NUL-terminated */
static void copy_cut(char *dst, size_t size, const char *src, size_t len)
{
	if (len > size - 1)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * "<comm>-<pid> [(<tgid>)] [<cpu>] ": the CPU field is the first "[digits] "
 * whose left side ends in "-<digits>" (a comm may hold brackets itself).
 * Returns the position after the field's blank, or NULL.
 */
static const char *parse_context(const char *line, unsigned int *ret_cpu)
{
	for (const char *p = strchr(line, '['); p; p = strchr(p + 1, '[')) {
		const char *q = p + 1, *l = p;
		long long cpu;

		if (p == line || p[-1] != ' ' || parse_int(q, 0, 1 << 30, &cpu, &q) < 0 ||
		    *q != ']' || q[1] != ' ')
			continue;
		/* left of it: blanks, an optional "(tgid)", blanks, "comm-pid" */
		while (l > line && l[-1] == ' ')
			l--;
		if (l > line && l[-1] == ')') {
			const char *o = l - 1;

			while (o > line && *o != '(')
				o--;
			if (*o != '(')
				continue;
			l = o;
			while (l > line && l[-1] == ' ')
				l--;
		}
		if (l == line || !isdigit((unsigned char)l[-1]))
			continue;
		while (l > line && isdigit((unsigned char)l[-1]))
			l--;
		if (l == line || l[-1] != '-')
			continue;
		*ret_cpu = (unsigned int)cpu;
		return q + 2;
	}
	return NULL;
}

/* "CPU:<cpu> [LOST <count> EVENTS]", the whole line (kernel/trace/trace.c) */
static int parse_lost(const char *s, unsigned int *ret_cpu)
{
	long long cpu, count;
	const char *p;

	if (!starts(s, "CPU:") || parse_int(s + 4, 0, 1 << 30, &cpu, &p) < 0 ||
	    !starts(p, " [LOST ") || parse_int(p + 7, 0, INT64_MAX, &count, &p) < 0 ||
	    strcmp(p, " EVENTS]") != 0)
		return -EINVAL;
	*ret_cpu = (unsigned int)cpu;
	return 0;
}

static const char *next_token(const char *p, size_t *ret_len)
{
	while (*p == ' ')
		p++;
	*ret_len = strcspn(p, " ");
	return p;
}

static int parse_switch(const char *body, struct noise_event *ev)
{
	const char *comm = body + strlen("prev_comm="), *arrow = NULL, *p, *next_pid = NULL;
	long long v;

	if (!starts(body, "prev_comm="))
		return -EINVAL;
	/* prev: the first " prev_pid=" followed by the whole rest of its side */
	for (p = strstr(comm, " prev_pid="); p; p = strstr(p + 1, " prev_pid=")) {
		const char *q = p + strlen(" prev_pid=");
		long long pid, prio;

		if (parse_int(q, -1, INT32_MAX, &pid, &q) < 0 || !starts(q, " prev_prio="))
			continue;
		q += strlen(" prev_prio=");
		if (parse_int(q, -1000, 1000, &prio, &q) < 0 || !starts(q, " prev_state="))
			continue;
		q += strlen(" prev_state=");
		q += strcspn(q, " ");
		if (!starts(q, " ==> next_comm="))
			continue;
		copy_cut(ev->prev_comm, sizeof(ev->prev_comm), comm, (size_t)(p - comm));
		ev->prev_pid = (pid_t)pid;
		arrow = q + strlen(" ==> next_comm=");
		break;
	}
	if (!arrow)
		return -EINVAL;
	/* next: the last " next_pid=", which ends the line */
	for (p = strstr(arrow, " next_pid="); p; p = strstr(p + 1, " next_pid="))
		next_pid = p;
	if (!next_pid)
		return -EINVAL;
	p = next_pid + strlen(" next_pid=");
	if (parse_int(p, -1, INT32_MAX, &v, &p) < 0 || !starts(p, " next_prio="))
		return -EINVAL;
	ev->next_pid = (pid_t)v;
	p += strlen(" next_prio=");
	if (parse_int(p, -1000, 1000, &v, &p) < 0 || *p)
		return -EINVAL;
	copy_cut(ev->next_comm, sizeof(ev->next_comm), arrow, (size_t)(next_pid - arrow));
	return 0;
}

static int parse_nmi(const char *body, struct noise_event *ev)
{
	const char *mark = NULL, *p;
	long long v;

	for (p = strstr(body, "() delta_ns: "); p; p = strstr(p + 1, "() delta_ns: "))
		mark = p;
	if (!mark || mark == body)
		return -EINVAL;
	p = mark + strlen("() delta_ns: ");
	if (parse_int(p, 0, INT64_MAX, &v, &p) < 0 || !starts(p, " handled: "))
		return -EINVAL;
	ev->nmi_ns = (uint64_t)v;
	p += strlen(" handled: ");
	if (parse_int(p, INT32_MIN, INT32_MAX, &v, &p) < 0 || *p)
		return -EINVAL;
	copy_cut(ev->name, sizeof(ev->name), body, (size_t)(mark - body));
	return 0;
}

/* 0 parsed, 1 an event of no interest, -EINVAL */
static int parse_body(const char *event, size_t elen, const char *body, struct noise_event *ev)
{
	const char *p = body;
	long long v;

#define IS(name) (elen == strlen(name) && strncmp(event, name, elen) == 0)
	if (IS("irq_handler_entry") || IS("irq_handler_exit")) {
		bool entry = IS("irq_handler_entry");

		if (!starts(p, "irq=") || parse_int(p + 4, 0, INT32_MAX, &v, &p) < 0)
			return -EINVAL;
		ev->irq = (int)v;
		if (entry) {
			if (!starts(p, " name="))
				return -EINVAL;
			p += strlen(" name=");
			copy_cut(ev->name, sizeof(ev->name), p, strlen(p));
			ev->type = NOISE_EV_IRQ_ENTRY;
		} else {
			if (!starts(p, " ret="))
				return -EINVAL;
			ev->type = NOISE_EV_IRQ_EXIT;
		}
		return 0;
	}
	if (IS("softirq_entry") || IS("softirq_exit")) {
		ev->type = IS("softirq_entry") ? NOISE_EV_SOFTIRQ_ENTRY : NOISE_EV_SOFTIRQ_EXIT;
		if (!starts(p, "vec=") || parse_int(p + 4, 0, INT32_MAX, &v, &p) < 0 ||
		    (*p && *p != ' '))
			return -EINVAL;
		ev->irq = (int)v;
		return 0;
	}
	if (IS("sched_switch")) {
		ev->type = NOISE_EV_SWITCH;
		return parse_switch(body, ev);
	}
	if (IS("nmi_handler")) {
		ev->type = NOISE_EV_NMI;
		return parse_nmi(body, ev);
	}
#undef IS
	/* irq_vectors: "<vector>_entry: vector=N" and "<vector>_exit: vector=N" */
	if (starts(body, "vector=")) {
		size_t base;

		if (elen > 6 && strncmp(event + elen - 6, "_entry", 6) == 0) {
			ev->type = NOISE_EV_VECTOR_ENTRY;
			base = elen - 6;
		} else if (elen > 5 && strncmp(event + elen - 5, "_exit", 5) == 0) {
			ev->type = NOISE_EV_VECTOR_EXIT;
			base = elen - 5;
		} else {
			return 1;
		}
		if (parse_int(body + 7, INT32_MIN, INT32_MAX, &v, &p) < 0 || *p)
			return -EINVAL;
		ev->irq = (int)v;
		copy_cut(ev->name, sizeof(ev->name), event, base);
		return 0;
	}
	return 1;
}

/*
 * The common part of a line: copied to buf (trimmed), the CPU, and either a
 * LOST marker (1) or the timestamp with *rest after it (0). 2: a line of no
 * event (blank, '#' comment). -EINVAL: no trace line.
 */
static int line_head(const char *line, size_t len, char *buf, unsigned int *cpu, uint64_t *ts,
		     const char **rest)
{
	const char *p, *tok;
	size_t tlen;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	/* comments start the line; a comm starting with '#' is right-aligned after blanks */
	if (len && *line == '#')
		return 2;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (!len)
		return 2;
	if (len >= LINE_MAX_LEN || memchr(line, '\0', len))
		return -EINVAL;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (parse_lost(buf, cpu) == 0)
		return 1;
	p = parse_context(buf, cpu);
	if (!p)
		return -EINVAL;
	/* the flags column (option irq-info) never parses as a time: it starts with a letter or '.' */
	tok = next_token(p, &tlen);
	if (parse_ts(tok, tlen, ts) < 0) {
		tok = next_token(tok + tlen, &tlen);
		if (parse_ts(tok, tlen, ts) < 0)
			return -EINVAL;
	}
	*rest = tok + tlen;
	return 0;
}

/* "<event>: " after the timestamp: the name in *event (length *elen), the body after it. */
static const char *event_name(const char *rest, const char **event, size_t *elen)
{
	const char *e = next_token(rest, elen), *p;

	if (*elen < 2 || e[*elen - 1] != ':')
		return NULL;
	(*elen)--;
	for (size_t i = 0; i < *elen; i++)
		if (!isalnum((unsigned char)e[i]) && e[i] != '_')
			return NULL;
	p = e + *elen + 1;
	if (*p == ' ')
		p++;
	*event = e;
	return p;
}

int tracetext_parse_line(const char *line, size_t len, struct noise_event *ret)
{
	char buf[LINE_MAX_LEN];
	struct noise_event ev;
	const char *rest, *event, *body;
	size_t elen;
	int r;

	memset(&ev, 0, sizeof(ev));
	ev.irq = -1;
	r = line_head(line, len, buf, &ev.cpu, &ev.ts, &rest);
	if (r == 2)
		return 1;
	if (r == 1) {
		ev.type = NOISE_EV_LOST;
		ev.ts = 0;
		*ret = ev;
		return 0;
	}
	if (r < 0)
		return r;
	body = event_name(rest, &event, &elen);
	if (!body)
		return -EINVAL;
	r = parse_body(event, elen, body, &ev);
	if (r == 0)
		*ret = ev;
	return r;
}

/* "start <secs>.<ns> duration <n> ns" from s: the duration; *end after " ns". */
static int osn_duration(const char *s, uint64_t *ret, const char **end)
{
	const char *p = strstr(s, "start ");
	long long d;

	if (!p)
		return -EINVAL;
	p = strstr(p, " duration ");
	if (!p || parse_int(p + 10, 0, INT64_MAX, &d, &p) < 0 || !starts(p, " ns"))
		return -EINVAL;
	*ret = (uint64_t)d;
	*end = p + 3;
	return 0;
}

/*
 * "<name>:<id> start ...": name right-aligned to 8 (blanks before it), and a
 * comm may hold ':' itself: the id is the last ":<digits> " before "start ".
 */
static int osn_name_id(const char *body, char *name, size_t size, int *id)
{
	const char *st = strstr(body, " start "), *c;
	long long v;

	if (!st)
		return -EINVAL;
	for (c = st - 1; c > body && *c != ':'; c--)
		;
	if (*c != ':' || parse_int(c + 1, INT32_MIN, INT32_MAX, &v, &st) < 0 || *st != ' ')
		return -EINVAL;
	while (*body == ' ')
		body++;
	if (c < body)
		return -EINVAL;
	copy_cut(name, size, body, (size_t)(c - body));
	*id = (int)v;
	return 0;
}

/*
 * The per-period summary, after the timestamp: RUNTIME NOISE %AVAILABLE
 * MAX-SINGLE (us) and five counters (kernel/trace/trace_output.c).
 */
static int osn_period(const char *rest, struct osnoise_event *ev)
{
	long long runtime, noise, max;
	const char *p = rest;
	char *e;

	while (*p == ' ')
		p++;
	if (parse_int(p, 0, INT64_MAX / 1000, &runtime, &p) < 0)
		return -EINVAL;
	while (*p == ' ')
		p++;
	if (parse_int(p, 0, INT64_MAX / 1000, &noise, &p) < 0)
		return -EINVAL;
	errno = 0;
	strtod(p, &e); /* the percentage: derived, not kept */
	if (errno || e == p)
		return -EINVAL;
	p = e;
	while (*p == ' ')
		p++;
	if (parse_int(p, 0, INT64_MAX / 1000, &max, &p) < 0)
		return -EINVAL;
	ev->type = OSNOISE_EV_PERIOD;
	ev->runtime = (uint64_t)runtime * 1000;
	ev->noise = (uint64_t)noise * 1000;
	ev->max_sample = (uint64_t)max * 1000;
	return 0;
}

int tracetext_parse_osnoise_line(const char *line, size_t len, struct osnoise_event *ret)
{
	char buf[LINE_MAX_LEN];
	struct osnoise_event ev;
	const char *rest, *event, *body, *end = "";
	uint64_t ts;
	size_t elen;
	long long v;
	int r;

	memset(&ev, 0, sizeof(ev));
	ev.id = -1;
	r = line_head(line, len, buf, &ev.cpu, &ts, &rest);
	if (r == 2)
		return 1;
	if (r == 1) {
		ev.type = OSNOISE_EV_LOST;
		*ret = ev;
		return 0;
	}
	if (r < 0)
		return r;
	body = event_name(rest, &event, &elen);
	if (!body) {
		r = osn_period(rest, &ev);
	} else if (elen == 9 && starts(event, "irq_noise")) {
		ev.type = OSNOISE_EV_IRQ;
		r = osn_name_id(body, ev.name, sizeof(ev.name), &ev.id);
	} else if (elen == 13 && starts(event, "softirq_noise")) {
		ev.type = OSNOISE_EV_SOFTIRQ;
		r = osn_name_id(body, ev.name, sizeof(ev.name), &ev.id);
	} else if (elen == 12 && starts(event, "thread_noise")) {
		ev.type = OSNOISE_EV_THREAD;
		r = osn_name_id(body, ev.name, NOISE_COMM_MAX, &ev.id);
	} else if (elen == 9 && starts(event, "nmi_noise")) {
		ev.type = OSNOISE_EV_NMI;
		r = 0;
	} else if (elen == 16 && starts(event, "sample_threshold")) {
		ev.type = OSNOISE_EV_SAMPLE;
		r = 0;
	} else {
		return 1;
	}
	if (r == 0 && body && ev.type != OSNOISE_EV_PERIOD)
		r = osn_duration(body, &ev.duration, &end);
	if (r == 0 && ev.type == OSNOISE_EV_SAMPLE) {
		if (!starts(end, " interference ") ||
		    parse_int(end + 14, 0, INT32_MAX, &v, &end) < 0)
			return -EINVAL;
		ev.id = (int)v;
	}
	if (r < 0)
		return r;
	*ret = ev;
	return 0;
}

/* Every line of text through one of the line parsers into a new array of size-byte items. */
static int parse_lines(const char *text, size_t size, int (*line)(const char *, size_t, void *),
		       void **ret, size_t *ret_n, unsigned int *ret_line)
{
	char *v = NULL, *item = malloc(size);
	size_t n = 0, cap = 0;
	unsigned int lineno = 0;
	const char *p = text;

	if (!item)
		return -ENOMEM;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int r;

		lineno++;
		r = line(p, len, item);
		if (r < 0) {
			free(v);
			free(item);
			if (ret_line)
				*ret_line = lineno;
			return r;
		}
		if (r == 0) {
			if (n == cap) {
				size_t c = cap ? cap * 2 : 256;
				char *t = realloc(v, c * size);

				if (!t) {
					free(v);
					free(item);
					return -ENOMEM;
				}
				v = t;
				cap = c;
			}
			memcpy(v + n * size, item, size);
			n++;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	free(item);
	*ret = v;
	*ret_n = n;
	return 0;
}

static int generic_line(const char *line, size_t len, void *ret)
{
	return tracetext_parse_line(line, len, ret);
}

static int osnoise_line(const char *line, size_t len, void *ret)
{
	return tracetext_parse_osnoise_line(line, len, ret);
}

int tracetext_parse(const char *text, struct noise_event **ret_events, size_t *ret_nevents,
		    unsigned int *ret_line)
{
	void *v;
	size_t n;
	int r = parse_lines(text, sizeof(**ret_events), generic_line, &v, &n, ret_line);

	if (r == 0) {
		*ret_events = v;
		*ret_nevents = n;
	}
	return r;
}

int tracetext_parse_osnoise(const char *text, struct osnoise_event **ret_events,
			    size_t *ret_nevents, unsigned int *ret_line)
{
	void *v;
	size_t n;
	int r = parse_lines(text, sizeof(**ret_events), osnoise_line, &v, &n, ret_line);

	if (r == 0) {
		*ret_events = v;
		*ret_nevents = n;
	}
	return r;
}
