/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shlex: the POSIX shell's word lexer, as far as GRUB's defaults files need
 * it: single and double quotes, backslash escapes and line continuations,
 * $NAME and ${NAME} references, and the expansions the reader cannot follow
 * ($(...), `...`, ${X:-y}, $1, $((...))) marked as such. It only reads: no
 * expansion is performed. Every item carries the source bytes it came from,
 * so an editor can change a word in place. lib/grubdefault.c parses commands
 * (assignments, blocks, here-documents) on top of it.
 *
 * Functions return 0 or -errno (-EINVAL for an unterminated quote or
 * substitution, -ENOMEM) and never print.
 */
#ifndef QC_SHLEX_H
#define QC_SHLEX_H

#include <stdbool.h>
#include <stddef.h>

/* One decoded character of a shell word, or one variable reference. */
struct shlex_item {
	char c;
	bool ref;
	unsigned int piece; /* changes at every quote boundary */
	size_t s, e;	    /* source bytes */
};

/*
 * One shell word as the shell reads it: the decoded characters in order
 * (references kept as items of their own, names in refs[] in the same
 * order), and what in it the reader cannot follow.
 */
struct shlex_word {
	struct shlex_item *it;
	size_t n, cap;
	char **refs;
	size_t nrefs;
	bool complex;
	bool assigns;	   /* ${X=..}, ${X?..} or $((..)): may set a variable */
	bool quoted;	   /* any quote or escape */
	size_t last_close; /* offset of the last closing quote, SIZE_MAX */
	unsigned int piece;
};

void shlex_word_free(struct shlex_word *ws);

/* The length of the shell name (letter or '_', then letters, digits, '_') at pos; 0 if none. */
size_t shlex_name_len(const char *b, size_t len, size_t pos);

/* Does c end an unquoted word (blank, newline, or one of ;&|<>())? */
bool shlex_is_word_end(char c);

/*
 * At a '$': does ${X=..}, ${X:=..}, ${X?..} or $((..)) start here (the
 * expansion may set a variable or end the shell)?
 */
bool shlex_dollar_assigns(const char *b, size_t len, size_t p);

/*
 * Scan one shell word from *pos (which is not at a word end) and move *pos
 * past it. ws may be NULL to only skip; else the items are appended to it.
 * -EINVAL for unterminated quotes or substitutions (*pos unchanged).
 */
int shlex_scan_word(const char *b, size_t len, size_t *pos, struct shlex_word *ws);

#endif
