// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * grubdefault: parse and edit GRUB's shell-sourced defaults files.
 */
#include "grubdefault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "path.h"

#define REF_OPEN	'\001'
#define REF_CLOSE	'\002'
#define EVAL_DEPTH	16

/* One decoded character of a shell word, or one variable reference. */
struct item {
	char		c;
	bool		ref;
	unsigned int	piece;		/* changes at every quote boundary */
	size_t		s, e;		/* source bytes */
};

struct wordscan {
	struct item	*it;
	size_t		n, cap;
	char		**refs;
	size_t		nrefs;
	bool		complex;
	bool		quoted;		/* any quote or escape */
	size_t		last_close;	/* offset of the last closing quote, SIZE_MAX */
	unsigned int	piece;
};

static void wordscan_free(struct wordscan *ws)
{
	free(ws->it);
	for (size_t i = 0; i < ws->nrefs; i++)
		free(ws->refs[i]);
	free(ws->refs);
	memset(ws, 0, sizeof(*ws));
}

static int ws_item(struct wordscan *ws, char c, bool ref, size_t s, size_t e)
{
	if (!ws)
		return 0;
	if (ws->n == ws->cap) {
		size_t ncap = ws->cap ? ws->cap * 2 : 64;
		struct item *ni = realloc(ws->it, ncap * sizeof(*ni));

		if (!ni)
			return -ENOMEM;
		ws->it = ni;
		ws->cap = ncap;
	}
	ws->it[ws->n++] = (struct item){ .c = c, .ref = ref, .piece = ws->piece, .s = s, .e = e };
	return 0;
}

static int ws_ref(struct wordscan *ws, const char *name, size_t nlen, size_t s, size_t e)
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

static size_t name_len(const char *b, size_t len, size_t pos)
{
	size_t n = 0;

	if (pos >= len || !is_name_start(b[pos]))
		return 0;
	while (pos + n < len && is_name_char(b[pos + n]))
		n++;
	return n;
}

static bool is_word_end(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' ||
	       c == '<' || c == '>' || c == '(' || c == ')';
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

/* At a '$': a reference, a special or complex expansion, or a literal '$'. */
static int scan_dollar(const char *b, size_t len, size_t *pos, struct wordscan *ws)
{
	size_t p = *pos, n;
	int r;

	if (p + 1 < len && b[p + 1] == '{') {
		const char *close = memchr(b + p + 2, '}', len - p - 2);

		if (!close)
			return -EINVAL;
		n = name_len(b, len, p + 2);
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
	n = name_len(b, len, p + 1);
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

/*
 * Scan one shell word from *pos (which is not at a word end). ws may be NULL
 * to only skip. -EINVAL for unterminated quotes or substitutions.
 */
static int scan_word(const char *b, size_t len, size_t *pos, struct wordscan *ws)
{
	size_t p = *pos;
	int r = 0;

	if (ws) {
		ws->last_close = SIZE_MAX;
		ws->piece = 0;
	}
	while (p < len && !is_word_end(b[p]) && r == 0) {
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
			if (ws) {
				ws->quoted = true;
				ws->piece++;
			}
			p++;
			for (;;) {
				if (p >= len)
					return -EINVAL;
				c = b[p];
				if (c == '"')
					break;
				if (c == '\\' && p + 1 < len && strchr("$`\"\\\n", b[p + 1])) {
					if (b[p + 1] != '\n')
						r = ws_item(ws, b[p + 1], false, p, p + 2);
					p += 2;
				} else if (c == '$') {
					r = scan_dollar(b, len, &p, ws);
				} else if (c == '`') {
					size_t s = p;

					r = skip_backquote(b, len, &p);
					if (r == 0 && ws) {
						ws->complex = true;
						r = ws_item(ws, '`', true, s, p);
					}
				} else {
					r = ws_item(ws, c, false, p, p + 1);
					p++;
				}
				if (r < 0)
					return r;
			}
			if (ws) {
				ws->last_close = p;
				ws->piece++;
			}
			p++;
		} else if (c == '$') {
			r = scan_dollar(b, len, &p, ws);
		} else if (c == '`') {
			size_t s = p;

			r = skip_backquote(b, len, &p);
			if (r == 0 && ws) {
				ws->complex = true;
				r = ws_item(ws, '`', true, s, p);
			}
		} else {
			r = ws_item(ws, c, false, p, p + 1);
			p++;
		}
	}
	if (r < 0)
		return r;
	*pos = p;
	return 0;
}

static unsigned int line_of(const char *b, size_t off)
{
	unsigned int line = 1;

	for (size_t i = 0; i < off; i++)
		line += b[i] == '\n';
	return line;
}

static bool is_space_item(const struct item *it)
{
	return !it->ref && (it->c == ' ' || it->c == '\t' || it->c == '\n');
}

/* Cut the decoded value into cmdwords, and say where new parameters go. */
static int build_value(struct sh_assign *a, const struct wordscan *ws, const char *b)
{
	struct cmdvalue *v = &a->value;
	size_t i = 0, refi = 0, dlen = 0;
	char *d;
	int r;

	/* decoded text: references as \001NAME\002 */
	for (size_t k = 0; k < ws->n; k++)
		dlen += ws->it[k].ref ? 64 + 2 : 1;
	for (size_t k = 0; k < ws->nrefs; k++)
		dlen += strlen(ws->refs[k]);
	d = malloc(dlen + 1);
	if (!d)
		return -ENOMEM;
	a->decoded = d;

	v->file = a->file;
	v->line = a->line;
	while (i < ws->n) {
		size_t first, last, tl = 0, ds, de;
		bool editable = true;
		char *text;

		if (is_space_item(&ws->it[i])) {
			*d++ = ws->it[i].c;
			i++;
			continue;
		}
		first = i;
		while (i < ws->n && !is_space_item(&ws->it[i]))
			i++;
		last = i - 1;
		text = malloc((last - first + 1) * 2 + 256 * (ws->nrefs + 1));
		if (!text)
			return -ENOMEM;
		for (size_t k = first; k <= last; k++) {
			const struct item *it = &ws->it[k];

			if (it->piece != ws->it[first].piece || it->ref)
				editable = false;
			if (it->ref && it->c == 0) {
				const char *nm = ws->refs[refi++];

				tl += (size_t)sprintf(text + tl, "$%.200s", nm);
				*d++ = REF_OPEN;
				d = stpcpy(d, nm);
				*d++ = REF_CLOSE;
			} else if (it->ref) {
				text[tl++] = it->c;
				*d++ = REF_OPEN;
				*d++ = REF_CLOSE;
			} else {
				text[tl++] = it->c;
				*d++ = it->c;
			}
		}
		/* The separator removed with the word: the spaces before it, else after it. */
		ds = ws->it[first].s;
		de = ws->it[last].e;
		if (first > 0 && is_space_item(&ws->it[first - 1]) &&
		    ws->it[first - 1].piece == ws->it[first].piece) {
			size_t k = first - 1;

			while (k > 0 && is_space_item(&ws->it[k - 1]) &&
			       ws->it[k - 1].piece == ws->it[first].piece)
				k--;
			ds = ws->it[k].s;
		} else if (last + 1 < ws->n && is_space_item(&ws->it[last + 1]) &&
			   ws->it[last + 1].piece == ws->it[last].piece) {
			size_t k = last + 1;

			while (k + 1 < ws->n && is_space_item(&ws->it[k + 1]) &&
			       ws->it[k + 1].piece == ws->it[last].piece)
				k++;
			de = ws->it[k].e;
		}
		r = cmdvalue_add_word(v, text, tl, ws->it[first].s, ws->it[last].e, ds, de, editable);
		free(text);
		if (r < 0)
			return r;
	}
	*d = '\0';

	v->wrap_off = SIZE_MAX;
	v->ins_pre = v->ins_post = "";
	if (ws->last_close != SIZE_MAX && ws->last_close + 1 == a->val_end) {
		v->ins_off = ws->last_close;		/* inside the closing quote */
	} else if (a->val_start == a->val_end) {
		v->ins_off = a->val_end;		/* X= */
		v->ins_pre = v->ins_post = "\"";
	} else if (!ws->quoted && ws->nrefs == 0 && !ws->complex) {
		v->wrap_off = a->val_start;		/* X=quiet -> X="quiet ..." */
		v->ins_off = a->val_end;
		v->ins_post = "\"";
	} else {
		v->ins_off = a->val_end;		/* X=$Y -> X=$Y" ..." */
		v->ins_pre = v->ins_post = "\"";
	}
	(void)b;
	return 0;
}

static int gd_add_assign(struct grubdefault *gd, struct sh_assign *a)
{
	if (gd->na == gd->cap) {
		size_t ncap = gd->cap ? gd->cap * 2 : 32;
		struct sh_assign *na = realloc(gd->a, ncap * sizeof(*na));

		if (!na)
			return -ENOMEM;
		gd->a = na;
		gd->cap = ncap;
	}
	gd->a[gd->na++] = *a;
	return 0;
}

static void assign_free(struct sh_assign *a)
{
	free(a->name);
	for (size_t i = 0; i < a->nrefs; i++)
		free(a->refs[i]);
	free(a->refs);
	free(a->decoded);
	cmdvalue_free(&a->value);
}

enum { ST_START, ST_ARGS, ST_EXPORT };

static bool word_is(const char *b, size_t s, size_t e, const char *kw)
{
	size_t n = strlen(kw);

	return e - s == n && memcmp(b + s, kw, n) == 0;
}

#define PARSE_FAIL(msg)                          \
	do {                                     \
		if (err) {                       \
			err->file = file;        \
			err->line = line_of(b, p); \
			err->what = (msg);       \
		}                                \
		r = -EINVAL;                     \
		goto out;                        \
	} while (0)

int grubdefault_parse(struct grubdefault *gd, unsigned int file, const char *b, size_t len,
		      struct grubdefault_error *err)
{
	size_t p = 0, stmt_first = gd->na;
	int depth = 0, case_depth = 0, st = ST_START;
	int r = 0;

	while (p < len) {
		char c = b[p];
		size_t s, n;

		if (c == ' ' || c == '\t' || c == '\r') {
			p++;
			continue;
		}
		if (c == '\\' && p + 1 < len && b[p + 1] == '\n') {
			p += 2;
			continue;
		}
		if (c == '\0')
			PARSE_FAIL("NUL byte in file");
		if (c == '\n' || c == ';' || c == '&' || c == '|') {
			p++;
			st = ST_START;
			stmt_first = gd->na;
			continue;
		}
		if (c == '#') {
			while (p < len && b[p] != '\n')
				p++;
			continue;
		}
		if (c == '(' || c == ')') {
			if (case_depth > 0) {
				p++;
				st = ST_START;
				continue;
			}
			if (c == '(' && p + 1 < len && b[p + 1] == ')') {
				p += 2;		/* name() { ... } */
				st = ST_START;
				continue;
			}
			depth += c == '(' ? 1 : -1;
			if (depth < 0)
				PARSE_FAIL("unbalanced ')'");
			p++;
			st = ST_START;
			stmt_first = gd->na;
			continue;
		}
		if (c == '<' || c == '>') {
			while (p < len && (b[p] == '<' || b[p] == '>' || b[p] == '&'))
				p++;
			while (p < len && (b[p] == ' ' || b[p] == '\t'))
				p++;
			if (p < len && !is_word_end(b[p]) && scan_word(b, len, &p, NULL) < 0)
				PARSE_FAIL("unterminated quote");
			continue;
		}

		n = name_len(b, len, p);
		if ((st == ST_START || st == ST_EXPORT) && n > 0 && p + n < len && b[p + n] == '=') {
			struct sh_assign a = { 0 };
			struct wordscan ws = { 0 };

			a.file = file;
			a.line = line_of(b, p);
			a.depth = depth;
			a.exported = st == ST_EXPORT;
			a.name = strndup(b + p, n);
			if (!a.name) {
				r = -ENOMEM;
				goto out;
			}
			p += n + 1;
			a.val_start = p;
			if (p < len && b[p] == '(') {
				free(a.name);
				PARSE_FAIL("array assignment (not POSIX sh)");
			}
			if (p < len && !is_word_end(b[p]))
				r = scan_word(b, len, &p, &ws);
			if (r < 0) {
				free(a.name);
				wordscan_free(&ws);
				if (r == -ENOMEM)
					goto out;
				PARSE_FAIL("unterminated quote or substitution");
			}
			a.val_end = p;
			a.complex = ws.complex;
			r = build_value(&a, &ws, b);
			a.refs = ws.refs;
			a.nrefs = ws.nrefs;
			ws.refs = NULL;
			ws.nrefs = 0;
			wordscan_free(&ws);
			if (r == 0)
				r = gd_add_assign(gd, &a);
			if (r < 0) {
				assign_free(&a);
				goto out;
			}
			continue;
		}

		s = p;
		if (scan_word(b, len, &p, NULL) < 0)
			PARSE_FAIL("unterminated quote or substitution");
		if (st == ST_START) {
			if (word_is(b, s, p, "if") || word_is(b, s, p, "while") ||
			    word_is(b, s, p, "until") || word_is(b, s, p, "{")) {
				depth++;
				continue;
			}
			if (word_is(b, s, p, "then") || word_is(b, s, p, "do") ||
			    word_is(b, s, p, "else") || word_is(b, s, p, "elif") ||
			    word_is(b, s, p, "!"))
				continue;
			if (word_is(b, s, p, "fi") || word_is(b, s, p, "done") ||
			    word_is(b, s, p, "}") || word_is(b, s, p, "esac")) {
				if (word_is(b, s, p, "esac"))
					case_depth--;
				if (--depth < 0 || case_depth < 0)
					PARSE_FAIL("unbalanced block end");
				st = ST_ARGS;
				continue;
			}
			if (word_is(b, s, p, "for") || word_is(b, s, p, "case")) {
				if (word_is(b, s, p, "case"))
					case_depth++;
				depth++;
				st = ST_ARGS;
				continue;
			}
			if (word_is(b, s, p, "export") || word_is(b, s, p, "readonly") ||
			    word_is(b, s, p, "local") || word_is(b, s, p, "declare") ||
			    word_is(b, s, p, "typeset")) {
				st = ST_EXPORT;
				continue;
			}
			/* A command: assignments in front of it are only its environment. */
			for (size_t i = stmt_first; i < gd->na; i++)
				gd->a[i].prefix = true;
			st = ST_ARGS;
			continue;
		}
		if (st == ST_ARGS && case_depth > 0 && word_is(b, s, p, "in"))
			st = ST_START;	/* patterns follow: "a) cmd ;;" */
	}
	if (depth != 0) {
		p = len;
		PARSE_FAIL("unterminated if/case/loop/function block");
	}
out:
	return r;
}

int grubdefault_add_file(struct grubdefault *gd, const char *path, const char *buf, size_t len,
			 struct grubdefault_error *err)
{
	struct grubdefault_file *nf;
	struct grubdefault_file *f;
	int r;

	nf = realloc(gd->files, (gd->nfiles + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	gd->files = nf;
	f = &gd->files[gd->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	f->buf = malloc(len + 1);
	if (!f->path || !f->buf) {
		free(f->path);
		free(f->buf);
		return -ENOMEM;
	}
	memcpy(f->buf, buf, len);
	f->buf[len] = '\0';
	f->len = len;
	gd->nfiles++;
	r = grubdefault_parse(gd, (unsigned int)gd->nfiles - 1, f->buf, f->len, err);
	if (r < 0 && err)
		snprintf(err->path, sizeof(err->path), "%s", path);
	return r;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int grubdefault_load(int rootfd, bool dropins, struct grubdefault *ret,
		     struct grubdefault_error *err)
{
	struct grubdefault gd = { 0 };
	char **names = NULL;
	size_t nnames = 0;
	char *buf = NULL;
	size_t len;
	struct stat st;
	int r;

	r = atomicfile_read(rootfd, "/etc/default/grub", &buf, &len, &st);
	if (r < 0)
		return r;
	r = grubdefault_add_file(&gd, "/etc/default/grub", buf, len, err);
	free(buf);
	buf = NULL;
	if (r < 0)
		goto fail;
	gd.files[0].st = st;

	if (dropins) {
		int dfd = openat(rootfd, "etc/default/grub.d",
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
		struct dirent *de;

		if (dfd >= 0 && !dir)
			close(dfd);
		while (dir && (de = readdir(dir))) {
			size_t nl = strlen(de->d_name);
			char **nn;

			if (nl < 5 || strcmp(de->d_name + nl - 4, ".cfg") != 0)
				continue;
			nn = realloc(names, (nnames + 1) * sizeof(*nn));
			if (!nn || !(nn[nnames] = strdup(de->d_name))) {
				names = nn ? nn : names;
				closedir(dir);
				r = -ENOMEM;
				goto fail;
			}
			names = nn;
			nnames++;
		}
		if (dir)
			closedir(dir);
		if (names)
			qsort(names, nnames, sizeof(*names), str_cmp);
		for (size_t i = 0; i < nnames; i++) {
			char path[512];

			snprintf(path, sizeof(path), "/etc/default/grub.d/%s", names[i]);
			r = atomicfile_read(rootfd, path, &buf, &len, &st);
			if (r == -EISDIR || r == -PATH_ENOTREG)
				continue;	/* the shell's [ -e ] + . would fail too */
			if (r < 0)
				goto fail;
			r = grubdefault_add_file(&gd, path, buf, len, err);
			free(buf);
			buf = NULL;
			if (r < 0)
				goto fail;
			gd.files[gd.nfiles - 1].st = st;
		}
	}
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	*ret = gd;
	return 0;
fail:
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	grubdefault_free(&gd);
	return r;
}

void grubdefault_free(struct grubdefault *gd)
{
	if (!gd)
		return;
	for (size_t i = 0; i < gd->na; i++)
		assign_free(&gd->a[i]);
	free(gd->a);
	for (size_t i = 0; i < gd->nfiles; i++) {
		free(gd->files[i].path);
		free(gd->files[i].buf);
	}
	free(gd->files);
	memset(gd, 0, sizeof(*gd));
}

/* The assignment in effect for name just before assignment number `before`. */
static size_t effective(const struct grubdefault *gd, const char *name, size_t before)
{
	for (size_t i = before; i-- > 0;)
		if (gd->a[i].depth == 0 && !gd->a[i].prefix && strcmp(gd->a[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

struct strbuf {
	char	*s;
	size_t	n, cap;
};

static int sb_add(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->n + n + 1 > sb->cap) {
		size_t ncap = (sb->n + n + 1) * 2;
		char *ns = realloc(sb->s, ncap);

		if (!ns)
			return -ENOMEM;
		sb->s = ns;
		sb->cap = ncap;
	}
	/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): cap 0 means s was just allocated */
	memcpy(sb->s + sb->n, s, n);
	sb->n += n;
	sb->s[sb->n] = '\0';
	return 0;
}

static int eval_var(const struct grubdefault *gd, const char *name, size_t before, int level,
		    struct strbuf *sb)
{
	size_t i = effective(gd, name, before);
	const char *d;

	if (i == SIZE_MAX)
		return 0;
	if (level > EVAL_DEPTH || gd->a[i].complex)
		return -EINVAL;
	for (d = gd->a[i].decoded; *d;) {
		const char *close;
		char ref[256];
		int r;

		if (*d != REF_OPEN) {
			size_t n = strcspn(d, "\001");

			r = sb_add(sb, d, n);
			if (r < 0)
				return r;
			d += n;
			continue;
		}
		close = strchr(d, REF_CLOSE);
		if (!close || (size_t)(close - d) >= sizeof(ref))
			return -EINVAL;
		memcpy(ref, d + 1, (size_t)(close - d - 1));
		ref[close - d - 1] = '\0';
		r = eval_var(gd, ref, i, level + 1, sb);
		if (r < 0)
			return r;
		d = close + 1;
	}
	return 0;
}

int grubdefault_value(const struct grubdefault *gd, const char *name, char **ret)
{
	struct strbuf sb = { 0 };
	int r;

	if (effective(gd, name, gd->na) == SIZE_MAX)
		return -ENOENT;
	r = eval_var(gd, name, gd->na, 0, &sb);
	if (r == 0 && !sb.s)
		r = sb_add(&sb, "", 0);
	if (r < 0) {
		free(sb.s);
		return r;
	}
	*ret = sb.s;
	return 0;
}

/* Point err at the last assignment of the chain (in[]), if there is one. */
static void err_at_chain(const struct grubdefault *gd, const bool *in, const char *what,
			 struct grubdefault_error *err)
{
	if (!err)
		return;
	err->file = 0;
	err->line = 0;
	for (size_t i = gd->na; i-- > 0;)
		if (in[i]) {
			err->file = gd->a[i].file;
			err->line = gd->a[i].line;
			break;
		}
	err->what = what;
}

/* Collect the assignments that make up name's value before `before`. */
static int chain_add(const struct grubdefault *gd, const char *name, size_t before, int level,
		     bool *in, struct grubdefault_error *err)
{
	size_t i;

	for (size_t j = 0; j < before; j++) {
		if (gd->a[j].depth > 0 && strcmp(gd->a[j].name, name) == 0) {
			if (err) {
				err->file = gd->a[j].file;
				err->line = gd->a[j].line;
				err->what = "kernel command line variable assigned inside an if/case/loop/function block; edit it by hand";
			}
			return -EINVAL;
		}
	}
	i = effective(gd, name, before);
	if (i == SIZE_MAX || in[i])
		return 0;
	if (level > EVAL_DEPTH || gd->a[i].complex) {
		if (err) {
			err->file = gd->a[i].file;
			err->line = gd->a[i].line;
			err->what = "value uses command substitution or a ${...} expansion; edit it by hand";
		}
		return -EINVAL;
	}
	in[i] = true;
	for (size_t k = 0; k < gd->a[i].nrefs; k++) {
		int r = chain_add(gd, gd->a[i].refs[k], i, level + 1, in, err);

		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The parameters of a normal boot entry as the kernel will split them:
 * grub-mkconfig writes "${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}".
 * *ret_line (may be NULL) gets the joined text.
 */
static int kernel_line(const struct grubdefault *gd, char **ret_line, struct kparams *ret)
{
	char *a = NULL, *b = NULL, *line = NULL;
	int r;

	r = grubdefault_value(gd, "GRUB_CMDLINE_LINUX", &a);
	if (r == -ENOENT)
		r = 0;
	if (r == 0) {
		r = grubdefault_value(gd, "GRUB_CMDLINE_LINUX_DEFAULT", &b);
		if (r == -ENOENT)
			r = 0;
	}
	if (r == 0 && asprintf(&line, "%s %s", a ? a : "", b ? b : "") < 0)
		r = -ENOMEM;
	if (r == 0)
		r = kparams_parse(line, ret);
	if (r == 0 && ret_line) {
		*ret_line = line;
		line = NULL;
	}
	free(line);
	free(a);
	free(b);
	return r;
}

/*
 * Would the kernel read exactly the plan from the edited files? Each wanted
 * parameter once with its value, no other managed one, no quote left open.
 * The editor cuts values into words at blanks; the kernel's next_arg() also
 * groups by double quotes, so a '"' in the line can hide a managed parameter
 * inside another's value (or make one out of what the editor took for two).
 */
static bool edit_reads_as_plan(const struct grubdefault *gd, char *const *bufs,
			       const size_t *lens, const struct kparams *wanted,
			       const char *const *managed)
{
	struct grubdefault gd2 = { 0 };
	struct kparams kp = { 0 };
	char *line = NULL;
	bool ok = false;

	for (size_t f = 0; f < gd->nfiles; f++)
		if (grubdefault_add_file(&gd2, gd->files[f].path, bufs[f] ? bufs[f] : gd->files[f].buf,
					 bufs[f] ? lens[f] : gd->files[f].len, NULL) < 0)
			goto out;
	if (kernel_line(&gd2, &line, &kp) < 0)
		goto out;
	ok = cmdedit_line_says_plan(line, wanted, managed);
out:
	free(line);
	kparams_free(&kp);
	grubdefault_free(&gd2);
	return ok;
}

int grubdefault_edit(const struct grubdefault *gd, const struct kparams *wanted,
		     const char *const *managed, char ***ret_bufs, size_t **ret_lens,
		     struct grubdefault_error *err)
{
	static const char target_var[] = "GRUB_CMDLINE_LINUX_DEFAULT";
	struct cmdedits edits = { 0 };
	struct cmdvalue *vals = NULL;
	char *unplaced = NULL;
	char **bufs = NULL;
	size_t *lens = NULL;
	bool *in = NULL;
	size_t nvals = 0, target = SIZE_MAX, teff, bad_val = 0, bad_word = 0;
	size_t *vidx = NULL;
	int r = -ENOMEM;

	if (gd->nfiles == 0)
		return -EINVAL;
	in = calloc(gd->na + 1, sizeof(*in));
	vals = calloc(gd->na + 1, sizeof(*vals));
	vidx = calloc(gd->na + 1, sizeof(*vidx));
	bufs = calloc(gd->nfiles, sizeof(*bufs));
	lens = calloc(gd->nfiles, sizeof(*lens));
	if (!in || !vals || !vidx || !bufs || !lens)
		goto out;

	r = chain_add(gd, "GRUB_CMDLINE_LINUX", gd->na, 0, in, err);
	if (r == 0)
		r = chain_add(gd, target_var, gd->na, 0, in, err);
	if (r < 0)
		goto out;
	/*
	 * A '"' left open swallows everything after it, the parameters we would
	 * append included, into one value (kernel next_arg()): refuse up front.
	 */
	{
		struct kparams kp = { 0 };
		char *line = NULL;

		r = kernel_line(gd, &line, &kp);
		if (r == 0 && !kparams_quotes_closed(line))
			r = -EINVAL;
		free(line);
		kparams_free(&kp);
		if (r == -EINVAL) {
			err_at_chain(gd, in, "a '\"' is left open on the kernel command line: the kernel would take every parameter after it as part of one value; fix it by hand", err);
			goto out;
		}
		if (r < 0)
			goto out;
	}
	teff = effective(gd, target_var, gd->na);
	for (size_t i = 0; i < gd->na; i++) {
		if (!in[i])
			continue;
		if (i == teff)
			target = nvals;
		vidx[nvals] = i;
		vals[nvals++] = gd->a[i].value;	/* shallow: read only */
	}
	r = cmdedit_compute(vals, nvals, target, wanted, managed, &edits, &unplaced, &bad_val,
			    &bad_word);
	if (r == -EINVAL) {
		if (err) {
			err->file = gd->a[vidx[bad_val]].file;
			err->line = gd->a[vidx[bad_val]].line;
			err->what = "a managed parameter uses a shell variable or mixes quoting; edit it by hand";
		}
		goto out;
	}
	if (r < 0)
		goto out;
	if (*unplaced) {
		/* No GRUB_CMDLINE_LINUX_DEFAULT anywhere: add one to the main file. */
		const struct grubdefault_file *f = &gd->files[0];
		bool nl = f->len > 0 && f->buf[f->len - 1] != '\n';
		char *t;

		if (asprintf(&t, "%s%s=\"%s\"\n", nl ? "\n" : "", target_var, unplaced) < 0) {
			r = -ENOMEM;
			goto out;
		}
		r = cmdedits_add(&edits, 0, f->len, f->len, t);
		free(t);
		if (r < 0)
			goto out;
	}
	for (size_t f = 0; f < gd->nfiles; f++) {
		bool any = false;

		for (size_t k = 0; k < edits.n; k++)
			any |= edits.v[k].file == f;
		if (!any)
			continue;
		r = cmdedits_apply(&edits, (unsigned int)f, gd->files[f].buf, gd->files[f].len,
				   &bufs[f], &lens[f]);
		if (r < 0)
			goto out;
		if (lens[f] == gd->files[f].len &&
		    memcmp(bufs[f], gd->files[f].buf, lens[f]) == 0) {
			free(bufs[f]);
			bufs[f] = NULL;
		}
	}
	if (!edit_reads_as_plan(gd, bufs, lens, wanted, managed)) {
		err_at_chain(gd, in, "double quotes on the kernel command line group a managed parameter with other text, so the kernel would not read the plan; edit it by hand", err);
		r = -EINVAL;
		goto out;
	}
	*ret_bufs = bufs;
	*ret_lens = lens;
	bufs = NULL;
	lens = NULL;
	r = 0;
out:
	if (bufs)
		for (size_t f = 0; f < gd->nfiles; f++)
			free(bufs[f]);
	free(bufs);
	free(lens);
	free(unplaced);
	cmdedits_free(&edits);
	free(vals);
	free(vidx);
	free(in);
	return r;
}
