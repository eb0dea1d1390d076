/* SPDX-License-Identifier: GPL-2.0-or-later */
/* strv: a growing array of malloc'ed strings (warnings, notes). */
#ifndef QC_STRV_H
#define QC_STRV_H

#include <stddef.h>

/* Append a printf-formatted string to *v (of *n entries). 0 or -ENOMEM; *v unchanged on failure. */
int strv_appendf(char ***v, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
