/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpuset: an in-memory set of CPU numbers, 0 .. CPUSET_MAX-1.
 *
 * Words used exactly as util-linux does:
 *   cpulist  "0-3,8"            (ascending ranges, as the kernel prints *_list files)
 *   mask     "ff,ffffffff"      (32-bit hex words, most significant first)
 *   cpuset   this in-memory set
 *
 * The set is a plain value: copy it with '=' and keep it on the stack.
 */
#ifndef QC_CPUSET_H
#define QC_CPUSET_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define CPUSET_MAX 8192U
#define CPUSET_WORD_BITS (sizeof(unsigned long) * CHAR_BIT)
#define CPUSET_WORDS (CPUSET_MAX / CPUSET_WORD_BITS)

typedef struct cpuset {
	unsigned long bits[CPUSET_WORDS];
} cpuset_t;

void cpuset_zero(cpuset_t *set);
void cpuset_fill(cpuset_t *set, unsigned int nbits); /* CPUs 0 .. nbits-1 */
bool cpuset_set(cpuset_t *set, unsigned int cpu);    /* false if cpu >= CPUSET_MAX */
void cpuset_clear(cpuset_t *set, unsigned int cpu);
bool cpuset_test(const cpuset_t *set, unsigned int cpu);

unsigned int cpuset_count(const cpuset_t *set);
bool cpuset_empty(const cpuset_t *set);
bool cpuset_equal(const cpuset_t *a, const cpuset_t *b);
bool cpuset_subset(const cpuset_t *a, const cpuset_t *b); /* a ⊆ b */
bool cpuset_intersects(const cpuset_t *a, const cpuset_t *b);

/* dst may alias a or b. */
void cpuset_and(cpuset_t *dst, const cpuset_t *a, const cpuset_t *b);
void cpuset_or(cpuset_t *dst, const cpuset_t *a, const cpuset_t *b);
void cpuset_andnot(cpuset_t *dst, const cpuset_t *a, const cpuset_t *b); /* a \ b */

/*
 * dst |= src for the CPUs below nbits only (dst's CPUs at nbits and above are
 * left alone). It touches nbits/64 words, not all CPUSET_WORDS: unions of
 * many small sets that are then used within a set below nbits (see
 * cpuset_span) cost what the machine has, not what the kernel could.
 */
void cpuset_or_below(cpuset_t *dst, const cpuset_t *src, unsigned int nbits);
/* The highest CPU of set + 1, or 0 if it is empty: "set lies below this". */
unsigned int cpuset_span(const cpuset_t *set);

/* First CPU >= from, or -1. */
int cpuset_next(const cpuset_t *set, unsigned int from);
static inline int cpuset_first(const cpuset_t *set)
{
	return cpuset_next(set, 0);
}
int cpuset_last(const cpuset_t *set); /* -1 if empty */

/* cpu is the name of the loop variable, declared here: it takes no parentheses. */
// NOLINTBEGIN(bugprone-macro-parentheses)
#define cpuset_foreach(cpu, set) \
	for (int cpu = cpuset_first(set); cpu >= 0; cpu = cpuset_next(set, (unsigned int)cpu + 1))
// NOLINTEND(bugprone-macro-parentheses)

/*
 * Parse a cpulist with the kernel's semantics (lib/bitmap-str.c):
 * regions separated by commas or whitespace; "a", "a-b", "a-b:used/group",
 * "N" for the last CPU (nbits - 1) and "all" (any case) for 0-N.
 * A group needs a range ("5:1/2" is -EINVAL); "used" may be 0 (selects nothing,
 * as in the kernel). Numbers that do not fit 32 bits are -ERANGE (the kernel
 * says -EOVERFLOW). Unlike the kernel, a newline in the middle is just
 * whitespace (the kernel stops at a newline right after a region).
 * nbits is the size of the CPU space (nr_cpu_ids); 0 means CPUSET_MAX.
 * An empty string (or only whitespace) is the empty set.
 * Returns 0, -EINVAL (syntax, start > end, bad group), or -ERANGE (CPU >= nbits).
 * *ret is untouched on failure.
 */
int cpuset_parse_list(const char *str, unsigned int nbits, cpuset_t *ret);

/*
 * Parse a kernel hex mask: 32-bit words of at most 8 hex digits separated by
 * commas, most significant first, optional "0x" on the first word, trailing
 * newline/whitespace allowed. Leading zeros are insignificant.
 * Returns 0, -EINVAL or -ERANGE (bits set at or beyond CPUSET_MAX).
 */
int cpuset_parse_mask(const char *str, cpuset_t *ret);

/*
 * Canonical cpulist ("0-3,8"; "" for the empty set) into buf.
 * Returns the length it needs (excluding NUL) like snprintf; check >= len.
 */
size_t cpuset_format_list(const cpuset_t *set, char *buf, size_t len);

/*
 * Kernel hex mask of nbits CPUs (nbits 0: just enough words for the highest
 * CPU, at least one; above CPUSET_MAX: CPUSET_MAX). Returns the length
 * needed, like snprintf.
 */
size_t cpuset_format_mask(const cpuset_t *set, unsigned int nbits, char *buf, size_t len);

/* malloc'ed variants; NULL only on allocation failure. */
char *cpuset_to_list(const cpuset_t *set);
char *cpuset_to_mask(const cpuset_t *set, unsigned int nbits);

#endif
