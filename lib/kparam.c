// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kparam: kernel command line parameters.
 */
#include "kparam.h"
#include "pathnames.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * The kernel's character classes (lib/ctype.c, Latin-1 whatever the locale),
 * not the C library's, which follow LC_CTYPE: next_arg() and skip_spaces()
 * split at 0xa0 (no-break space) too, and isolcpus='s flag parser takes the
 * Latin-1 letters (0xc0-0xff but 0xd7 and 0xf7) for letters.
 */
bool kparam_isspace(int c)
{
	unsigned char u = (unsigned char)c;

	return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xa0;
}

static bool kernel_isalpha(char c)
{
	unsigned char u = (unsigned char)c;

	return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
	       (u >= 0xc0 && u != 0xd7 && u != 0xf7);
}

bool kparam_name_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		char ca = *a == '-' ? '_' : *a;
		char cb = *b == '-' ? '_' : *b;

		if (ca != cb)
			return false;
		if (!ca)
			return true;
	}
}

void kparams_free(struct kparams *kp)
{
	if (!kp)
		return;
	for (size_t i = 0; i < kp->n; i++) {
		free(kp->v[i].name);
		free(kp->v[i].value);
	}
	free(kp->v);
	kp->v = NULL;
	kp->n = kp->cap = 0;
}

static int kparams_reserve(struct kparams *kp)
{
	struct kparam *nv;
	size_t ncap;

	if (kp->n < kp->cap)
		return 0;
	ncap = kp->cap ? kp->cap * 2 : 16;
	nv = realloc(kp->v, ncap * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	kp->v = nv;
	kp->cap = ncap;
	return 0;
}

static int kparams_append_n(struct kparams *kp, const char *name, size_t nlen, const char *value,
			    size_t vlen)
{
	struct kparam *p;

	if (kparams_reserve(kp) < 0)
		return -ENOMEM;
	p = &kp->v[kp->n];
	p->name = strndup(name, nlen);
	p->value = value ? strndup(value, vlen) : NULL;
	if (!p->name || (value && !p->value)) {
		free(p->name);
		free(p->value);
		return -ENOMEM;
	}
	kp->n++;
	return 0;
}

/*
 * The kernel's parse_args() stops at a bare "--": what follows goes to init as
 * its arguments and environment, and is no kernel parameter. Lookups and edits
 * only see the parameters before it; the rest is kept as it is.
 */
static size_t kparams_end(const struct kparams *kp)
{
	for (size_t i = 0; i < kp->n; i++)
		if (!kp->v[i].value && strcmp(kp->v[i].name, "--") == 0)
			return i;
	return kp->n;
}

int kparams_append(struct kparams *kp, const char *name, const char *value)
{
	size_t end = kparams_end(kp);
	struct kparam p;
	int r;

	r = kparams_append_n(kp, name, strlen(name), value, value ? strlen(value) : 0);
	if (r < 0 || end == kp->n - 1)
		return r;
	/* Before the "--", or the kernel never sees it. */
	p = kp->v[kp->n - 1];
	memmove(&kp->v[end + 1], &kp->v[end], (kp->n - 1 - end) * sizeof(kp->v[0]));
	kp->v[end] = p;
	return 0;
}

/*
 * One argument, exactly as the kernel's next_arg() (kernel/params.c) splits it:
 * a double quote toggles "in quotes" so whitespace inside does not split; the
 * name ends at the first '=' that is not the arg's first byte; a value that
 * starts with a quote loses it and the arg's last byte if that is a quote; an
 * arg that starts with a quote loses it and (if not already done) the last
 * quote. Quotes elsewhere stay: foo=a"b c"d is one value, a"b c"d.
 */
static int kparams_parse_one(struct kparams *kp, const char **pp)
{
	const char *args = *pp;
	size_t i, end, equals = 0;
	bool in_quote = false, quoted = false, stripped = false;
	int r;

	if (*args == '"') {
		args++;
		in_quote = quoted = true;
	}
	for (i = 0; args[i]; i++) {
		if (kparam_isspace(args[i]) && !in_quote)
			break;
		if (equals == 0 && args[i] == '=')
			equals = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	end = i;
	*pp = args + i;
	if (equals) {
		size_t vstart = equals + 1, vlen;

		if (args[vstart] == '"') {
			vstart++;
			if (args[end - 1] == '"') {
				end--;
				stripped = true;
			}
		}
		if (quoted && !stripped && end > vstart && args[end - 1] == '"')
			end--;
		vlen = end > vstart ? end - vstart : 0;
		r = kparams_append_n(kp, args, equals, args + vstart, vlen);
	} else {
		if (quoted && end > 0 && args[end - 1] == '"')
			end--;
		r = kparams_append_n(kp, args, end, NULL, 0);
	}
	return r;
}

int kparams_parse(const char *cmdline, struct kparams *ret)
{
	struct kparams kp = { 0 };
	const char *p = cmdline;

	while (p && *p) {
		int r;

		while (kparam_isspace(*p))
			p++;
		if (!*p)
			break;
		r = kparams_parse_one(&kp, &p);
		if (r < 0) {
			kparams_free(&kp);
			return r;
		}
	}
	*ret = kp;
	return 0;
}

bool kparams_quotes_closed(const char *cmdline)
{
	bool in_quote = false;

	/*
	 * next_arg() toggles on every '"' and ends an argument only at a space
	 * outside quotes, so the line ends inside quotes exactly when it holds
	 * an odd number of them (a leading quote is skipped, but counted as
	 * opening).
	 */
	for (const char *c = cmdline; c && *c; c++)
		if (*c == '"')
			in_quote = !in_quote;
	return !in_quote;
}

int kparams_read(struct path_cxt *pc, struct kparams *ret)
{
	char *s = NULL;
	int r = path_read_str(pc, &s, PATH_PROC_CMDLINE);

	if (r < 0)
		return r;
	r = kparams_parse(s, ret);
	free(s);
	return r;
}

const struct kparam *kparams_find(const struct kparams *kp, const char *name)
{
	for (size_t i = kparams_end(kp); i-- > 0;)
		if (kparam_name_eq(kp->v[i].name, name))
			return &kp->v[i];
	return NULL;
}

const char *kparams_get(const struct kparams *kp, const char *name)
{
	const struct kparam *p = kparams_find(kp, name);

	return p ? p->value : NULL;
}

bool kparams_has(const struct kparams *kp, const char *name)
{
	return kparams_find(kp, name) != NULL;
}

size_t kparams_count(const struct kparams *kp, const char *name)
{
	size_t n = 0, end = kparams_end(kp);

	for (size_t i = 0; i < end; i++)
		n += kparam_name_eq(kp->v[i].name, name);
	return n;
}

size_t kparams_remove(struct kparams *kp, const char *name)
{
	size_t o = 0, removed = 0, end = kparams_end(kp);

	for (size_t i = 0; i < kp->n; i++) {
		if (i < end && kparam_name_eq(kp->v[i].name, name)) {
			free(kp->v[i].name);
			free(kp->v[i].value);
			removed++;
			continue;
		}
		kp->v[o++] = kp->v[i];
	}
	kp->n = o;
	return removed;
}

int kparams_set(struct kparams *kp, const char *name, const char *value)
{
	size_t end = kparams_end(kp);

	for (size_t i = 0; i < end; i++) {
		char *nv;

		if (!kparam_name_eq(kp->v[i].name, name))
			continue;
		nv = value ? strdup(value) : NULL;
		if (value && !nv)
			return -ENOMEM;
		free(kp->v[i].value);
		kp->v[i].value = nv;
		/* Drop later duplicates (before any "--"), keep this place. */
		for (size_t j = end; j-- > i + 1;) {
			if (kparam_name_eq(kp->v[j].name, name)) {
				free(kp->v[j].name);
				free(kp->v[j].value);
				memmove(&kp->v[j], &kp->v[j + 1],
					(kp->n - j - 1) * sizeof(kp->v[0]));
				kp->n--;
			}
		}
		return 0;
	}
	return kparams_append(kp, name, value);
}

char *kparams_format(const struct kparams *kp)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < kp->n; i++)
		len += strlen(kp->v[i].name) + (kp->v[i].value ? strlen(kp->v[i].value) + 3 : 0) +
		       1;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	*p = '\0';
	for (size_t i = 0; i < kp->n; i++) {
		const char *v = kp->v[i].value;

		if (i)
			*p++ = ' ';
		p = stpcpy(p, kp->v[i].name);
		if (v) {
			/* Whitespace, or a leading quote next_arg() would strip. */
			bool q = *v == '"';

			for (const char *c = v; *c && !q; c++)
				q = kparam_isspace(*c);

			*p++ = '=';
			if (q)
				*p++ = '"';
			p = stpcpy(p, v);
			if (q)
				*p++ = '"';
		}
		*p = '\0';
	}
	return s;
}

int isolcpus_parse(const char *value, unsigned int nbits, struct isolcpus *ret)
{
	static const struct {
		const char *word;
		unsigned int flag;
	} flags[] = {
		{ "nohz,", ISOL_FLAG_NOHZ },
		{ "domain,", ISOL_FLAG_DOMAIN },
		{ "managed_irq,", ISOL_FLAG_MANAGED_IRQ },
	};
	struct isolcpus iso = { 0 };
	const char *s = value;
	int r;

	if (!value)
		return -EINVAL;
	while (kernel_isalpha(*s)) {
		bool known = false;
		bool illegal = false;

		for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			size_t n = strlen(flags[i].word);

			if (strncmp(s, flags[i].word, n) == 0) {
				s += n;
				iso.flags |= flags[i].flag;
				known = true;
				break;
			}
		}
		if (known)
			continue;
		/* Unknown word: letters and '_' only, else the whole parameter is ignored. */
		for (; *s && *s != ','; s++)
			if (!kernel_isalpha(*s) && *s != '_')
				illegal = true;
		if (illegal)
			return -EINVAL;
		iso.unknown_flags++;
		if (*s)
			s++;
	}
	iso.flags_given = iso.flags != 0;
	if (!iso.flags)
		iso.flags = ISOL_FLAG_DOMAIN;
	r = cpuset_parse_list(s, nbits, &iso.cpus);
	if (r < 0)
		return r;
	*ret = iso;
	return 0;
}

const char *isolcpus_flags_str(unsigned int f)
{
	static const char *const names[8] = {
		"",
		"nohz",
		"domain",
		"nohz,domain",
		"managed_irq",
		"nohz,managed_irq",
		"domain,managed_irq",
		"nohz,domain,managed_irq",
	};

	return names[f & 7];
}
