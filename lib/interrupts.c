// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * interrupts: /proc/interrupts parser.
 */
#include "interrupts.h"
#include "pathnames.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void interrupts_free(struct interrupts *it)
{
	if (!it)
		return;
	for (size_t i = 0; i < it->nrows; i++) {
		free(it->rows[i].counts);
		free(it->rows[i].desc);
	}
	free(it->rows);
	free(it->cpus);
	memset(it, 0, sizeof(*it));
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * "CPU0 CPU1 ..." -> column table. The kernel prints one column per online
 * CPU in ascending order (for_each_online_cpu): a CPU named twice, or out of
 * order, is no header the kernel wrote, and which of two columns holds "its"
 * counts would be a guess.
 */
static int parse_header(const char *line, size_t len, struct interrupts *it)
{
	const char *p = line, *end = line + len;
	size_t cap = 0;

	while (p < end) {
		unsigned long v;
		char *e;
		unsigned int *n;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end)
			break;
		if (end - p < 4 || strncmp(p, "CPU", 3) != 0 || !isdigit((unsigned char)p[3]))
			return -EINVAL;
		errno = 0;
		v = strtoul(p + 3, &e, 10);
		if (errno || e > end || v >= 1U << 30 || (e < end && *e != ' ' && *e != '\t'))
			return -EINVAL;
		if (it->ncols > 0 && v <= it->cpus[it->ncols - 1])
			return -EINVAL;
		if (it->ncols == cap) {
			cap = cap ? cap * 2 : 64;
			n = realloc(it->cpus, cap * sizeof(*n));
			if (!n)
				return -ENOMEM;
			it->cpus = n;
		}
		it->cpus[it->ncols++] = (unsigned int)v;
		p = e;
	}
	return it->ncols ? 0 : -EINVAL;
}

/* The handler names: after the last run of two or more blanks (see kernel/irq/proc.c). */
static const char *find_actions(const char *desc)
{
	const char *last = NULL;

	for (const char *p = desc; *p; p++)
		if (p[0] == ' ' && p[1] == ' ') {
			while (*p == ' ')
				p++;
			last = p;
			if (!*p)
				break;
		}
	return last ? last : "";
}

static int parse_row(const char *line, size_t len, unsigned int ncols, struct irq_row *row)
{
	const char *p = skip_blanks(line), *end = line + len, *colon;
	size_t nlen;
	char *e;

	memset(row, 0, sizeof(*row));
	colon = memchr(p, ':', (size_t)(end - p));
	if (!colon)
		return -EINVAL;
	nlen = (size_t)(colon - p);
	if (nlen == 0 || nlen >= sizeof(row->name))
		return -EINVAL;
	for (size_t i = 0; i < nlen; i++)
		if (isspace((unsigned char)p[i]))
			return -EINVAL;
	memcpy(row->name, p, nlen);
	row->name[nlen] = '\0';
	if (isdigit((unsigned char)row->name[0])) {
		unsigned long v;

		errno = 0;
		v = strtoul(row->name, &e, 10);
		if (errno || *e || v > UINT32_MAX)
			return -EINVAL;
		row->numeric = true;
		row->irq = (unsigned int)v;
	}

	row->counts = calloc(ncols ? ncols : 1, sizeof(*row->counts));
	if (!row->counts)
		return -ENOMEM;
	p = colon + 1;
	while (row->ncounts < ncols) {
		const char *q = skip_blanks(p);
		unsigned long long v;

		if (q >= end || !isdigit((unsigned char)*q))
			break;
		errno = 0;
		v = strtoull(q, &e, 10);
		/* A word that starts with digits but goes on ("5-edge") is description. */
		if (e > end || (e < end && *e != ' ' && *e != '\t'))
			break;
		if (errno) {
			free(row->counts);
			row->counts = NULL;
			return -EINVAL;
		}
		row->counts[row->ncounts++] = v;
		p = e;
	}
	p = skip_blanks(p);
	if (p > end)
		p = end;
	/* Trim trailing blanks. */
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	row->desc = strndup(p, (size_t)(end - p));
	if (!row->desc) {
		free(row->counts);
		row->counts = NULL;
		return -ENOMEM;
	}
	row->actions = row->numeric ? find_actions(row->desc) : "";
	return 0;
}

int interrupts_parse(const char *text, struct interrupts *ret)
{
	struct interrupts it = { 0 };
	const char *p = text;
	size_t cap = 0;
	bool header = false;
	int r = -EINVAL;

	if (!text)
		return -EINVAL;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *next = nl ? nl + 1 : p + len;

		if ((size_t)(skip_blanks(p) - p) >= len) { /* blank line */
			p = next;
			continue;
		}
		if (!header) {
			r = parse_header(p, len, &it);
			if (r < 0)
				goto fail;
			header = true;
		} else {
			if (it.nrows == cap) {
				struct irq_row *n;

				cap = cap ? cap * 2 : 128;
				n = realloc(it.rows, cap * sizeof(*n));
				if (!n) {
					r = -ENOMEM;
					goto fail;
				}
				it.rows = n;
			}
			r = parse_row(p, len, it.ncols, &it.rows[it.nrows]);
			if (r < 0)
				goto fail;
			it.nrows++;
		}
		p = next;
	}
	if (!header) {
		r = -EINVAL;
		goto fail;
	}
	*ret = it;
	return 0;
fail:
	interrupts_free(&it);
	return r;
}

int interrupts_read(struct path_cxt *pc, struct interrupts *ret)
{
	char *s = NULL;
	int r = path_read_str(pc, &s, PATH_PROC_INTERRUPTS);

	if (r < 0)
		return r;
	r = interrupts_parse(s, ret);
	free(s);
	return r;
}

const struct irq_row *interrupts_find(const struct interrupts *it, const char *name)
{
	for (size_t i = 0; i < it->nrows; i++)
		if (strcmp(it->rows[i].name, name) == 0)
			return &it->rows[i];
	return NULL;
}

int interrupts_column(const struct interrupts *it, unsigned int cpu)
{
	/* Columns are ascending in practice; a linear scan copes with any order. */
	for (unsigned int i = 0; i < it->ncols; i++)
		if (it->cpus[i] == cpu)
			return (int)i;
	return -1;
}

int irq_row_count(const struct interrupts *it, const struct irq_row *row, unsigned int cpu,
		  uint64_t *ret)
{
	int col = interrupts_column(it, cpu);

	if (col < 0 || (unsigned int)col >= row->ncounts)
		return -ENOENT;
	*ret = row->counts[col];
	return 0;
}

int interrupts_delta(uint64_t before, uint64_t after, uint64_t *ret)
{
	if (after >= before) {
		*ret = after - before;
		return 0;
	}
	if (before <= UINT32_MAX) {
		*ret = (UINT64_C(1) << 32) - before + after;
		return 1;
	}
	return -ERANGE;
}

bool irq_row_same_source(const struct irq_row *a, const struct irq_row *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->desc, b->desc) == 0;
}
