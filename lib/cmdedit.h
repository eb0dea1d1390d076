/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdedit: the one place where the rules for editing kernel parameters inside
 * a bootloader configuration file live, whatever the file's syntax.
 *
 * A syntax-specific parser (grubdefault.c for GRUB's shell-sourced defaults,
 * bls.c for BLS entries and /etc/kernel/cmdline) cuts each value that ends up
 * on the kernel command line into words and says, for each word, which bytes
 * of the file it occupies, which bytes to remove to delete it with one of its
 * separators, and whether it is plain text that may be rewritten. It also says
 * where new parameters are appended to a value. cmdedit then decides:
 *
 *  - every parameter the plan manages appears exactly once in the result:
 *    the first occurrence in the target value is rewritten in place (so its
 *    position is kept; nothing changes when it already has the wanted value),
 *    every other occurrence, in any contributing value, is deleted;
 *  - wanted parameters not found are appended to the target value;
 *  - every other byte of the file stays as it was;
 *  - a managed parameter that is not plain text (it uses a shell variable,
 *    spans quoting styles) is refused rather than guessed at;
 *  - text written is limited to characters safe in every context (unquoted,
 *    single- and double-quoted shell, BLS, kernel command line).
 */
#ifndef QC_CMDEDIT_H
#define QC_CMDEDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "kparam.h"

struct cmdword {
	char *text;	   /* decoded text; a variable reference shows as "$NAME" */
	size_t start, end; /* the bytes of the word in the file */
	size_t del_start;  /* the bytes to remove to delete it, with a separator */
	size_t del_end;
	bool editable; /* plain text in one quoting context, no variable */
};

struct cmdvalue {
	struct cmdword *w;
	size_t n;
	size_t cap;
	unsigned int file;    /* index of the file the value is in */
	unsigned int line;    /* 1-based line, for messages */
	size_t ins_off;	      /* new parameters are inserted here */
	const char *ins_pre;  /* static text before them ("" if none) */
	const char *ins_post; /* static text after them ("" if none) */
	size_t wrap_off;      /* SIZE_MAX, or where an opening '"' must go */
};

struct cmdedit {
	unsigned int file;
	size_t start, end; /* replace these bytes */
	char *text;	   /* by this */
};

struct cmdedits {
	struct cmdedit *v;
	size_t n;
	size_t cap;
};

/* Append a word to a value (text copied). -ENOMEM. */
int cmdvalue_add_word(struct cmdvalue *v, const char *text, size_t textlen, size_t start,
		      size_t end, size_t del_start, size_t del_end, bool editable);
void cmdvalue_free(struct cmdvalue *v);

/*
 * Is name / value a parameter cmdedit may write? Letters, digits and
 * "_-." in names; letters, digits and "_-.,:=/+@%" in values (no quotes, '$',
 * backticks, spaces, newlines, ';', globbing characters). -EINVAL if not.
 */
int cmdedit_param_check(const char *name, const char *value);
/* Every wanted parameter checked; *ret_bad = the offending index on -EINVAL. */
int cmdedit_params_check(const struct kparams *wanted, size_t *ret_bad);

/* Is name managed (in managed[], NULL-terminated, or named in wanted)? */
bool cmdedit_is_managed(const char *name, const struct kparams *wanted, const char *const *managed);
/*
 * Would the kernel, reading line (a whole command line), see exactly the plan:
 * quotes closed, each wanted parameter once with its value, no other managed
 * parameter (with wanted empty: none at all, as after a revert)? The editors'
 * last check on their own result: '"' groups words and "--" ends the
 * kernel's part, so a line can hold the text of the plan and still not say it.
 */
bool cmdedit_line_says_plan(const char *line, const struct kparams *wanted,
			    const char *const *managed);
/* The name part of a word ("isolcpus" of "isolcpus=1-3") into buf. */
void cmdedit_word_name(const char *word, char *buf, size_t len);

/*
 * Compute the edits that make the values say exactly the wanted parameters
 * for the managed names. vals[target] receives them (target SIZE_MAX: no
 * value can hold them; the formatted parameters that still need a home are
 * returned in *ret_unplaced, malloc'ed, "" if none; ret_unplaced may be NULL
 * only when target is valid). -EINVAL when a value holds a bare "--" (what
 * follows is init's) or a managed parameter sits in a word
 * that cannot be edited: *ret_bad_val and *ret_bad_word say which.
 */
int cmdedit_compute(const struct cmdvalue *vals, size_t nvals, size_t target,
		    const struct kparams *wanted, const char *const *managed, struct cmdedits *ret,
		    char **ret_unplaced, size_t *ret_bad_val, size_t *ret_bad_word);

int cmdedits_add(struct cmdedits *e, unsigned int file, size_t start, size_t end, const char *text);
void cmdedits_free(struct cmdedits *e);

/*
 * Apply the edits of one file to buf. Overlapping deletions (two neighbouring
 * words deleted with the separator between them) are merged. *ret is
 * malloc'ed and NUL-terminated. -EINVAL for edits that overlap otherwise.
 */
int cmdedits_apply(const struct cmdedits *e, unsigned int file, const char *buf, size_t len,
		   char **ret, size_t *ret_len);

#endif
