// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmdedit: managed kernel parameters, exactly once, every other byte kept.
 */
#include "cmdedit.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmdvalue_add_word(struct cmdvalue *v, const char *text, size_t textlen, size_t start,
		      size_t end, size_t del_start, size_t del_end, bool editable)
{
	struct cmdword *w;

	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 8;
		struct cmdword *nw = realloc(v->w, ncap * sizeof(*nw));

		if (!nw)
			return -ENOMEM;
		v->w = nw;
		v->cap = ncap;
	}
	w = &v->w[v->n];
	w->text = strndup(text, textlen);
	if (!w->text)
		return -ENOMEM;
	w->start = start;
	w->end = end;
	w->del_start = del_start;
	w->del_end = del_end;
	w->editable = editable;
	v->n++;
	return 0;
}

void cmdvalue_free(struct cmdvalue *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++)
		free(v->w[i].text);
	free(v->w);
	v->w = NULL;
	v->n = v->cap = 0;
}

static bool chars_ok(const char *s, const char *extra)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (!strchr(extra, c))
			return false;
	}
	return true;
}

int cmdedit_param_check(const char *name, const char *value)
{
	if (!name || !*name || !chars_ok(name, "_-."))
		return -EINVAL;
	if (value && !chars_ok(value, "_-.,:=/+@%"))
		return -EINVAL;
	return 0;
}

int cmdedit_params_check(const struct kparams *wanted, size_t *ret_bad)
{
	for (size_t i = 0; i < wanted->n; i++) {
		if (cmdedit_param_check(wanted->v[i].name, wanted->v[i].value) < 0) {
			if (ret_bad)
				*ret_bad = i;
			return -EINVAL;
		}
	}
	return 0;
}

void cmdedit_word_name(const char *word, char *buf, size_t len)
{
	size_t n = strcspn(word, "=");

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, word, n);
	buf[n] = '\0';
}

bool cmdedit_is_managed(const char *name, const struct kparams *wanted, const char *const *managed)
{
	if (!*name)
		return false;
	for (size_t i = 0; managed && managed[i]; i++)
		if (kparam_name_eq(managed[i], name))
			return true;
	for (size_t i = 0; wanted && i < wanted->n; i++)
		if (kparam_name_eq(wanted->v[i].name, name))
			return true;
	return false;
}

int cmdedits_add(struct cmdedits *e, unsigned int file, size_t start, size_t end, const char *text)
{
	struct cmdedit *x;

	if (e->n == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 8;
		struct cmdedit *nv = realloc(e->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		e->v = nv;
		e->cap = ncap;
	}
	x = &e->v[e->n];
	x->text = strdup(text);
	if (!x->text)
		return -ENOMEM;
	x->file = file;
	x->start = start;
	x->end = end;
	e->n++;
	return 0;
}

void cmdedits_free(struct cmdedits *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].text);
	free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
}

static char *param_format(const struct kparam *p)
{
	char *s;

	if (!p->value)
		return strdup(p->name);
	if (asprintf(&s, "%s=%s", p->name, p->value) < 0)
		return NULL;
	return s;
}

/* Append " <param>" (or "<param>" first) to a growing string. */
static int str_append_param(char **s, size_t *len, const struct kparam *p)
{
	char *f = param_format(p), *ns;
	size_t fl;

	if (!f)
		return -ENOMEM;
	fl = strlen(f);
	ns = realloc(*s, *len + fl + 2);
	if (!ns) {
		free(f);
		return -ENOMEM;
	}
	if (*len)
		ns[(*len)++] = ' ';
	memcpy(ns + *len, f, fl + 1);
	*len += fl;
	*s = ns;
	free(f);
	return 0;
}

/* "--", also as next_arg() sees it with its quotes stripped ("\"--\"", "\"--"). */
static bool word_is_dashes(const char *t)
{
	if (*t == '"')
		t++;
	return strncmp(t, "--", 2) == 0 && (!t[2] || (t[2] == '"' && !t[3]));
}

/* The wanted parameter named name (the last, as the kernel reads it), or SIZE_MAX. */
static size_t wanted_last_index(const struct kparams *wanted, const char *name)
{
	for (size_t k = wanted->n; k-- > 0;)
		if (kparam_name_eq(wanted->v[k].name, name))
			return k;
	return SIZE_MAX;
}

/*
 * Edit the managed words of every value: the target value's word for a
 * wanted parameter is rewritten in place (placed[] marks it), every other
 * managed word is deleted. -EINVAL, with the word's indices, for a managed
 * word that cannot be edited or a bare "--".
 */
static int vals_plan(const struct cmdvalue *vals, size_t nvals, size_t target,
		     const struct kparams *wanted, const char *const *managed, struct cmdedits *e,
		     bool *placed, size_t *ret_bad_val, size_t *ret_bad_word)
{
	int r;

	for (size_t vi = 0; vi < nvals; vi++) {
		const struct cmdvalue *v = &vals[vi];

		for (size_t wi = 0; wi < v->n; wi++) {
			const struct cmdword *w = &v->w[wi];
			char name[256];
			size_t pi;

			cmdedit_word_name(w->text, name, sizeof(name));
			/*
			 * After a bare "--" the words are init's (parse_args() stops
			 * there): a parameter found or added after it would never
			 * reach the kernel. Refuse rather than guess where it ends.
			 */
			if (word_is_dashes(w->text) ||
			    (cmdedit_is_managed(name, wanted, managed) && !w->editable)) {
				if (ret_bad_val)
					*ret_bad_val = vi;
				if (ret_bad_word)
					*ret_bad_word = wi;
				return -EINVAL;
			}
			if (!cmdedit_is_managed(name, wanted, managed))
				continue;
			pi = wanted_last_index(wanted, name);
			if (vi == target && pi != SIZE_MAX && !placed[pi]) {
				char *f = param_format(&wanted->v[pi]);

				if (!f)
					return -ENOMEM;
				placed[pi] = true;
				if (strcmp(f, w->text) != 0 || w->end - w->start != strlen(f))
					r = cmdedits_add(e, v->file, w->start, w->end, f);
				else
					r = 0;
				free(f);
				if (r < 0)
					return r;
				continue;
			}
			r = cmdedits_add(e, v->file, w->del_start, w->del_end, "");
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Append the wanted parameters not placed in a value to *add. */
static int wanted_collect_unplaced(const struct kparams *wanted, const bool *placed, char **add,
				   size_t *addlen)
{
	int r;

	for (size_t k = 0; k < wanted->n; k++) {
		bool later = false;

		if (placed[k])
			continue;
		/* A name given twice in wanted: only the last counts. */
		for (size_t j = k + 1; j < wanted->n; j++)
			if (kparam_name_eq(wanted->v[j].name, wanted->v[k].name))
				later = true;
		if (later)
			continue;
		r = str_append_param(add, addlen, &wanted->v[k]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Whether some word of v stays in front of the text appended, i.e. is not deleted by e. */
static bool value_keeps_word(const struct cmdvalue *v, const struct cmdedits *e)
{
	bool sep = false;

	for (size_t wi = 0; wi < v->n && !sep; wi++) {
		bool deleted = false;

		for (size_t k = 0; k < e->n; k++)
			if (e->v[k].file == v->file && e->v[k].start == v->w[wi].del_start &&
			    e->v[k].end == v->w[wi].del_end && !*e->v[k].text)
				deleted = true;
		sep = !deleted;
	}
	return sep;
}

/* Append add at v's insertion point, quoting the value first if it needs it. */
static int value_append(struct cmdedits *e, const struct cmdvalue *v, const char *add)
{
	/* A separator when some word of the value stays in front. */
	bool sep = value_keeps_word(v, e);
	char *t;
	int r;

	if (asprintf(&t, "%s%s%s%s", v->ins_pre, sep ? " " : "", add, v->ins_post) < 0)
		return -ENOMEM;
	if (v->wrap_off != SIZE_MAX) {
		r = cmdedits_add(e, v->file, v->wrap_off, v->wrap_off, "\"");
		if (r < 0) {
			free(t);
			return r;
		}
	}
	r = cmdedits_add(e, v->file, v->ins_off, v->ins_off, t);
	free(t);
	return r;
}

int cmdedit_compute(const struct cmdvalue *vals, size_t nvals, size_t target,
		    const struct kparams *wanted, const char *const *managed, struct cmdedits *ret,
		    char **ret_unplaced, size_t *ret_bad_val, size_t *ret_bad_word)
{
	struct cmdedits e = { 0 };
	bool *placed = NULL;
	char *add = NULL;
	size_t addlen = 0;
	int r = -ENOMEM;

	placed = calloc(wanted->n + 1, sizeof(*placed));
	if (!placed)
		goto fail;

	r = vals_plan(vals, nvals, target, wanted, managed, &e, placed, ret_bad_val, ret_bad_word);
	if (r == 0)
		r = wanted_collect_unplaced(wanted, placed, &add, &addlen);
	if (r < 0)
		goto fail;

	if (target < nvals) {
		if (addlen) {
			r = value_append(&e, &vals[target], add);
			if (r < 0)
				goto fail;
		}
		free(add);
		add = NULL;
	} else if (!ret_unplaced) {
		r = -EINVAL;
		goto fail;
	}
	if (ret_unplaced) {
		*ret_unplaced = add ? add : strdup("");
		if (!*ret_unplaced) {
			r = -ENOMEM;
			goto fail;
		}
		add = NULL;
	}
	free(placed);
	*ret = e;
	return 0;
fail:
	free(add);
	free(placed);
	cmdedits_free(&e);
	return r;
}

static int edit_cmp(const void *a, const void *b)
{
	const struct cmdedit *x = *(const struct cmdedit *const *)a;
	const struct cmdedit *y = *(const struct cmdedit *const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

int cmdedits_apply(const struct cmdedits *e, unsigned int file, const char *buf, size_t len,
		   char **ret, size_t *ret_len)
{
	const struct cmdedit **list = NULL;
	size_t n = 0, cap = len + 1, o = 0, pos = 0;
	char *out = NULL;
	int r = -ENOMEM;

	list = calloc(e->n + 1, sizeof(*list)); /* NOLINT(bugprone-sizeof-expression): pointers */
	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < e->n; i++) {
		if (e->v[i].file != file)
			continue;
		if (e->v[i].start > e->v[i].end || e->v[i].end > len) {
			r = -EINVAL;
			goto out;
		}
		list[n++] = &e->v[i];
		cap += strlen(e->v[i].text);
	}
	qsort(list, n, sizeof(*list), edit_cmp); /* NOLINT(bugprone-sizeof-expression): pointers */
	out = malloc(cap);
	if (!out)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct cmdedit *x = list[i];
		size_t start = x->start;

		if (start < pos) {
			/* Only two deletions may overlap (a shared separator). */
			if (*x->text || i == 0 || *list[i - 1]->text) {
				r = -EINVAL;
				goto out;
			}
			start = pos;
			if (x->end < pos)
				continue;
		}
		memcpy(out + o, buf + pos, start - pos);
		o += start - pos;
		o = (size_t)(stpcpy(out + o, x->text) - out);
		pos = x->end;
	}
	memcpy(out + o, buf + pos, len - pos);
	o += len - pos;
	out[o] = '\0';
	*ret = out;
	*ret_len = o;
	out = NULL;
	r = 0;
out:
	free(out);
	free(list);
	return r;
}

bool cmdedit_line_says_plan(const char *line, const struct kparams *wanted,
			    const char *const *managed)
{
	struct kparams kp = { 0 };
	bool ok = false;

	if (!line || !kparams_quotes_closed(line) || kparams_parse(line, &kp) < 0)
		goto out;
	for (size_t i = 0; managed && managed[i]; i++)
		if (!kparams_has(wanted, managed[i]) && kparams_count(&kp, managed[i]) != 0)
			goto out;
	for (size_t i = 0; i < wanted->n; i++) {
		const char *want = kparams_get(wanted, wanted->v[i].name);
		const char *got = kparams_get(&kp, wanted->v[i].name);

		if (kparams_count(&kp, wanted->v[i].name) != 1 || !want != !got ||
		    (want && strcmp(want, got) != 0))
			goto out;
	}
	ok = true;
out:
	kparams_free(&kp);
	return ok;
}
