/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootcfg-internal: what the bootcfg modules share and the rest of quietcore
 * does not see. bootcfg.h stays the one public face; behind it:
 *
 *   bootcfg.c       the object (init, the list of changes), back-end
 *                   names, and the root-relative helpers below
 *   bootdetect.c    which boot loader this root uses (bootcfg_detect)
 *   bootedit.c      planning the change to each file (bootcfg_prepare_apply,
 *                   bootcfg_update_command)
 *   boottxn.c       the transaction: state directory, lock, originals and
 *                   manifest, commit, rollback, revert, stale temporaries,
 *                   and bootcfg_free (which ends the transaction)
 *   bootruntime.c   the run-time plan's files (bootcfg_prepare_runtime)
 *   bootinspect.c   what the configuration says (bootcfg_next_boot,
 *                   bootcfg_source_cmdline, bootcfg_params_match)
 */
#ifndef QC_BOOTCFG_INTERNAL_H
#define QC_BOOTCFG_INTERNAL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "bootcfg.h"
#include "grubdefault.h"

#define MANIFEST_MAGIC "quietcore-bootcfg 1\n"

/* Format a message into err (may be NULL); returns 0. */
__attribute__((format(printf, 2, 3))) int bootcfg_errf(struct bootcfg_error *err, const char *fmt,
						       ...);

/* Append a change; takes ownership of old and new (freed on failure too). */
int bootcfg_change_add(struct bootcfg *bc, const char *path, char *old, size_t oldlen,
		       const struct stat *st, char *new, size_t newlen);
void bootcfg_changes_clear(struct bootcfg *bc);

/* Below the root: does path exist, is it a directory, open it as a directory. */
bool bootcfg_exists(struct bootcfg *bc, const char *path);
bool bootcfg_isdir(struct bootcfg *bc, const char *path);
DIR *bootcfg_opendir(struct bootcfg *bc, const char *path);

/* *.conf names in dir, sorted by version order; *ret_n = 0 when none. */
int bootcfg_list_entries(struct bootcfg *bc, const char *dir, char ***ret, size_t *ret_n);
bool bootcfg_has_entries(struct bootcfg *bc, const char *dir);
void bootcfg_strv_free(char **v, size_t n);

/* The message for a failed grubdefault_load() of path; returns r. */
int bootcfg_grub_load_err(int r, const struct grubdefault_error *ge, const char *path,
			  struct bootcfg_error *err);

#endif
