// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * irqrecord: /run/quietcore/immovable-irqs, early-pin's word to isol-verify
 * about the IRQs the kernel refused to move.
 */
#include "irqrecord.h"
#include "pathnames.h"

#include "isolation.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"

#define IRQRECORD_FILE_MAX (16U << 20) /* about 60,000 IRQs with long names */
#define LINE_MAX_LEN (IRQRECORD_ACTIONS_MAX + 64)

void irqrecord_free(struct irqrecord *rec)
{
	if (!rec)
		return;
	free(rec->v);
	memset(rec, 0, sizeof(*rec));
}

const char *irqrecord_errname(int err)
{
	switch (err < 0 ? -err : err) {
	case EIO:
		return "EIO";
	case EPERM:
		return "EPERM";
	default:
		return NULL;
	}
}

static int errno_from_name(const char *name)
{
	if (strcmp(name, "EIO") == 0)
		return EIO;
	if (strcmp(name, "EPERM") == 0)
		return EPERM;
	return 0;
}

/* Position of irq in rec->v, or where it would go. */
static size_t irqrecord_slot(const struct irqrecord *rec, unsigned int irq)
{
	size_t lo = 0, hi = rec->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rec->v[mid].irq < irq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct irqrecord_irq *irqrecord_find(const struct irqrecord *rec, unsigned int irq)
{
	size_t i = irqrecord_slot(rec, irq);

	return i < rec->n && rec->v[i].irq == irq ? &rec->v[i] : NULL;
}

int irqrecord_add(struct irqrecord *rec, unsigned int irq, int err, const char *actions)
{
	struct irqrecord_irq *e;
	size_t i;

	if (!irqrecord_errname(err))
		return -EINVAL;
	i = irqrecord_slot(rec, irq);
	if (i == rec->n || rec->v[i].irq != irq) {
		if (rec->n == rec->cap) {
			size_t cap = rec->cap ? rec->cap * 2 : 16;
			struct irqrecord_irq *v = realloc(rec->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			rec->v = v;
			rec->cap = cap;
		}
		memmove(rec->v + i + 1, rec->v + i, (rec->n - i) * sizeof(*rec->v));
		rec->n++;
	}
	e = &rec->v[i];
	memset(e, 0, sizeof(*e));
	e->irq = irq;
	e->err = err < 0 ? -err : err;
	if (actions) {
		size_t k;

		for (k = 0; k < sizeof(e->actions) - 1 && actions[k]; k++) {
			unsigned char c = (unsigned char)actions[k];

			e->actions[k] = c < 0x20 || c == 0x7f ? '?' : (char)c;
		}
		e->actions[k] = '\0';
	}
	return 0;
}

int irqrecord_format(const struct irqrecord *rec, char **ret, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	bool ok;

	if (!isolation_boot_id_valid(rec->boot_id))
		return -EINVAL;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "%s %d\nboot_id %s\n", IRQRECORD_MAGIC, IRQRECORD_VERSION, rec->boot_id);
	for (size_t i = 0; i < rec->n; i++) {
		const struct irqrecord_irq *e = &rec->v[i];
		const char *name = irqrecord_errname(e->err);

		fprintf(f, "irq %u %s%s%s\n", e->irq, name ? name : "EIO", e->actions[0] ? " " : "",
			e->actions);
	}
	fprintf(f, "end %zu\n", rec->n);
	ok = !ferror(f);
	if (fclose(f) != 0 || !ok || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* A canonical decimal number: digits only, no sign, no leading zero. */
static int parse_canonical_u32(const char *s, uint32_t *ret)
{
	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
	return parse_u32(s, ret);
}

static int parse_irq_line(char *line, struct irqrecord *rec)
{
	char *num = line + 4, *name, *actions = NULL, *sp;
	uint32_t irq;
	int err;

	sp = strchr(num, ' ');
	if (!sp)
		return -EINVAL;
	*sp = '\0';
	name = sp + 1;
	sp = strchr(name, ' ');
	if (sp) {
		*sp = '\0';
		actions = sp + 1;
		if (!*actions)
			return -EINVAL;
	}
	if (parse_canonical_u32(num, &irq) < 0)
		return -EINVAL;
	err = errno_from_name(name);
	if (!err)
		return -EINVAL;
	if (actions && strlen(actions) >= IRQRECORD_ACTIONS_MAX)
		return -EINVAL;
	/* ascending: no duplicates, and the file says the same thing whoever reads it */
	if (rec->n && rec->v[rec->n - 1].irq >= irq)
		return -EINVAL;
	return irqrecord_add(rec, irq, err, actions);
}

/* A bad first line: damaged if it starts like a record (or a prefix of one), else foreign. */
static int first_line_error(const char *p, size_t n)
{
	static const char magic[] = IRQRECORD_MAGIC " ";
	size_t m = n < sizeof(magic) - 1 ? n : sizeof(magic) - 1;

	return n && memcmp(p, magic, m) == 0 ? -EBADMSG : -EMEDIUMTYPE;
}

/* One line (control characters already refused); sets *ended on "end". */
static int parse_line(unsigned int lineno, char *line, size_t n, struct irqrecord *rec, bool *ended)
{
	uint32_t v;
	int r;

	if (lineno == 1) {
		if (strncmp(line, IRQRECORD_MAGIC " ", sizeof(IRQRECORD_MAGIC)) != 0)
			return first_line_error(line, n);
		if (parse_canonical_u32(line + sizeof(IRQRECORD_MAGIC), &v) < 0)
			return -EBADMSG;
		return v != IRQRECORD_VERSION ? -EPROTONOSUPPORT : 0;
	}
	if (lineno == 2) {
		if (strncmp(line, "boot_id ", 8) != 0 || !isolation_boot_id_valid(line + 8))
			return -EBADMSG;
		strcpy(rec->boot_id, line + 8);
		return 0;
	}
	if (strncmp(line, "irq ", 4) == 0) {
		r = parse_irq_line(line, rec);
		if (r == -ENOMEM)
			return r;
		return r < 0 ? -EBADMSG : 0;
	}
	if (strncmp(line, "end ", 4) == 0) {
		if (parse_canonical_u32(line + 4, &v) < 0 || v != rec->n)
			return -EBADMSG;
		*ended = true;
		return 0;
	}
	return -EBADMSG;
}

int irqrecord_parse(const char *buf, size_t len, struct irqrecord *ret, unsigned int *ret_line)
{
	struct irqrecord rec = { 0 };
	const char *p = buf, *end = buf + len;
	unsigned int lineno = 0;
	bool ended = false;
	int r = 0;

	if (ret_line)
		*ret_line = 0;
	while (p < end) {
		char line[LINE_MAX_LEN + 1];
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		lineno++;
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (!nl || ended || n > LINE_MAX_LEN) {
			/* no final newline, text after "end", a line no writer makes */
			r = lineno == 1 ? first_line_error(p, n) : -EBADMSG;
			goto out;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)line[i];

			if (c < 0x20 || c == 0x7f) { /* NUL, CR, tab, ... */
				r = lineno == 1 ? first_line_error(line, n) : -EBADMSG;
				goto out;
			}
		}
		r = parse_line(lineno, line, n, &rec, &ended);
		if (r < 0)
			goto out;
	}
	if (!ended) {
		/* empty, or cut short: a truncated record must not pass for a shorter one */
		lineno = lineno ? lineno + 1 : 1;
		r = -EBADMSG;
		goto out;
	}
	*ret = rec;
	return 0;
out:
	if (ret_line && r == -EBADMSG)
		*ret_line = lineno;
	irqrecord_free(&rec);
	return r;
}

int irqrecord_read(struct path_cxt *pc, struct irqrecord *ret, unsigned int *ret_line)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (ret_line)
		*ret_line = 0;
	r = path_read_all(pc, IRQRECORD_FILE_MAX, &buf, &len, IRQRECORD_PATH);
	if (r < 0)
		return r;
	if (!buf) /* not reached: set on success (for the analyzer) */
		return -ENOMEM;
	r = irqrecord_parse(buf, len, ret, ret_line);
	free(buf);
	return r;
}

int irqrecord_write(struct path_cxt *pc, const struct irqrecord *rec, bool *ret_changed)
{
	struct stat like = { .st_mode = S_IFREG | 0644 };
	char *text = NULL, *cur = NULL;
	size_t len = 0, curlen = 0;
	int r;

	path_get(pc, IRQRECORD_PATH); /* for the caller's message */
	r = irqrecord_format(rec, &text, &len);
	if (r < 0)
		return r;
	if (path_read_all(pc, IRQRECORD_FILE_MAX, &cur, &curlen, IRQRECORD_PATH) == 0 && cur &&
	    curlen == len && memcmp(cur, text, len) == 0) {
		if (ret_changed)
			*ret_changed = false;
		goto out;
	}
	path_get(pc, IRQRECORD_PATH);
	like.st_uid = geteuid();
	like.st_gid = getegid();
	r = atomicfile_mkdirs(pc, IRQRECORD_DIR, 0755);
	if (r == 0)
		r = atomicfile_write(pc, IRQRECORD_PATH, text, len, &like);
	if (r == 0 && ret_changed)
		*ret_changed = true;
out:
	free(cur);
	free(text);
	return r;
}

int irqrecord_remove(struct path_cxt *pc)
{
	int r;

	path_get(pc, IRQRECORD_PATH);
	r = atomicfile_unlink(pc, IRQRECORD_PATH);
	return r == -ENOENT ? 0 : r;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int irqrecord_read_actions(struct path_cxt *pc, unsigned int irq, char *buf, size_t len)
{
	char **names = NULL;
	size_t n = 0, cap = 0, o = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (len == 0)
		return -ENOBUFS;
	d = path_opendir(pc, PATH_PROC_IRQ "/%u", irq);
	if (!d)
		return errno ? -errno : -EIO;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (de->d_type == DT_UNKNOWN &&
		    (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		     !S_ISDIR(st.st_mode)))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			char **nv = realloc(names, ncap * sizeof(*nv));

			if (!nv) {
				r = -ENOMEM;
				goto out;
			}
			names = nv;
			cap = ncap;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), strp_cmp);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(names[i]);

		if (o + (o ? 2 : 0) + l >= len)
			break; /* the names that fit */
		if (o) {
			memcpy(buf + o, ", ", 2);
			o += 2;
		}
		memcpy(buf + o, names[i], l);
		o += l;
		buf[o] = '\0';
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}
