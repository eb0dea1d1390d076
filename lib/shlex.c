// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * shlex: the shell's word lexer (see shlex.h).
 */
#include "shlex.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void shlex_word_free(struct shlex_word *ws)
{
	free(ws->it);
	for (size_t i = 0; i < ws->nrefs; i++)
		free(ws->refs[i]);
	free(ws->refs);
	memset(ws, 0, sizeof(*ws));
}

static int ws_item(struct shlex_word *ws, char c, bool ref, size_t s, size_t e)
{
	if (!ws)
		return 0;
	if (ws->n == ws->cap) {
		size_t ncap = ws->cap ? ws->cap * 2 : 64;
		struct shlex_item *ni = realloc(ws->it, ncap * sizeof(*ni));

		if (!ni)
			return -ENOMEM;
		ws->it = ni;
		ws->cap = ncap;
	}
	ws->it[ws->n++] =
		(struct shlex_item){ .c = c, .ref = ref, .piece = ws->piece, .s = s, .e = e };
	return 0;
}

static int ws_ref(struct shlex_word *ws, const char *name, size_t nlen, size_t s, size_t e)
{
	char **nr;

	if (!ws)
		return 0;
	nr = realloc(ws->refs, (ws->nrefs + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	ws->refs = nr;
	ws->refs[ws->nrefs] = strndup(name, nlen);
	if (!ws->refs[ws->nrefs])
		return -ENOMEM;
	ws->nrefs++;
	/* the item's c is unused; the name is refs[nrefs - 1] in order */
	return ws_item(ws, 0, true, s, e);
}

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

size_t shlex_name_len(const char *b, size_t len, size_t pos)
{
	size_t n = 0;

	if (pos >= len || !is_name_start(b[pos]))
		return 0;
	while (pos + n < len && is_name_char(b[pos + n]))
		n++;
	return n;
}

bool shlex_is_word_end(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' ||
	       c == '>' || c == '(' || c == ')';
}

/* Skip a balanced $( ... ) starting at the '(' (quotes inside respected, roughly). */
static int skip_parens(const char *b, size_t len, size_t *pos)
{
	int level = 0;
	size_t p = *pos;

	for (; p < len; p++) {
		char c = b[p];

		if (c == '\\') {
			p++;
		} else if (c == '\'') {
			const char *q = memchr(b + p + 1, '\'', len - p - 1);

			if (!q)
				return -EINVAL;
			p = (size_t)(q - b);
		} else if (c == '(') {
			level++;
		} else if (c == ')') {
			if (--level == 0) {
				*pos = p + 1;
				return 0;
			}
		}
	}
	return -EINVAL;
}

static int skip_backquote(const char *b, size_t len, size_t *pos)
{
	for (size_t p = *pos + 1; p < len; p++) {
		if (b[p] == '\\')
			p++;
		else if (b[p] == '`') {
			*pos = p + 1;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * At a '$': ${X=..} and ${X:=..} assign X, ${X?..} ends the shell when X is
 * unset, $((X=..)) assigns X: the reader cannot follow any of them.
 */
bool shlex_dollar_assigns(const char *b, size_t len, size_t p)
{
	size_t n;

	if (p + 2 < len && b[p + 1] == '(' && b[p + 2] == '(')
		return true;
	if (p + 1 >= len || b[p + 1] != '{')
		return false;
	n = shlex_name_len(b, len, p + 2);
	if (n == 0)
		return false;
	p += 2 + n;
	if (p < len && b[p] == ':')
		p++;
	return p < len && (b[p] == '=' || b[p] == '?');
}

/* At a '$': a reference, a special or complex expansion, or a literal '$'. */
static int scan_dollar(const char *b, size_t len, size_t *pos, struct shlex_word *ws)
{
	size_t p = *pos, n;
	int r;

	if (ws && shlex_dollar_assigns(b, len, p))
		ws->assigns = true;

	if (p + 1 < len && b[p + 1] == '{') {
		const char *close = memchr(b + p + 2, '}', len - p - 2);

		if (!close)
			return -EINVAL;
		n = shlex_name_len(b, len, p + 2);
		if (n > 0 && b + p + 2 + n == close) {
			r = ws_ref(ws, b + p + 2, n, p, (size_t)(close - b) + 1);
		} else {
			if (ws)
				ws->complex = true;
			r = ws_item(ws, '$', true, p, (size_t)(close - b) + 1);
		}
		*pos = (size_t)(close - b) + 1;
		return r;
	}
	if (p + 1 < len && b[p + 1] == '(') {
		size_t q = p + 1;

		r = skip_parens(b, len, &q);
		if (r < 0)
			return r;
		if (ws)
			ws->complex = true;
		*pos = q;
		return ws_item(ws, '$', true, p, q);
	}
	n = shlex_name_len(b, len, p + 1);
	if (n > 0) {
		*pos = p + 1 + n;
		return ws_ref(ws, b + p + 1, n, p, p + 1 + n);
	}
	if (p + 1 < len && strchr("0123456789@*#?$!-", b[p + 1]) && b[p + 1]) {
		if (ws)
			ws->complex = true;
		*pos = p + 2;
		return ws_item(ws, '$', true, p, p + 2);
	}
	*pos = p + 1;
	return ws_item(ws, '$', false, p, p + 1);
}

/* At a '`': the whole command substitution, as one item the reader cannot follow. */
static int scan_backquote(const char *b, size_t len, size_t *pos, struct shlex_word *ws)
{
	size_t s = *pos;
	int r = skip_backquote(b, len, pos);

	if (r == 0 && ws) {
		ws->complex = true;
		r = ws_item(ws, '`', true, s, *pos);
	}
	return r;
}

/* At a '$', a '`' or any other character, inside double quotes or not. */
static int scan_other(const char *b, size_t len, size_t *pos, struct shlex_word *ws)
{
	size_t p = *pos;

	if (b[p] == '$')
		return scan_dollar(b, len, pos, ws);
	if (b[p] == '`')
		return scan_backquote(b, len, pos, ws);
	*pos = p + 1;
	return ws_item(ws, b[p], false, p, p + 1);
}

/* At a '"': up to and past the closing quote; '\' escapes only $ ` " \ and newline. */
static int scan_dquoted(const char *b, size_t len, size_t *pos, struct shlex_word *ws)
{
	size_t p = *pos + 1;
	int r;

	if (ws) {
		ws->quoted = true;
		ws->piece++;
	}
	for (;;) {
		char c;

		if (p >= len)
			return -EINVAL;
		c = b[p];
		if (c == '"')
			break;
		if (c == '\\' && p + 1 < len && strchr("$`\"\\\n", b[p + 1])) {
			r = 0;
			if (b[p + 1] != '\n')
				r = ws_item(ws, b[p + 1], false, p, p + 2);
			p += 2;
		} else {
			r = scan_other(b, len, &p, ws);
		}
		if (r < 0)
			return r;
	}
	if (ws) {
		ws->last_close = p;
		ws->piece++;
	}
	*pos = p + 1;
	return 0;
}

/*
 * Scan one shell word from *pos (which is not at a word end). ws may be NULL
 * to only skip. -EINVAL for unterminated quotes or substitutions.
 */
int shlex_scan_word(const char *b, size_t len, size_t *pos, struct shlex_word *ws)
{
	size_t p = *pos;
	int r = 0;

	if (ws) {
		ws->last_close = SIZE_MAX;
		ws->piece = 0;
	}
	while (p < len && !shlex_is_word_end(b[p]) && r == 0) {
		char c = b[p];

		if (c == '\\') {
			if (p + 1 >= len)
				return -EINVAL;
			if (ws)
				ws->quoted = true;
			if (b[p + 1] != '\n')
				r = ws_item(ws, b[p + 1], false, p, p + 2);
			p += 2;
		} else if (c == '\'') {
			const char *q = memchr(b + p + 1, '\'', len - p - 1);

			if (!q)
				return -EINVAL;
			if (ws) {
				ws->quoted = true;
				ws->piece++;
			}
			for (size_t i = p + 1; i < (size_t)(q - b) && r == 0; i++)
				r = ws_item(ws, b[i], false, i, i + 1);
			p = (size_t)(q - b);
			if (ws) {
				ws->last_close = p;
				ws->piece++;
			}
			p++;
		} else if (c == '"') {
			r = scan_dquoted(b, len, &p, ws);
		} else {
			r = scan_other(b, len, &p, ws);
		}
	}
	if (r < 0)
		return r;
	*pos = p;
	return 0;
}
