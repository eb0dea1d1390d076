// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuset: CPU set value type, cpulist and mask parsing/printing.
 */
#include "cpuset.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void cpuset_zero(cpuset_t *set)
{
	memset(set, 0, sizeof(*set));
}

void cpuset_fill(cpuset_t *set, unsigned int nbits)
{
	cpuset_zero(set);
	if (nbits > CPUSET_MAX)
		nbits = CPUSET_MAX;
	for (unsigned int i = 0; i < nbits / CPUSET_WORD_BITS; i++)
		set->bits[i] = ~0UL;
	if (nbits % CPUSET_WORD_BITS)
		set->bits[nbits / CPUSET_WORD_BITS] = (1UL << (nbits % CPUSET_WORD_BITS)) - 1;
}

bool cpuset_set(cpuset_t *set, unsigned int cpu)
{
	if (cpu >= CPUSET_MAX)
		return false;
	set->bits[cpu / CPUSET_WORD_BITS] |= 1UL << (cpu % CPUSET_WORD_BITS);
	return true;
}

void cpuset_clear(cpuset_t *set, unsigned int cpu)
{
	if (cpu < CPUSET_MAX)
		set->bits[cpu / CPUSET_WORD_BITS] &= ~(1UL << (cpu % CPUSET_WORD_BITS));
}

bool cpuset_test(const cpuset_t *set, unsigned int cpu)
{
	if (cpu >= CPUSET_MAX)
		return false;
	return set->bits[cpu / CPUSET_WORD_BITS] & (1UL << (cpu % CPUSET_WORD_BITS));
}

/*
 * The sets are 8192 bits and most hold a few dozen CPUs at the bottom: the
 * loops below are written so that GCC vectorises them at -O2, and the count
 * skips zero words (without -mpopcnt each popcount is a libgcc call).
 * isol-alloc does hundreds of these per request (issue 17's throughput).
 */
unsigned int cpuset_count(const cpuset_t *set)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < CPUSET_WORDS; i++)
		if (set->bits[i])
			n += (unsigned int)__builtin_popcountl(set->bits[i]);
	return n;
}

bool cpuset_empty(const cpuset_t *set)
{
	unsigned long any = 0;

	for (unsigned int i = 0; i < CPUSET_WORDS; i++)
		any |= set->bits[i];
	return !any;
}

bool cpuset_equal(const cpuset_t *a, const cpuset_t *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

bool cpuset_subset(const cpuset_t *a, const cpuset_t *b)
{
	for (unsigned int i = 0; i < CPUSET_WORDS; i++)
		if (a->bits[i] & ~b->bits[i])
			return false;
	return true;
}

bool cpuset_intersects(const cpuset_t *a, const cpuset_t *b)
{
	for (unsigned int i = 0; i < CPUSET_WORDS; i++)
		if (a->bits[i] & b->bits[i])
			return true;
	return false;
}

/*
 * "No loop-carried dependence" for GCC, which then vectorises the whole-set
 * loops at -O2. Clang has no such pragma (-Wunknown-pragmas) and vectorises
 * them by itself after a run-time overlap check.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define CPUSET_IVDEP _Pragma("GCC ivdep")
#else
#define CPUSET_IVDEP
#endif

void cpuset_and(cpuset_t *dst, const cpuset_t *a, const cpuset_t *b)
{
	/* dst, a and b are whole sets, the same or apart: word i of dst
	 * depends on word i of a and b only (no loop-carried dependence). */
	CPUSET_IVDEP
	for (unsigned int i = 0; i < CPUSET_WORDS; i++)
		dst->bits[i] = a->bits[i] & b->bits[i];
}

void cpuset_or(cpuset_t *dst, const cpuset_t *a, const cpuset_t *b)
{
	/* dst, a and b are whole sets, the same or apart: word i of dst
	 * depends on word i of a and b only (no loop-carried dependence). */
	CPUSET_IVDEP
	for (unsigned int i = 0; i < CPUSET_WORDS; i++)
		dst->bits[i] = a->bits[i] | b->bits[i];
}

void cpuset_andnot(cpuset_t *dst, const cpuset_t *a, const cpuset_t *b)
{
	/* dst, a and b are whole sets, the same or apart: word i of dst
	 * depends on word i of a and b only (no loop-carried dependence). */
	CPUSET_IVDEP
	for (unsigned int i = 0; i < CPUSET_WORDS; i++)
		dst->bits[i] = a->bits[i] & ~b->bits[i];
}

void cpuset_or_below(cpuset_t *dst, const cpuset_t *src, unsigned int nbits)
{
	unsigned int whole, i;

	if (nbits > CPUSET_MAX)
		nbits = CPUSET_MAX;
	whole = nbits / CPUSET_WORD_BITS;
	CPUSET_IVDEP
	for (i = 0; i < whole; i++)
		dst->bits[i] |= src->bits[i];
	if (nbits % CPUSET_WORD_BITS)
		dst->bits[i] |= src->bits[i] & ((1UL << (nbits % CPUSET_WORD_BITS)) - 1);
}

unsigned int cpuset_span(const cpuset_t *set)
{
	return (unsigned int)(cpuset_last(set) + 1);
}

int cpuset_next(const cpuset_t *set, unsigned int from)
{
	unsigned int w = from / CPUSET_WORD_BITS;
	unsigned long word;

	if (from >= CPUSET_MAX)
		return -1;
	word = set->bits[w] & (~0UL << (from % CPUSET_WORD_BITS));
	for (;;) {
		if (word)
			return (int)(w * CPUSET_WORD_BITS + (unsigned int)__builtin_ctzl(word));
		if (++w >= CPUSET_WORDS)
			return -1;
		word = set->bits[w];
	}
}

int cpuset_last(const cpuset_t *set)
{
	for (unsigned int w = CPUSET_WORDS; w-- > 0;)
		if (set->bits[w])
			return (int)(w * CPUSET_WORD_BITS + CPUSET_WORD_BITS - 1 -
				     (unsigned int)__builtin_clzl(set->bits[w]));
	return -1;
}

/* ---- cpulist parsing ------------------------------------------------------ */

static bool is_sep(char c)
{
	return c == ',' || isspace((unsigned char)c);
}

/*
 * One number of a region: decimal, or "N" meaning nbits-1.
 * Numbers must fit comfortably; anything larger than UINT32_MAX is -ERANGE.
 */
static int parse_num(const char **pp, unsigned int nbits, unsigned int *ret)
{
	const char *p = *pp;
	unsigned long long v = 0;

	if (*p == 'N') {
		*ret = nbits - 1;
		*pp = p + 1;
		return 0;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned int)(*p - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
		p++;
	}
	*ret = (unsigned int)v;
	*pp = p;
	return 0;
}

/*
 * One region, as the kernel's bitmap_parse_region(): "all" (any case) or a
 * number, then "-end" for a range, then ":used/group" (only after a range or
 * "all"). A single number must be followed by a separator or the end; after a
 * group the next region may start at once ("0-3:1/2N" is 0,2 and N), because
 * the kernel does not look for a separator there.
 */
static int parse_region(const char **pp, unsigned int nbits, unsigned int *ret_start,
			unsigned int *ret_end, unsigned int *ret_used, unsigned int *ret_group)
{
	const char *p = *pp;
	unsigned int start, end, used = 1, group = 1;
	int r;

	if (strncasecmp(p, "all", 3) == 0) {
		start = 0;
		end = nbits - 1;
		p += 3;
	} else {
		r = parse_num(&p, nbits, &start);
		if (r < 0)
			return r;
		end = start;
		if (!*p || is_sep(*p))
			goto done;
		if (*p != '-')
			return -EINVAL;
		p++;
		r = parse_num(&p, nbits, &end);
		if (r < 0)
			return r;
	}
	if (*p && !is_sep(*p)) {
		if (*p != ':')
			return -EINVAL;
		p++;
		r = parse_num(&p, nbits, &used);
		if (r < 0)
			return r;
		if (*p != '/')
			return -EINVAL;
		p++;
		r = parse_num(&p, nbits, &group);
		if (r < 0)
			return r;
	}
done:
	*pp = p;
	*ret_start = start;
	*ret_end = end;
	*ret_used = used;
	*ret_group = group;
	return 0;
}

int cpuset_parse_list(const char *str, unsigned int nbits, cpuset_t *ret)
{
	cpuset_t set;
	const char *p = str;

	if (!str)
		return -EINVAL;
	if (nbits == 0 || nbits > CPUSET_MAX)
		nbits = CPUSET_MAX;
	cpuset_zero(&set);

	for (;;) {
		unsigned int start, end, used, group;
		int r;

		while (is_sep(*p))
			p++;
		if (!*p)
			break;
		r = parse_region(&p, nbits, &start, &end, &used, &group);
		if (r < 0)
			return r;
		/*
		 * bitmap_check_region(): syntax first, then range. used == 0 is
		 * accepted and selects nothing, as in the kernel.
		 */
		if (start > end || group == 0 || used > group)
			return -EINVAL;
		if (end >= nbits)
			return -ERANGE;
		for (unsigned int cpu = start; cpu <= end; cpu++)
			if ((cpu - start) % group < used)
				cpuset_set(&set, cpu);
	}
	*ret = set;
	return 0;
}

/* ---- mask parsing ---------------------------------------------------------- */

int cpuset_parse_mask(const char *str, cpuset_t *ret)
{
	cpuset_t set;
	const char *end, *p;
	size_t word = 0; /* index of the 32-bit word being filled, from the right */

	if (!str)
		return -EINVAL;
	while (isspace((unsigned char)*str))
		str++;
	end = str + strlen(str);
	while (end > str && isspace((unsigned char)end[-1]))
		end--;
	if (end - str >= 2 && str[0] == '0' && (str[1] == 'x' || str[1] == 'X'))
		str += 2;
	if (end == str)
		return -EINVAL;

	cpuset_zero(&set);
	/* Walk the chunks from the right: the last chunk is word 0. */
	p = end;
	for (;;) {
		const char *chunk_end = p, *chunk;
		uint32_t v = 0;

		while (p > str && p[-1] != ',')
			p--;
		chunk = p;
		if (chunk == chunk_end || chunk_end - chunk > 8)
			return -EINVAL;
		for (const char *c = chunk; c < chunk_end; c++) {
			int d;

			if (*c >= '0' && *c <= '9')
				d = *c - '0';
			else if (*c >= 'a' && *c <= 'f')
				d = *c - 'a' + 10;
			else if (*c >= 'A' && *c <= 'F')
				d = *c - 'A' + 10;
			else
				return -EINVAL;
			v = (v << 4) | (uint32_t)d;
		}
		/*
		 * Leading zero words are insignificant however many there are; a
		 * set bit at or beyond CPUSET_MAX is not (and word * 32 must not wrap).
		 */
		if (v && word >= CPUSET_MAX / 32)
			return -ERANGE;
		for (unsigned int b = 0; v && b < 32; b++, v >>= 1)
			if (v & 1)
				cpuset_set(&set, (unsigned int)word * 32 + b);
		word++;
		if (p == str)
			break;
		p--; /* skip the comma */
		if (p == str)
			return -EINVAL; /* leading comma */
	}
	*ret = set;
	return 0;
}

/* ---- printing -------------------------------------------------------------- */

/* snprintf-like appender that keeps counting once the buffer is full. */
struct sbuf {
	char *buf;
	size_t len, pos;
};

static void sbuf_put(struct sbuf *sb, const char *str, int n)
{
	if (n < 0)
		return;
	if (sb->len && sb->pos < sb->len - 1) {
		size_t room = sb->len - 1 - sb->pos;
		size_t k = (size_t)n < room ? (size_t)n : room;

		memcpy(sb->buf + sb->pos, str, k);
		sb->buf[sb->pos + k] = '\0';
	}
	sb->pos += (size_t)n;
}

size_t cpuset_format_list(const cpuset_t *set, char *buf, size_t len)
{
	struct sbuf sb = { buf, len, 0 };
	int cpu = cpuset_first(set);
	bool first = true;

	if (len)
		buf[0] = '\0';
	while (cpu >= 0) {
		int end = cpu;

		while (end + 1 < (int)CPUSET_MAX && cpuset_test(set, (unsigned int)end + 1))
			end++;
		char tmp[32];
		int n;

		if (end == cpu)
			n = snprintf(tmp, sizeof(tmp), "%s%d", first ? "" : ",", cpu);
		else
			n = snprintf(tmp, sizeof(tmp), "%s%d-%d", first ? "" : ",", cpu, end);
		sbuf_put(&sb, tmp, n);
		first = false;
		cpu = end + 1 < (int)CPUSET_MAX ? cpuset_next(set, (unsigned int)end + 1) : -1;
	}
	return sb.pos;
}

static uint32_t mask_word(const cpuset_t *set, unsigned int w)
{
	unsigned int bit = w * 32;

	return (uint32_t)(set->bits[bit / CPUSET_WORD_BITS] >> (bit % CPUSET_WORD_BITS));
}

size_t cpuset_format_mask(const cpuset_t *set, unsigned int nbits, char *buf, size_t len)
{
	struct sbuf sb = { buf, len, 0 };
	unsigned int nwords, rem;
	int last = cpuset_last(set);

	if (len)
		buf[0] = '\0';
	if (nbits > CPUSET_MAX)
		nbits = CPUSET_MAX; /* as cpuset_parse_list() clamps it */
	if (nbits == 0)
		nbits = last >= 0 ? (unsigned int)last + 1 : 1;
	nwords = (nbits + 31) / 32;
	rem = nbits % 32;
	for (unsigned int w = nwords; w-- > 0;) {
		uint32_t v = mask_word(set, w);
		bool top = w == nwords - 1;
		char tmp[16];
		int n;

		if (top && rem) {
			/* The first word is trimmed to nr_cpu_ids: 40 CPUs print "ff,ffffffff". */
			v &= (uint32_t)((1ULL << rem) - 1);
			n = snprintf(tmp, sizeof(tmp), "%0*x", (int)(rem + 3) / 4, v);
		} else {
			n = snprintf(tmp, sizeof(tmp), "%s%08x", top ? "" : ",", v);
		}
		sbuf_put(&sb, tmp, n);
	}
	return sb.pos;
}

char *cpuset_to_list(const cpuset_t *set)
{
	size_t n = cpuset_format_list(set, NULL, 0);
	char *s = malloc(n + 1);

	if (s)
		cpuset_format_list(set, s, n + 1);
	return s;
}

char *cpuset_to_mask(const cpuset_t *set, unsigned int nbits)
{
	size_t n = cpuset_format_mask(set, nbits, NULL, 0);
	char *s = malloc(n + 1);

	if (s)
		cpuset_format_mask(set, nbits, s, n + 1);
	return s;
}
