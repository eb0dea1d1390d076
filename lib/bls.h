/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bls: Boot Loader Specification type #1 entries (/boot/loader/entries/ *.conf:
 * "key value" lines; every "options" line adds to the kernel command line)
 * and /etc/kernel/cmdline (the command line kernel-install gives kernels
 * installed later; words separated by any whitespace, newlines included).
 *
 * Words are split as the kernel splits its command line (a double quote
 * groups). Edits go through cmdedit: the plan lands in the last "options"
 * line (one is added when there is none), managed parameters in earlier
 * lines are removed, every other byte stays.
 */
#ifndef QC_BLS_H
#define QC_BLS_H

#include <stddef.h>

#include "cmdedit.h"
#include "kparam.h"

/* The "options" lines of an entry as values (file index 0); *ret malloc'ed. */
int bls_entry_values(const char *buf, size_t len, struct cmdvalue **ret, size_t *ret_n);
void bls_values_free(struct cmdvalue *v, size_t n);

/*
 * Edit an entry / a kernel cmdline file. *ret is the new content, or NULL
 * when nothing changes. -EINVAL if a managed parameter cannot be edited;
 * -EBADMSG if the kernel would not read the plan from the result (a quote
 * left open or grouping words, a "--" before the plan).
 */
int bls_entry_edit(const char *buf, size_t len, const struct kparams *wanted,
		   const char *const *managed, char **ret, size_t *ret_len);
int kcmdline_edit(const char *buf, size_t len, const struct kparams *wanted,
		  const char *const *managed, char **ret, size_t *ret_len);

/* The value of the first line with this key ("version", "linux", "title"), malloc'ed; -ENOENT. */
int bls_entry_get(const char *buf, size_t len, const char *key, char **ret);
/* All "options" values joined by one space (what the kernel gets), malloc'ed. */
int bls_entry_options(const char *buf, size_t len, char **ret);

/*
 * Compare BLS version strings as the boot loaders sort entries (runs of
 * digits numerically, the rest bytewise): < 0, 0, > 0.
 */
int bls_version_cmp(const char *a, const char *b);

#endif
