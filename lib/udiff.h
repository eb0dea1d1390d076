/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * udiff: a unified diff ("diff -u" format, 3 lines of context) of two
 * buffers, for --dry-run. A missing file is given as NULL (diffs against
 * /dev/null, as diff -N does).
 */
#ifndef QC_UDIFF_H
#define QC_UDIFF_H

#include <stddef.h>

/* *ret is malloc'ed, "" when the buffers are equal. 0 or -ENOMEM. */
int udiff_format(const char *label_a, const char *a, size_t alen, const char *label_b,
		 const char *b, size_t blen, char **ret);

#endif
