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
#include "shlex.h"

#define REF_OPEN '\001'
#define REF_CLOSE '\002'
#define EVAL_DEPTH 16

static unsigned int line_of(const char *b, size_t off)
{
	unsigned int line = 1;

	for (size_t i = 0; i < off; i++)
		line += b[i] == '\n';
	return line;
}

static bool is_space_item(const struct shlex_item *it)
{
	return !it->ref && (it->c == ' ' || it->c == '\t' || it->c == '\n');
}

/* Cut the decoded value into cmdwords, and say where new parameters go. */
/*
 * Decode items first..last of one word: its literal text (references as
 * $NAME) into text, its decoded form (references as \001NAME\002) at *d.
 * Returns whether the word is editable: plain text from one quoted piece.
 */
static bool word_decode(const struct shlex_word *ws, size_t first, size_t last, char *text,
			size_t *tlp, char **dp, size_t *refip)
{
	bool editable = true;
	size_t tl = *tlp, refi = *refip;
	char *d = *dp;

	for (size_t k = first; k <= last; k++) {
		const struct shlex_item *it = &ws->it[k];

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
	*tlp = tl;
	*dp = d;
	*refip = refi;
	return editable;
}

/*
 * The span removed with word first..last: the word and the spaces before
 * it in the same piece, else the spaces after it.
 */
static void word_sep_span(const struct shlex_word *ws, size_t first, size_t last, size_t *dsp,
			  size_t *dep)
{
	size_t ds = ws->it[first].s, de = ws->it[last].e;

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
	*dsp = ds;
	*dep = de;
}

/* Where and how new words go into the value: inside its quotes, or quoted anew. */
static void value_place_insert(struct sh_assign *a, const struct shlex_word *ws)
{
	struct cmdvalue *v = &a->value;

	v->wrap_off = SIZE_MAX;
	v->ins_pre = v->ins_post = "";
	if (ws->last_close != SIZE_MAX && ws->last_close + 1 == a->val_end) {
		v->ins_off = ws->last_close; /* inside the closing quote */
	} else if (a->val_start == a->val_end) {
		v->ins_off = a->val_end; /* X= */
		v->ins_pre = v->ins_post = "\"";
	} else if (!ws->quoted && ws->nrefs == 0 && !ws->complex) {
		v->wrap_off = a->val_start; /* X=quiet -> X="quiet ..." */
		v->ins_off = a->val_end;
		v->ins_post = "\"";
	} else {
		v->ins_off = a->val_end; /* X=$Y -> X=$Y" ..." */
		v->ins_pre = v->ins_post = "\"";
	}
}

static int build_value(struct sh_assign *a, const struct shlex_word *ws, const char *b)
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
		bool editable;
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
		editable = word_decode(ws, first, last, text, &tl, &d, &refi);
		word_sep_span(ws, first, last, &ds, &de);
		r = cmdvalue_add_word(v, text, tl, ws->it[first].s, ws->it[last].e, ds, de,
				      editable);
		free(text);
		if (r < 0)
			return r;
	}
	*d = '\0';

	value_place_insert(a, ws);
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

enum {
	ST_START,
	ST_ARGS,
	ST_EXPORT
};

static bool word_is(const char *b, size_t s, size_t e, const char *kw)
{
	size_t n = strlen(kw);

	return e - s == n && memcmp(b + s, kw, n) == 0;
}

/* Why the reader cannot tell what the shell makes of an assignment. */
static const char R_BLOCK[] =
	"assigned inside an if/case/loop block: the shell may or may not run it; edit it by hand";
static const char R_FUNC[] =
	"assigned inside a function: it takes effect only where the function is called; edit it by hand";
static const char R_SUB[] =
	"assigned inside a ( ) subshell: the shell may or may not keep it; edit it by hand";
static const char R_ANDOR[] =
	"assigned after && or ||: the shell may or may not run it; edit it by hand";
static const char R_PIPE[] =
	"assigned in a pipeline or background job (a subshell): the shell may or may not keep it; edit it by hand";
static const char R_AFTER_RO[] =
	"assigned after readonly: the shell stops with an error there; edit it by hand";
static const char R_RO_BARE[] =
	"readonly without a value: later assignments would stop the shell; edit it by hand";
static const char R_EXPAND[] =
	"${X=...}, ${X?...} or $((...)) may change a variable behind the reader's back; edit it by hand";
static const char R_CMDEXP[] =
	"a command name comes from an expansion: the reader cannot tell what it runs; edit it by hand";
static const char R_SOURCE[] =
	"another file is read with . or source: the reader cannot tell what it assigns; edit it by hand";
static const char R_EVAL[] = "eval runs text the reader cannot see; edit it by hand";
static const char R_END[] =
	"exec, exit, return, break or continue: the reader cannot tell which assignments run; edit it by hand";
static const char R_VARS[] =
	"unset, read, getopts, set, local, alias, command or builtin may change variables behind the reader's back; edit it by hand";
static const char R_CALL[] = "calls a shell function, which may assign anything; edit it by hand";
static const char R_HEREDOC[] =
	"a here-document with $(...), `...`, ${X=...} or $((...)) runs code the reader cannot follow; edit it by hand";

enum blk_kind {
	BLK_GROUP,
	BLK_IF,
	BLK_LOOP,
	BLK_CASE,
	BLK_SUB
};

struct blk {
	enum blk_kind kind;
	bool fn;   /* a function body */
	bool cond; /* cond, cond_why outside the block */
	const char *cond_why;
};

struct heredoc {
	char *delim;
	bool strip;  /* <<-: leading tabs removed */
	bool quoted; /* <<'E': no expansion, no continuation */
};

#define MAX_NEST 64
#define MAX_HEREDOC 16

/* The parser's state, one file at a time. */
struct parser {
	struct grubdefault *gd;
	unsigned int file;
	const char *b;
	size_t len;
	size_t p;
	size_t stmt_first; /* first assignment of this simple command */
	size_t cmd_first;  /* first assignment of this top-level command */
	int depth;	   /* blocks that make an assignment unsure */
	int case_depth;
	int st;
	bool ro;	/* st == ST_EXPORT after readonly */
	bool cond;	/* after && / || / | in this list */
	bool linebreak; /* after && / || / |: a newline does not end the list */
	const char *cond_why;
	bool fn_pending; /* "name()" seen: the next block is its body */
	char *lastcmd;	 /* the last command name, for "name()" */
	struct blk stk[MAX_NEST];
	int nstk;
	struct heredoc hd[MAX_HEREDOC];
	int nhd;
};

static int gd_add_barrier(struct grubdefault *gd, unsigned int file, unsigned int line,
			  const char *why)
{
	struct sh_assign a = { .file = file, .line = line, .unsure = why };
	int r;

	a.name = strdup("*");
	a.decoded = strdup("");
	if (!a.name || !a.decoded) {
		assign_free(&a);
		return -ENOMEM;
	}
	r = gd_add_assign(gd, &a);
	if (r < 0)
		assign_free(&a);
	return r;
}

static int ps_barrier(struct parser *ps, size_t at, const char *why)
{
	return gd_add_barrier(ps->gd, ps->file, line_of(ps->b, at), why);
}

/* Why an assignment made here may not be kept, NULL if it surely is. */
static const char *ps_unsure(const struct parser *ps)
{
	for (int i = ps->nstk; i-- > 0;) {
		const struct blk *k = &ps->stk[i];

		if (k->fn)
			return R_FUNC;
		if (k->kind == BLK_SUB)
			return R_SUB;
		if (k->kind != BLK_GROUP)
			return R_BLOCK;
	}
	return ps->cond ? ps->cond_why : NULL;
}

static void ps_mark_unsure(struct parser *ps, size_t from, const char *why)
{
	for (size_t i = from; i < ps->gd->na; i++)
		if (!ps->gd->a[i].unsure)
			ps->gd->a[i].unsure = why;
}

static int ps_push(struct parser *ps, enum blk_kind kind)
{
	struct blk *k;

	if (ps->nstk == MAX_NEST)
		return -EINVAL;
	k = &ps->stk[ps->nstk++];
	k->kind = kind;
	k->fn = ps->fn_pending;
	k->cond = ps->cond;
	k->cond_why = ps->cond_why;
	ps->fn_pending = false;
	if (kind != BLK_GROUP || k->fn)
		ps->depth++;
	if (kind == BLK_CASE)
		ps->case_depth++;
	return 0;
}

static int ps_pop(struct parser *ps, enum blk_kind kind)
{
	struct blk *k;

	if (ps->nstk == 0 || ps->stk[ps->nstk - 1].kind != kind)
		return -EINVAL;
	k = &ps->stk[--ps->nstk];
	if (kind != BLK_GROUP || k->fn)
		ps->depth--;
	if (kind == BLK_CASE)
		ps->case_depth--;
	ps->cond = k->cond;
	ps->cond_why = k->cond_why;
	return 0;
}

/* Does unquoted here-document text run code ($(..), `..`) or assign? */
static bool heredoc_runs_code(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\\') {
			i++;
		} else if (t[i] == '`') {
			return true;
		} else if (t[i] == '$') {
			if ((i + 1 < n && t[i + 1] == '(') || shlex_dollar_assigns(t, n, i))
				return true;
		}
	}
	return false;
}

/*
 * Skip the bodies of the here-documents of the line just ended, as dash
 * reads them: line by line up to the delimiter alone on its line (leading
 * tabs removed for <<-), an unquoted one joining lines ended by an odd
 * number of backslashes first; end of file ends the last one.
 */
static int ps_heredocs(struct parser *ps)
{
	const char *b = ps->b;
	char *lb = malloc(ps->len + 1);
	int r = 0;

	if (!lb)
		return -ENOMEM;
	for (int h = 0; h < ps->nhd && r == 0; h++) {
		const struct heredoc *hd = &ps->hd[h];

		while (ps->p < ps->len && r == 0) {
			size_t q = ps->p, n = 0, start = ps->p;

			for (;;) {
				size_t e, bs = 0;

				if (hd->strip)
					while (q < ps->len && b[q] == '\t')
						q++;
				e = q;
				while (e < ps->len && b[e] != '\n')
					e++;
				for (size_t k = e; k > q && b[k - 1] == '\\'; k--)
					bs++;
				memcpy(lb + n, b + q, e - q);
				n += e - q;
				if (!hd->quoted && bs % 2 == 1 && e < ps->len) {
					n--; /* backslash-newline: the line goes on */
					q = e + 1;
					continue;
				}
				q = e < ps->len ? e + 1 : e;
				break;
			}
			ps->p = q;
			if (n == strlen(hd->delim) && memcmp(lb, hd->delim, n) == 0)
				break;
			if (!hd->quoted && heredoc_runs_code(lb, n))
				r = ps_barrier(ps, start, R_HEREDOC);
		}
	}
	free(lb);
	return r;
}

static void ps_heredocs_clear(struct parser *ps)
{
	for (int h = 0; h < ps->nhd; h++)
		free(ps->hd[h].delim);
	ps->nhd = 0;
}

static bool str_in(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/*
 * A command name: what it does to the assignments in front of it (a special
 * builtin keeps them) and whether it may change variables itself.
 */
static int ps_command(struct parser *ps, size_t s, const struct shlex_word *ws)
{
	static const char *const keep[] = { ":", "shift", "times", "trap", NULL };
	static const char *const end[] = { "exec", "exit", "return", "break", "continue", NULL };
	static const char *const vars_special[] = { "set", "unset", NULL };
	static const char *const vars_regular[] = { "read",    "getopts", "local",   "declare",
						    "typeset", "alias",	  "unalias", "command",
						    "builtin", NULL };
	struct grubdefault *gd = ps->gd;
	bool special = false;
	const char *why = NULL;
	char *name;

	free(ps->lastcmd);
	ps->lastcmd = NULL;
	if (ws->nrefs > 0 || ws->complex) {
		why = R_CMDEXP;
		name = NULL;
	} else {
		name = malloc(ws->n + 1);
		if (!name)
			return -ENOMEM;
		for (size_t i = 0; i < ws->n; i++)
			name[i] = ws->it[i].c;
		name[ws->n] = '\0';
		if (str_in(name, keep)) {
			special = true;
		} else if (strcmp(name, ".") == 0) {
			special = true;
			why = R_SOURCE;
		} else if (strcmp(name, "source") == 0) {
			why = R_SOURCE;
		} else if (strcmp(name, "eval") == 0) {
			special = true;
			why = R_EVAL;
		} else if (str_in(name, end)) {
			special = true;
			why = R_END;
		} else if (str_in(name, vars_special)) {
			special = true;
			why = R_VARS;
		} else if (str_in(name, vars_regular)) {
			why = R_VARS;
		} else {
			for (size_t i = 0; i < gd->nfuncs && !why; i++)
				if (strcmp(gd->funcs[i], name) == 0)
					why = R_CALL;
		}
	}
	ps->lastcmd = name;
	/* Before a special builtin the assignments stay (POSIX, dash); else only the command's. */
	if (!special)
		for (size_t i = ps->stmt_first; i < gd->na; i++)
			gd->a[i].prefix = true;
	return why ? ps_barrier(ps, s, why) : 0;
}

/* name() { ... }: remember the name, its calls may assign anything. */
static int ps_function(struct parser *ps)
{
	struct grubdefault *gd = ps->gd;
	char **nf;

	ps->fn_pending = true;
	if (!ps->lastcmd)
		return 0;
	nf = realloc(gd->funcs, (gd->nfuncs + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	gd->funcs = nf;
	gd->funcs[gd->nfuncs++] = ps->lastcmd;
	ps->lastcmd = NULL;
	return 0;
}

/* "<<WORD" or "<<-WORD" at ps->p: queue the here-document for the end of the line. */
static int ps_heredoc_start(struct parser *ps, const char **what)
{
	struct shlex_word ws = { 0 };
	struct heredoc *hd;
	bool strip;
	int r;

	strip = ps->p + 2 < ps->len && ps->b[ps->p + 2] == '-';
	ps->p += strip ? 3 : 2;
	while (ps->p < ps->len && (ps->b[ps->p] == ' ' || ps->b[ps->p] == '\t'))
		ps->p++;
	*what = "here-document without a delimiter";
	if (ps->p >= ps->len || shlex_is_word_end(ps->b[ps->p]))
		return -EINVAL;
	*what = "unterminated quote in a here-document delimiter";
	r = shlex_scan_word(ps->b, ps->len, &ps->p, &ws);
	if (r == 0 && (ws.nrefs > 0 || ws.complex)) {
		*what = "here-document delimiter with $ or `; edit it by hand";
		r = -EINVAL;
	}
	if (r == 0 && ps->nhd == MAX_HEREDOC) {
		*what = "too many here-documents on one line";
		r = -EINVAL;
	}
	if (r < 0)
		goto out;
	hd = &ps->hd[ps->nhd];
	hd->delim = malloc(ws.n + 1);
	if (!hd->delim) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ws.n; i++)
		hd->delim[i] = ws.it[i].c;
	hd->delim[ws.n] = '\0';
	hd->strip = strip;
	hd->quoted = ws.quoted;
	ps->nhd++;
out:
	shlex_word_free(&ws);
	return r;
}

#define PARSE_FAIL(msg)                               \
	do {                                          \
		if (err) {                            \
			err->file = file;             \
			err->line = line_of(b, ps.p); \
			err->what = (msg);            \
		}                                     \
		r = -EINVAL;                          \
		goto out;                             \
	} while (0)

static int ps_assignment(struct parser *ps, size_t n, struct grubdefault_error *err);

int grubdefault_parse(struct grubdefault *gd, unsigned int file, const char *b, size_t len,
		      struct grubdefault_error *err)
{
	struct parser ps = { .gd = gd, .file = file, .b = b, .len = len, .st = ST_START };
	const char *what = NULL;
	int r = 0;

	ps.stmt_first = ps.cmd_first = gd->na;
	while (ps.p < len) {
		char c = b[ps.p];
		struct shlex_word ws = { 0 };
		size_t s, n;

		if (c == ' ' || c == '\t' || c == '\r') {
			ps.p++;
			continue;
		}
		if (c == '\\' && ps.p + 1 < len && b[ps.p + 1] == '\n') {
			ps.p += 2;
			continue;
		}
		if (c == '\0')
			PARSE_FAIL("NUL byte in file");
		if (c == '\n' && ps.linebreak) {
			/* "a &&<newline> b": the list goes on on the next line */
			ps.p++;
			if (ps.nhd > 0) {
				r = ps_heredocs(&ps);
				ps_heredocs_clear(&ps);
				if (r < 0)
					goto out;
			}
			continue;
		}
		if (c == '\n' || c == ';' || c == '&' || c == '|') {
			bool dbl = c != '\n' && ps.p + 1 < len && b[ps.p + 1] == c;

			ps.linebreak = (c == '|' || c == '&') && (dbl || c == '|');

			if ((c == '|' || c == '&') && !dbl) {
				/* "a | b", "a &": subshells, whatever they assign is lost or not */
				ps_mark_unsure(&ps, ps.cmd_first, R_PIPE);
				ps.cond = c == '|';
				ps.cond_why = R_PIPE;
			} else if (dbl && c != ';') {
				ps.cond = true;
				ps.cond_why = R_ANDOR;
			}
			if (c == '\n' || c == ';' || (c == '&' && !dbl)) {
				ps.cond = ps.nstk ? ps.stk[ps.nstk - 1].cond : false;
				ps.cond_why = ps.nstk ? ps.stk[ps.nstk - 1].cond_why : NULL;
				if (ps.nstk == 0)
					ps.cmd_first = gd->na;
			}
			ps.p += dbl ? 2 : 1;
			ps.st = ST_START;
			ps.stmt_first = gd->na;
			if (c == '\n' && ps.nhd > 0) {
				r = ps_heredocs(&ps);
				ps_heredocs_clear(&ps);
				if (r < 0)
					goto out;
			}
			continue;
		}
		if (c == '#') {
			while (ps.p < len && b[ps.p] != '\n')
				ps.p++;
			continue;
		}
		ps.linebreak = false;
		if (c == '(' || c == ')') {
			if (ps.case_depth > 0 && ps.stk[ps.nstk - 1].kind == BLK_CASE) {
				ps.p++;
				ps.st = ST_START;
				continue;
			}
			if (c == '(' && ps.p + 1 < len && b[ps.p + 1] == ')') {
				ps.p += 2; /* name() { ... } */
				ps.st = ST_START;
				r = ps_function(&ps);
				if (r < 0)
					goto out;
				continue;
			}
			if (c == '(' ? ps_push(&ps, BLK_SUB) < 0 : ps_pop(&ps, BLK_SUB) < 0)
				PARSE_FAIL(c == '(' ? "blocks nested too deep" : "unbalanced ')'");
			ps.p++;
			ps.st = c == '(' ? ST_START : ST_ARGS;
			ps.stmt_first = gd->na;
			continue;
		}
		if (c == '<' && ps.p + 1 < len && b[ps.p + 1] == '<') {
			r = ps_heredoc_start(&ps, &what);
			if (r == -EINVAL)
				PARSE_FAIL(what);
			if (r < 0)
				goto out;
			continue;
		}
		if (c == '<' || c == '>') {
			while (ps.p < len && (b[ps.p] == '<' || b[ps.p] == '>' || b[ps.p] == '&'))
				ps.p++;
			while (ps.p < len && (b[ps.p] == ' ' || b[ps.p] == '\t'))
				ps.p++;
			s = ps.p;
			if (ps.p < len && !shlex_is_word_end(b[ps.p]) &&
			    shlex_scan_word(b, len, &ps.p, &ws) < 0) {
				shlex_word_free(&ws);
				PARSE_FAIL("unterminated quote");
			}
			r = ws.assigns ? ps_barrier(&ps, s, R_EXPAND) : 0;
			shlex_word_free(&ws);
			if (r < 0)
				goto out;
			continue;
		}

		n = shlex_name_len(b, len, ps.p);
		if ((ps.st == ST_START || ps.st == ST_EXPORT) && n > 0 && ps.p + n < len &&
		    b[ps.p + n] == '=') {
			r = ps_assignment(&ps, n, err);
			if (r < 0)
				goto out;
			continue;
		}

		s = ps.p;
		if (shlex_scan_word(b, len, &ps.p, &ws) < 0) {
			shlex_word_free(&ws);
			PARSE_FAIL("unterminated quote or substitution");
		}
		r = ws.assigns ? ps_barrier(&ps, s, R_EXPAND) : 0;
		if (r == 0 && ps.st == ST_START) {
			static const struct {
				const char *kw;
				int kind;
				bool open;
			} blocks[] = {
				{ "if", BLK_IF, true },	     { "while", BLK_LOOP, true },
				{ "until", BLK_LOOP, true }, { "for", BLK_LOOP, true },
				{ "case", BLK_CASE, true },  { "{", BLK_GROUP, true },
				{ "fi", BLK_IF, false },     { "done", BLK_LOOP, false },
				{ "esac", BLK_CASE, false }, { "}", BLK_GROUP, false },
			};
			bool kw = false;

			for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]) && !kw; i++) {
				enum blk_kind kind = (enum blk_kind)blocks[i].kind;

				if (!word_is(b, s, ps.p, blocks[i].kw))
					continue;
				kw = true;
				if (blocks[i].open ? ps_push(&ps, kind) < 0 :
						     ps_pop(&ps, kind) < 0) {
					shlex_word_free(&ws);
					PARSE_FAIL(blocks[i].open ? "blocks nested too deep" :
								    "unbalanced block end");
				}
				/* "for x in ...", "case w in": words, then the body; after a block: its redirections */
				ps.st = !blocks[i].open || kind == BLK_CASE ||
							word_is(b, s, ps.p, "for") ?
						ST_ARGS :
						ST_START;
			}
			if (!kw && (word_is(b, s, ps.p, "then") || word_is(b, s, ps.p, "do") ||
				    word_is(b, s, ps.p, "else") || word_is(b, s, ps.p, "elif") ||
				    word_is(b, s, ps.p, "!"))) {
				kw = true;
			} else if (!kw && (word_is(b, s, ps.p, "export") ||
					   word_is(b, s, ps.p, "readonly"))) {
				/* special builtins: assignments in front of them stay too */
				kw = true;
				ps.ro = word_is(b, s, ps.p, "readonly");
				ps.st = ST_EXPORT;
			}
			if (!kw) {
				r = ps_command(&ps, s, &ws);
				ps.st = ST_ARGS;
			}
		} else if (r == 0 && ps.st == ST_EXPORT) {
			/* export NAME: no change; readonly NAME: a later assignment fails */
			if (ps.ro && b[s] != '-')
				r = ps_barrier(&ps, s, R_RO_BARE);
		} else if (r == 0 && ps.st == ST_ARGS && ps.case_depth > 0 &&
			   word_is(b, s, ps.p, "in")) {
			ps.st = ST_START; /* patterns follow: "a) cmd ;;" */
		}
		shlex_word_free(&ws);
		if (r < 0)
			goto out;
	}
	if (ps.nstk != 0) {
		ps.p = len;
		PARSE_FAIL("unterminated if/case/loop/function block");
	}
	if (ps.linebreak) {
		ps.p = len;
		PARSE_FAIL("the file ends after &&, || or |");
	}
	if (ps.nhd > 0)
		r = ps_heredocs(&ps); /* "cat <<E" on the last line, no newline */
out:
	ps_heredocs_clear(&ps);
	free(ps.lastcmd);
	return r;
}

/* NAME=value at ps->p (n: the name's length). */
static int ps_assignment(struct parser *ps, size_t n, struct grubdefault_error *err)
{
	struct grubdefault *gd = ps->gd;
	const char *b = ps->b;
	struct sh_assign a = { 0 };
	struct shlex_word ws = { 0 };
	const char *what = "unterminated quote or substitution";
	bool ro_fail = false;
	int r = 0;

	a.file = ps->file;
	a.line = line_of(b, ps->p);
	a.depth = ps->depth;
	a.exported = ps->st == ST_EXPORT;
	a.readonly = ps->st == ST_EXPORT && ps->ro;
	a.unsure = ps_unsure(ps);
	a.name = strndup(b + ps->p, n);
	if (!a.name)
		return -ENOMEM;
	for (size_t i = 0; i < gd->na && !ro_fail; i++)
		ro_fail = gd->a[i].readonly && strcmp(gd->a[i].name, a.name) == 0;
	if (ro_fail && !a.unsure)
		a.unsure = R_AFTER_RO;
	ps->p += n + 1;
	a.val_start = ps->p;
	if (ps->p < ps->len && b[ps->p] == '(') {
		what = "array assignment (not POSIX sh)";
		r = -EINVAL;
	}
	if (r == 0 && ps->p < ps->len && !shlex_is_word_end(b[ps->p]))
		r = shlex_scan_word(b, ps->len, &ps->p, &ws);
	if (r < 0) {
		free(a.name);
		shlex_word_free(&ws);
		if (r == -EINVAL && err) {
			err->file = ps->file;
			err->line = line_of(b, ps->p);
			err->what = what;
		}
		return r;
	}
	a.val_end = ps->p;
	a.complex = ws.complex;
	r = build_value(&a, &ws, b);
	a.refs = ws.refs;
	a.nrefs = ws.nrefs;
	ws.refs = NULL;
	ws.nrefs = 0;
	if (r == 0)
		r = gd_add_assign(gd, &a);
	if (r < 0)
		assign_free(&a);
	if (r == 0 && ws.assigns)
		r = gd_add_barrier(gd, ps->file, a.line, R_EXPAND);
	/* dash stops there with an error: nothing after it runs */
	if (r == 0 && ro_fail)
		r = gd_add_barrier(gd, ps->file, a.line, R_AFTER_RO);
	shlex_word_free(&ws);
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

int grubdefault_load(struct path_cxt *pc, bool dropins, struct grubdefault *ret,
		     struct grubdefault_error *err)
{
	struct grubdefault gd = { 0 };
	char **names = NULL;
	size_t nnames = 0;
	char *buf = NULL;
	size_t len;
	struct stat st;
	int r;

	r = atomicfile_read(pc, "/etc/default/grub", &buf, &len, &st);
	if (r < 0)
		return r;
	r = grubdefault_add_file(&gd, "/etc/default/grub", buf, len, err);
	free(buf);
	buf = NULL;
	if (r < 0)
		goto fail;
	gd.files[0].st = st;

	if (dropins) {
		int dfd = path_open(pc, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
				    "/etc/default/grub.d");
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
			r = atomicfile_read(pc, path, &buf, &len, &st);
			if (r == -EISDIR || r == -PATH_ENOTREG)
				continue; /* the shell's [ -e ] + . would fail too */
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
	for (size_t i = 0; i < gd->nfuncs; i++)
		free(gd->funcs[i]);
	free(gd->funcs);
	memset(gd, 0, sizeof(*gd));
}

/* The assignment in effect for name just before assignment number `before`. */
static size_t effective(const struct grubdefault *gd, const char *name, size_t before)
{
	for (size_t i = before; i-- > 0;)
		if (gd->a[i].depth == 0 && !gd->a[i].prefix && !gd->a[i].unsure &&
		    strcmp(gd->a[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

/*
 * What keeps the reader from telling name's value just before `before`, the
 * effective assignment being eff: anything that may change any variable, or
 * an assignment of name after eff that the shell may or may not run.
 * SIZE_MAX: nothing, the value is certain. err (may be NULL) gets its place.
 */
static size_t unsure_at(const struct grubdefault *gd, const char *name, size_t eff, size_t before,
			struct grubdefault_error *err)
{
	for (size_t i = 0; i < before; i++) {
		const struct sh_assign *a = &gd->a[i];

		if (strcmp(a->name, "*") != 0 &&
		    (!a->unsure || (eff != SIZE_MAX && i < eff) || strcmp(a->name, name) != 0))
			continue;
		if (err) {
			err->file = a->file;
			err->line = a->line;
			err->what = a->unsure;
		}
		return i;
	}
	return SIZE_MAX;
}

struct strbuf {
	char *s;
	size_t n, cap;
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

static const char R_COMPLEX[] =
	"value uses command substitution or a ${...} expansion; edit it by hand";

static int eval_var(const struct grubdefault *gd, const char *name, size_t before, int level,
		    struct strbuf *sb, struct grubdefault_error *err)
{
	size_t i = effective(gd, name, before);
	const char *d;

	if (unsure_at(gd, name, i, before, err) != SIZE_MAX)
		return -EINVAL;
	if (i == SIZE_MAX)
		return 0;
	if (level > EVAL_DEPTH || gd->a[i].complex) {
		if (err) {
			err->file = gd->a[i].file;
			err->line = gd->a[i].line;
			err->what = R_COMPLEX;
		}
		return -EINVAL;
	}
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
		r = eval_var(gd, ref, i, level + 1, sb, err);
		if (r < 0)
			return r;
		d = close + 1;
	}
	return 0;
}

int grubdefault_value(const struct grubdefault *gd, const char *name, char **ret,
		      struct grubdefault_error *err)
{
	struct strbuf sb = { 0 };
	size_t i = effective(gd, name, gd->na);
	int r;

	if (unsure_at(gd, name, i, gd->na, err) != SIZE_MAX)
		return -EINVAL;
	if (i == SIZE_MAX)
		return -ENOENT;
	r = eval_var(gd, name, gd->na, 0, &sb, err);
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
				err->what =
					"kernel command line variable assigned inside an if/case/loop/function block; edit it by hand";
			}
			return -EINVAL;
		}
	}
	i = effective(gd, name, before);
	if (unsure_at(gd, name, i, before, err) != SIZE_MAX)
		return -EINVAL;
	if (i == SIZE_MAX || in[i])
		return 0;
	if (level > EVAL_DEPTH || gd->a[i].complex) {
		if (err) {
			err->file = gd->a[i].file;
			err->line = gd->a[i].line;
			err->what = R_COMPLEX;
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

	r = grubdefault_value(gd, "GRUB_CMDLINE_LINUX", &a, NULL);
	if (r == -ENOENT)
		r = 0;
	if (r == 0) {
		r = grubdefault_value(gd, "GRUB_CMDLINE_LINUX_DEFAULT", &b, NULL);
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
static bool edit_reads_as_plan(const struct grubdefault *gd, char *const *bufs, const size_t *lens,
			       const struct kparams *wanted, const char *const *managed)
{
	struct grubdefault gd2 = { 0 };
	struct kparams kp = { 0 };
	char *line = NULL;
	bool ok = false;

	for (size_t f = 0; f < gd->nfiles; f++)
		if (grubdefault_add_file(&gd2, gd->files[f].path,
					 bufs[f] ? bufs[f] : gd->files[f].buf,
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

/*
 * A '"' left open swallows everything after it, the parameters we would
 * append included, into one value (kernel next_arg()): refuse up front.
 */
static int edit_check_quotes(const struct grubdefault *gd, const bool *in,
			     struct grubdefault_error *err)
{
	struct kparams kp = { 0 };
	char *line = NULL;
	int r;

	r = kernel_line(gd, &line, &kp);
	if (r == 0 && !kparams_quotes_closed(line))
		r = -EINVAL;
	free(line);
	kparams_free(&kp);
	if (r == -EINVAL)
		err_at_chain(
			gd, in,
			"a '\"' is left open on the kernel command line: the kernel would take every parameter after it as part of one value; fix it by hand",
			err);
	return r;
}

/*
 * Gather the values of the assignments in the chain into vals (vidx[k] is
 * the assignment vals[k] came from); the index in vals of var's effective
 * assignment, or SIZE_MAX.
 */
static size_t edit_collect_vals(const struct grubdefault *gd, const bool *in, const char *var,
				struct cmdvalue *vals, size_t *vidx, size_t *nvalsp)
{
	size_t teff = effective(gd, var, gd->na), target = SIZE_MAX, nvals = 0;

	for (size_t i = 0; i < gd->na; i++) {
		if (!in[i])
			continue;
		if (i == teff)
			target = nvals;
		vidx[nvals] = i;
		vals[nvals++] = gd->a[i].value; /* shallow: read only */
	}
	*nvalsp = nvals;
	return target;
}

/* No var anywhere: add an assignment of it to the main file. */
static int edits_add_assign(struct cmdedits *edits, const struct grubdefault *gd, const char *var,
			    const char *unplaced)
{
	const struct grubdefault_file *f = &gd->files[0];
	bool nl = f->len > 0 && f->buf[f->len - 1] != '\n';
	char *t;
	int r;

	if (asprintf(&t, "%s%s=\"%s\"\n", nl ? "\n" : "", var, unplaced) < 0)
		return -ENOMEM;
	r = cmdedits_add(edits, 0, f->len, f->len, t);
	free(t);
	return r;
}

/* Apply the edits file by file; bufs[f] stays NULL where file f is unchanged. */
static int edits_apply_files(const struct cmdedits *edits, const struct grubdefault *gd,
			     char **bufs, size_t *lens)
{
	int r;

	for (size_t f = 0; f < gd->nfiles; f++) {
		bool any = false;

		for (size_t k = 0; k < edits->n; k++)
			any |= edits->v[k].file == f;
		if (!any)
			continue;
		r = cmdedits_apply(edits, (unsigned int)f, gd->files[f].buf, gd->files[f].len,
				   &bufs[f], &lens[f]);
		if (r < 0)
			return r;
		if (lens[f] == gd->files[f].len &&
		    memcmp(bufs[f], gd->files[f].buf, lens[f]) == 0) {
			free(bufs[f]);
			bufs[f] = NULL;
		}
	}
	return 0;
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
	size_t nvals = 0, target, bad_val = 0, bad_word = 0;
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
	if (r == 0)
		r = edit_check_quotes(gd, in, err);
	if (r < 0)
		goto out;
	target = edit_collect_vals(gd, in, target_var, vals, vidx, &nvals);
	r = cmdedit_compute(vals, nvals, target, wanted, managed, &edits, &unplaced, &bad_val,
			    &bad_word);
	if (r == -EINVAL) {
		if (err) {
			err->file = gd->a[vidx[bad_val]].file;
			err->line = gd->a[vidx[bad_val]].line;
			err->what =
				"a managed parameter uses a shell variable or mixes quoting; edit it by hand";
		}
		goto out;
	}
	if (r == 0 && *unplaced)
		r = edits_add_assign(&edits, gd, target_var, unplaced);
	if (r == 0)
		r = edits_apply_files(&edits, gd, bufs, lens);
	if (r < 0)
		goto out;
	if (!edit_reads_as_plan(gd, bufs, lens, wanted, managed)) {
		err_at_chain(
			gd, in,
			"double quotes on the kernel command line group a managed parameter with other text, so the kernel would not read the plan; edit it by hand",
			err);
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
