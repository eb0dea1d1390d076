// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bls: BLS entries and /etc/kernel/cmdline.
 */
#include "bls.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_sp(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Split buf[s, e) into kernel command line words, appended to v. */
static int split_words(const char *buf, size_t s, size_t e, struct cmdvalue *v)
{
	size_t p = s;

	while (p < e) {
		size_t ws, we, ds, de;
		bool inq = false;
		int r;

		if (is_sp(buf[p])) {
			p++;
			continue;
		}
		ws = p;
		for (; p < e; p++) {
			if (buf[p] == '"')
				inq = !inq;
			else if (!inq && is_sp(buf[p]))
				break;
		}
		we = p;
		ds = ws;
		de = we;
		/* Remove the separator before the word (on the same line), else the one after. */
		if (ds > s && (buf[ds - 1] == ' ' || buf[ds - 1] == '\t')) {
			while (ds > s && (buf[ds - 1] == ' ' || buf[ds - 1] == '\t'))
				ds--;
		} else {
			while (de < e && (buf[de] == ' ' || buf[de] == '\t'))
				de++;
		}
		r = cmdvalue_add_word(v, buf + ws, we - ws, ws, we, ds, de, true);
		if (r < 0)
			return r;
	}
	return 0;
}

void bls_values_free(struct cmdvalue *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		cmdvalue_free(&v[i]);
	free(v);
}

/* Find the key of the line at p: returns key length; *vs = start of value. */
static size_t line_key(const char *buf, size_t p, size_t eol, size_t *vs)
{
	size_t k = p, ke;

	while (k < eol && (buf[k] == ' ' || buf[k] == '\t'))
		k++;
	ke = k;
	while (ke < eol && !is_sp(buf[ke]))
		ke++;
	*vs = ke;
	while (*vs < eol && (buf[*vs] == ' ' || buf[*vs] == '\t'))
		(*vs)++;
	return ke - k;
}

int bls_entry_values(const char *buf, size_t len, struct cmdvalue **ret, size_t *ret_n)
{
	struct cmdvalue *vals = NULL;
	size_t n = 0, p = 0;
	unsigned int line = 0;
	int r;

	while (p < len) {
		const char *nl = memchr(buf + p, '\n', len - p);
		size_t eol = nl ? (size_t)(nl - buf) : len, vs, kl, k;
		struct cmdvalue *nv, *v;

		line++;
		k = p;
		while (k < eol && (buf[k] == ' ' || buf[k] == '\t'))
			k++;
		kl = line_key(buf, p, eol, &vs);
		if (kl == 7 && memcmp(buf + k, "options", 7) == 0) {
			size_t ve = eol;

			if (ve > p && buf[ve - 1] == '\r')
				ve--;
			nv = realloc(vals, (n + 1) * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				goto fail;
			}
			vals = nv;
			v = &vals[n++];
			memset(v, 0, sizeof(*v));
			v->line = line;
			v->wrap_off = SIZE_MAX;
			v->ins_pre = "";
			v->ins_post = "";
			r = split_words(buf, vs, ve, v);
			if (r < 0)
				goto fail;
			if (v->n) {
				v->ins_off = v->w[v->n - 1].end;
			} else {
				v->ins_off = ve;
				if (vs == k + 7) /* "options" with nothing after it */
					v->ins_pre = " ";
			}
		}
		p = nl ? eol + 1 : len;
	}
	*ret = vals;
	*ret_n = n;
	return 0;
fail:
	bls_values_free(vals, n);
	return r;
}

static int edit_values(const char *buf, size_t len, struct cmdvalue *vals, size_t n,
		       const struct kparams *wanted, const char *const *managed, char **ret,
		       size_t *ret_len, const char *tail_if_none)
{
	struct cmdedits e = { 0 };
	char *unplaced = NULL, *out = NULL;
	size_t outlen;
	int r;

	r = cmdedit_compute(vals, n, n ? n - 1 : SIZE_MAX, wanted, managed, &e, &unplaced, NULL,
			    NULL);
	if (r < 0)
		return r;
	if (*unplaced) {
		char *t;

		if (asprintf(&t, "%s%s%s%s", len && buf[len - 1] != '\n' ? "\n" : "", tail_if_none,
			     unplaced, "\n") < 0) {
			r = -ENOMEM;
			goto out;
		}
		r = cmdedits_add(&e, 0, len, len, t);
		free(t);
		if (r < 0)
			goto out;
	}
	r = cmdedits_apply(&e, 0, buf, len, &out, &outlen);
	if (r < 0)
		goto out;
	if (outlen == len && memcmp(out, buf, len) == 0) {
		free(out);
		out = NULL;
		outlen = 0;
	}
	*ret = out;
	*ret_len = outlen;
out:
	free(unplaced);
	cmdedits_free(&e);
	return r;
}

/*
 * The editors cut the line into words at blanks; the kernel also groups words
 * in double quotes and reads nothing after "--". Read the result back the
 * kernel's way: -EBADMSG (and nothing returned) when it would not see the plan.
 */
static int options_foreach(const char *buf, size_t len,
			   int (*fn)(const char *v, size_t vlen, void *data), void *data);

static int quotes_closed(const char *v, size_t vlen, void *data)
{
	char *line = strndup(v, vlen);
	bool ok = line && kparams_quotes_closed(line);

	(void)data;
	free(line);
	return !line ? -ENOMEM : ok ? 0 : -EBADMSG;
}

static int check_says_plan(const char *line, const struct kparams *wanted,
			   const char *const *managed, char **ret, size_t *ret_len)
{
	if (cmdedit_line_says_plan(line, wanted, managed))
		return 0;
	free(*ret);
	*ret = NULL;
	*ret_len = 0;
	return -EBADMSG;
}

int bls_entry_edit(const char *buf, size_t len, const struct kparams *wanted,
		   const char *const *managed, char **ret, size_t *ret_len)
{
	struct cmdvalue *vals = NULL;
	char *opts = NULL;
	size_t n = 0;
	int r;

	/*
	 * The words are cut line by line, but the kernel gets the lines joined:
	 * a quote left open on one options line runs into the next, where this
	 * editor cannot follow it.
	 */
	r = options_foreach(buf, len, quotes_closed, NULL);
	if (r < 0)
		return r;
	r = bls_entry_values(buf, len, &vals, &n);
	if (r < 0)
		return r;
	r = edit_values(buf, len, vals, n, wanted, managed, ret, ret_len, "options ");
	bls_values_free(vals, n);
	if (r < 0)
		return r;
	r = bls_entry_options(*ret ? *ret : buf, *ret ? *ret_len : len, &opts);
	if (r == 0)
		r = check_says_plan(opts, wanted, managed, ret, ret_len);
	else {
		free(*ret);
		*ret = NULL;
	}
	free(opts);
	return r;
}

int kcmdline_edit(const char *buf, size_t len, const struct kparams *wanted,
		  const char *const *managed, char **ret, size_t *ret_len)
{
	struct cmdvalue v = { 0 };
	int r;

	v.wrap_off = SIZE_MAX;
	v.ins_pre = v.ins_post = "";
	r = split_words(buf, 0, len, &v);
	if (r < 0)
		goto out;
	if (v.n) {
		v.ins_off = v.w[v.n - 1].end;
	} else {
		/* empty or blank: the parameters go first, the rest (a newline) stays */
		v.ins_off = 0;
		v.ins_post = len ? "" : "\n";
	}
	r = edit_values(buf, len, &v, 1, wanted, managed, ret, ret_len, "");
	if (r == 0) {
		char *line = strndup(*ret ? *ret : buf, *ret ? *ret_len : len);

		r = line ? check_says_plan(line, wanted, managed, ret, ret_len) : -ENOMEM;
		free(line);
	}
out:
	cmdvalue_free(&v);
	return r;
}

int bls_entry_get(const char *buf, size_t len, const char *key, char **ret)
{
	size_t p = 0, klen = strlen(key);

	while (p < len) {
		const char *nl = memchr(buf + p, '\n', len - p);
		size_t eol = nl ? (size_t)(nl - buf) : len, vs, k = p, kl;

		while (k < eol && (buf[k] == ' ' || buf[k] == '\t'))
			k++;
		kl = line_key(buf, p, eol, &vs);
		if (kl == klen && memcmp(buf + k, key, klen) == 0) {
			size_t ve = eol;

			while (ve > vs && is_sp(buf[ve - 1]))
				ve--;
			*ret = strndup(buf + vs, ve - vs);
			return *ret ? 0 : -ENOMEM;
		}
		p = nl ? eol + 1 : len;
	}
	return -ENOENT;
}

/* Call fn with each non-empty "options" value, trailing blanks cut; stops at fn's error. */
static int options_foreach(const char *buf, size_t len,
			   int (*fn)(const char *v, size_t vlen, void *data), void *data)
{
	size_t p = 0;
	int r;

	while (p < len) {
		const char *nl = memchr(buf + p, '\n', len - p);
		size_t eol = nl ? (size_t)(nl - buf) : len, vs, k = p, kl;

		while (k < eol && (buf[k] == ' ' || buf[k] == '\t'))
			k++;
		kl = line_key(buf, p, eol, &vs);
		if (kl == 7 && memcmp(buf + k, "options", 7) == 0) {
			size_t ve = eol;

			while (ve > vs && is_sp(buf[ve - 1]))
				ve--;
			if (ve > vs) {
				r = fn(buf + vs, ve - vs, data);
				if (r < 0)
					return r;
			}
		}
		p = nl ? eol + 1 : len;
	}
	return 0;
}

struct joined {
	char *out;
	size_t o;
};

static int join_value(const char *v, size_t vlen, void *data)
{
	struct joined *j = data;

	if (j->o)
		j->out[j->o++] = ' ';
	memcpy(j->out + j->o, v, vlen);
	j->o += vlen;
	return 0;
}

int bls_entry_options(const char *buf, size_t len, char **ret)
{
	struct joined j = { .out = malloc(len + 1) };

	if (!j.out)
		return -ENOMEM;
	options_foreach(buf, len, join_value, &j);
	j.out[j.o] = '\0';
	*ret = j.out;
	return 0;
}

int bls_version_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			size_t la, lb;

			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			for (la = 0; isdigit((unsigned char)a[la]); la++)
				;
			for (lb = 0; isdigit((unsigned char)b[lb]); lb++)
				;
			if (la != lb)
				return la < lb ? -1 : 1;
			for (size_t i = 0; i < la; i++)
				if (a[i] != b[i])
					return a[i] < b[i] ? -1 : 1;
			a += la;
			b += lb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}
