/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * grubdefault: GRUB's defaults, /etc/default/grub and (Debian/Ubuntu) the
 * drop-ins /etc/default/grub.d/ *.cfg, read the way grub-mkconfig reads them:
 * as shell sourced one after the other.
 *
 * The parser understands what such files really contain: comments (and
 * commented-out assignments), double and single quotes, backslash escapes and
 * line continuations, `export NAME=...`, several assignments (the last one
 * wins), values that reference variables ("$GRUB_CMDLINE_LINUX_DEFAULT quiet",
 * "${BASE}"), assignments in front of a command (not effective), and
 * if/case/while blocks and functions (an assignment of a kernel command line
 * variable inside one is conditional: refused, not guessed at). Unterminated
 * quotes, unbalanced blocks and bash arrays are -EINVAL ("unparseable").
 *
 * Editing keeps every byte outside the words it changes: the plan goes into
 * the effective GRUB_CMDLINE_LINUX_DEFAULT (normal boots only; the recovery
 * entry stays a way back), in the file where that assignment is, inside its
 * existing quotes; managed parameters are taken out of every assignment that
 * contributes to GRUB_CMDLINE_LINUX or GRUB_CMDLINE_LINUX_DEFAULT.
 */
#ifndef QC_GRUBDEFAULT_H
#define QC_GRUBDEFAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "cmdedit.h"
#include "kparam.h"
#include "path.h"

struct sh_assign {
	char *name;
	unsigned int file;
	unsigned int line;
	size_t val_start, val_end; /* bytes of the value word */
	int depth;		   /* > 0: inside if/case/loop/function */
	bool exported;
	bool readonly; /* readonly A=b: later assignments fail */
	bool prefix;   /* "A=b cmd": only for cmd, not effective */
	/*
	 * Not NULL: the shell may or may not run this assignment (static text,
	 * why). name "*": not an assignment but something that may change any
	 * variable (`.`, eval, a function call...): nothing is certain.
	 */
	const char *unsure;
	bool complex; /* ${x:-y}, $(..), `..`, $1: not evaluated */
	char **refs;  /* variables referenced */
	size_t nrefs;
	struct cmdvalue value; /* the words of the value */
	/* decoded value with references kept as \001NAME\002 for evaluation */
	char *decoded;
};

struct grubdefault_file {
	char *path; /* absolute, under the root */
	char *buf;
	size_t len;
	struct stat st;
};

struct grubdefault {
	struct grubdefault_file *files; /* [0] = /etc/default/grub, then drop-ins */
	size_t nfiles;
	struct sh_assign *a; /* every assignment, in sourcing order */
	size_t na;
	size_t cap;
	char **funcs; /* names of the functions defined */
	size_t nfuncs;
};

/* Where parsing or editing failed, for the message. */
struct grubdefault_error {
	unsigned int file; /* index in files[] */
	unsigned int line;
	const char *what; /* static text */
	char path[256];	  /* the file's path */
};

/* Parse one buffer as file number `file` and append its assignments. */
int grubdefault_parse(struct grubdefault *gd, unsigned int file, const char *buf, size_t len,
		      struct grubdefault_error *err);

/*
 * Read /etc/default/grub and, with dropins, /etc/default/grub.d/ *.cfg (C
 * sort order, as the shell glob in grub-mkconfig) below pc's root, and parse them.
 * -ENOENT when /etc/default/grub is missing; err says where a parse failed.
 */
int grubdefault_load(struct path_cxt *pc, bool dropins, struct grubdefault *ret,
		     struct grubdefault_error *err);
/* Add an in-memory file (tests); path is copied. */
int grubdefault_add_file(struct grubdefault *gd, const char *path, const char *buf, size_t len,
			 struct grubdefault_error *err);
void grubdefault_free(struct grubdefault *gd);

/*
 * The value a variable has after all files are sourced, references expanded
 * (an unknown variable is empty). -ENOENT if never assigned, -EINVAL if it
 * uses something not evaluated here (command substitution...) or if the
 * reader cannot tell which assignment the shell keeps; err (may be NULL) then
 * says where and why.
 */
int grubdefault_value(const struct grubdefault *gd, const char *name, char **ret,
		      struct grubdefault_error *err);

/*
 * Edit for the wanted parameters (managed: NULL-terminated names). ret_bufs
 * gets one entry per file: a malloc'ed new content, or NULL if unchanged
 * (lengths in ret_lens). Both arrays are malloc'ed with nfiles entries.
 */
int grubdefault_edit(const struct grubdefault *gd, const struct kparams *wanted,
		     const char *const *managed, char ***ret_bufs, size_t **ret_lens,
		     struct grubdefault_error *err);

#endif
