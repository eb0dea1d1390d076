/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kparam: the kernel command line as a list of parameters, parsed the way the
 * kernel's next_arg() does (double quotes group; a quote opening the value or
 * the arg is stripped with the closing one, quotes elsewhere stay), and the
 * parsers for the values quietcore cares about (isolcpus= flags).
 *
 * Everything after a bare "--" is init's, not the kernel's (parse_args() stops
 * there): it is kept in the list and printed by kparams_format(), but find,
 * get, has, count, set and remove only look before it, and append/set insert
 * before it.
 */
#ifndef QC_KPARAM_H
#define QC_KPARAM_H

#include <stdbool.h>
#include <stddef.h>

#include "cpuset.h"
#include "path.h"

struct kparam {
	char *name;
	char *value; /* NULL for a bare flag ("quiet"); "" for "name=" */
};

struct kparams {
	struct kparam *v;
	size_t n;
	size_t cap;
};

/* Whitespace as the kernel's isspace() (Latin-1: 0xa0 too), whatever the locale. */
bool kparam_isspace(int c);

/* Parameter names compare with '-' and '_' equal, as the kernel's parameq(). */
bool kparam_name_eq(const char *a, const char *b);

int kparams_parse(const char *cmdline, struct kparams *ret);
/*
 * false when a '"' is left open at the end: next_arg() then makes the rest of
 * the line, whatever parameters it holds, part of one argument.
 */
bool kparams_quotes_closed(const char *cmdline);
void kparams_free(struct kparams *kp);
/* Read and parse /proc/cmdline under pc. */
int kparams_read(struct path_cxt *pc, struct kparams *ret);

/* The last occurrence (the one that wins for most parameters), or NULL. */
const struct kparam *kparams_find(const struct kparams *kp, const char *name);
/* Value of the last occurrence; NULL if absent or a bare flag. */
const char *kparams_get(const struct kparams *kp, const char *name);
bool kparams_has(const struct kparams *kp, const char *name);
size_t kparams_count(const struct kparams *kp, const char *name);

/* Append (no de-duplication; before a "--"). value NULL = bare flag. -ENOMEM. */
int kparams_append(struct kparams *kp, const char *name, const char *value);
/* Replace every occurrence by one at the place of the first, or append. */
int kparams_set(struct kparams *kp, const char *name, const char *value);
/* Remove every occurrence; returns how many were removed. */
size_t kparams_remove(struct kparams *kp, const char *name);

/* "name=value name2 ..." with values containing spaces double-quoted. malloc'ed. */
char *kparams_format(const struct kparams *kp);

/* isolcpus= flags, as kernel/sched/isolation.c knows them. */
enum {
	ISOL_FLAG_NOHZ = 1U << 0,
	ISOL_FLAG_DOMAIN = 1U << 1,
	ISOL_FLAG_MANAGED_IRQ = 1U << 2,
};

struct isolcpus {
	unsigned int flags;	    /* effective flags: DOMAIN implied when none given */
	bool flags_given;	    /* at least one known flag was written */
	unsigned int unknown_flags; /* letters-only words the kernel skips with a message */
	cpuset_t cpus;
};

/*
 * Parse an isolcpus= value with the kernel's rules: flags "nohz,", "domain,",
 * "managed_irq," each followed by a comma; domain implied only when no flag is
 * given; a word with characters other than letters and '_' makes the kernel
 * ignore the whole parameter (-EINVAL); letters-only unknown words are skipped;
 * the cpulist must then parse (else -EINVAL/-ERANGE, also ignored by the kernel).
 */
int isolcpus_parse(const char *value, unsigned int nbits, struct isolcpus *ret);

/* "domain,managed_irq" style text for flags (static storage). */
const char *isolcpus_flags_str(unsigned int flags);

#endif
