// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udiff: longest common subsequence of lines (after trimming the common head
 * and tail), printed as unified diff hunks.
 */
#include "udiff.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT 3
#define DP_MAX_CELLS (32U << 20)

struct line {
	const char *s;
	size_t len; /* without the '\n' */
	bool nl;    /* ends with '\n' */
};

static int split(const char *buf, size_t len, struct line **ret, size_t *ret_n)
{
	struct line *v;
	size_t n = 0, p = 0;

	v = calloc(len + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (buf && p < len) {
		const char *nl = memchr(buf + p, '\n', len - p);
		size_t e = nl ? (size_t)(nl - buf) : len;

		v[n++] = (struct line){ .s = buf + p, .len = e - p, .nl = nl != NULL };
		p = nl ? e + 1 : len;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static bool line_eq(const struct line *a, const struct line *b)
{
	return a->len == b->len && a->nl == b->nl && memcmp(a->s, b->s, a->len) == 0;
}

/* ops: ' ' keep (a and b advance), '-' (a advances), '+' (b advances) */
static int script(const struct line *a, size_t n, const struct line *b, size_t m, char **ret,
		  size_t *ret_len)
{
	size_t pre = 0, suf = 0, mn, mm, k = 0;
	uint32_t *dp = NULL;
	char *ops;

	while (pre < n && pre < m && line_eq(&a[pre], &b[pre]))
		pre++;
	while (suf < n - pre && suf < m - pre && line_eq(&a[n - 1 - suf], &b[m - 1 - suf]))
		suf++;
	mn = n - pre - suf;
	mm = m - pre - suf;
	ops = malloc(n + m + 1);
	if (!ops)
		return -ENOMEM;
	memset(ops, ' ', pre);
	k = pre;
	if ((mn + 1) * (mm + 1) <= DP_MAX_CELLS)
		dp = calloc((mn + 1) * (mm + 1), sizeof(*dp));
	if (dp) {
		const struct line *A = a + pre, *B = b + pre;
		size_t i = 0, j = 0, w = mm + 1;

		/* dp[i][j] = LCS length of A[i..] and B[j..] */
		for (size_t ii = mn; ii-- > 0;)
			for (size_t jj = mm; jj-- > 0;)
				dp[ii * w + jj] =
					line_eq(&A[ii], &B[jj]) ?
						dp[(ii + 1) * w + jj + 1] + 1 :
						(dp[(ii + 1) * w + jj] > dp[ii * w + jj + 1] ?
							 dp[(ii + 1) * w + jj] :
							 dp[ii * w + jj + 1]);
		while (i < mn || j < mm) {
			if (i < mn && j < mm && line_eq(&A[i], &B[j])) {
				ops[k++] = ' ';
				i++;
				j++;
			} else if (j >= mm ||
				   (i < mn && dp[(i + 1) * w + j] >= dp[i * w + j + 1])) {
				ops[k++] = '-';
				i++;
			} else {
				ops[k++] = '+';
				j++;
			}
		}
		free(dp);
	} else {
		memset(ops + k, '-', mn);
		k += mn;
		memset(ops + k, '+', mm);
		k += mm;
	}
	memset(ops + k, ' ', suf);
	k += suf;
	*ret = ops;
	*ret_len = k;
	return 0;
}

static void put_line(FILE *f, char tag, const struct line *l)
{
	fputc(tag, f);
	fwrite(l->s, 1, l->len, f);
	fputc('\n', f);
	if (!l->nl)
		fputs("\\ No newline at end of file\n", f);
}

/*
 * Print the hunk whose first change is ops[k], with CONTEXT kept lines
 * around it and any change at most 2*CONTEXT kept lines on; returns the
 * index just past it.
 */
static size_t hunk_put(FILE *f, const char *ops, size_t nops, size_t k, const struct line *la,
		       const struct line *lb)
{
	size_t hs, he, ai = 0, bi = 0, an = 0, bn = 0, last;

	hs = k >= CONTEXT ? k - CONTEXT : 0;
	/* extend over changes separated by at most 2*CONTEXT kept lines */
	last = k;
	for (size_t j = k; j < nops; j++) {
		if (ops[j] != ' ') {
			last = j;
		} else if (j - last > 2 * CONTEXT) {
			break;
		}
	}
	he = last + 1 + CONTEXT < nops ? last + 1 + CONTEXT : nops;
	for (size_t j = 0; j < hs; j++) {
		ai += ops[j] != '+';
		bi += ops[j] != '-';
	}
	for (size_t j = hs; j < he; j++) {
		an += ops[j] != '+';
		bn += ops[j] != '-';
	}
	fprintf(f, "@@ -%zu", an ? ai + 1 : ai);
	if (an != 1)
		fprintf(f, ",%zu", an);
	fprintf(f, " +%zu", bn ? bi + 1 : bi);
	if (bn != 1)
		fprintf(f, ",%zu", bn);
	fputs(" @@\n", f);
	for (size_t j = hs; j < he; j++) {
		if (ops[j] == ' ') {
			put_line(f, ' ', &la[ai]);
			ai++;
			bi++;
		} else if (ops[j] == '-') {
			put_line(f, '-', &la[ai++]);
		} else {
			put_line(f, '+', &lb[bi++]);
		}
	}
	return he;
}

int udiff_format(const char *label_a, const char *a, size_t alen, const char *label_b,
		 const char *b, size_t blen, char **ret)
{
	struct line *la = NULL, *lb = NULL;
	size_t n = 0, m = 0, nops = 0, sz = 0;
	char *ops = NULL, *out = NULL;
	FILE *f = NULL;
	int r;

	r = split(a, alen, &la, &n);
	if (r == 0)
		r = split(b, blen, &lb, &m);
	if (r == 0)
		r = script(la, n, lb, m, &ops, &nops);
	if (r < 0)
		goto out;
	f = open_memstream(&out, &sz);
	if (!f) {
		r = -ENOMEM;
		goto out;
	}
	if (nops && (memchr(ops, '-', nops) || memchr(ops, '+', nops))) {
		size_t k = 0;

		fprintf(f, "--- %s\n+++ %s\n", a ? label_a : "/dev/null",
			b ? label_b : "/dev/null");
		while (k < nops) {
			/* next change */
			while (k < nops && ops[k] == ' ')
				k++;
			if (k >= nops)
				break;
			k = hunk_put(f, ops, nops, k, la, lb);
		}
	}
	if (fclose(f) != 0) {
		f = NULL;
		r = -ENOMEM;
		goto out;
	}
	f = NULL;
	*ret = out;
	out = NULL;
	r = 0;
out:
	free(out);
	free(ops);
	free(la);
	free(lb);
	return r;
}
