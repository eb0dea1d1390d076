// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * statefile: early-pin's save/restore records.
 */
#include "statefile.h"
#include "pathnames.h"
#include "path.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpuset.h"
#include "path.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv1a(uint64_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= FNV_PRIME;
	}
	return h;
}

static bool is_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

/* A value is the rest of the line: printable, no newline, not empty. */
static bool is_value(const char *s)
{
	if (!s || !*s || *s == ' ')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

static bool is_cpulist(const char *s)
{
	cpuset_t set;

	return is_token(s) && cpuset_parse_list(s, 0, &set) == 0 && !cpuset_empty(&set);
}

static bool is_mask(const char *s)
{
	cpuset_t set;

	return is_token(s) && cpuset_parse_mask(s, &set) == 0 && !cpuset_empty(&set);
}

/* A workqueue's name in sysfs: no '/', never "." or "..", nothing a shell or a line could split. */
static bool is_wq_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.:+-", *s))
			return false;
	return true;
}

static bool is_decimal(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 19 && !s[n];
}

static bool is_governor(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 31)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/* The cpufreq attributes a save can record, and the values each may hold. */
static const struct {
	const char *attr;
	bool (*valid)(const char *value);
} cpufreq_attrs[] = {
	{ "scaling_governor", is_governor },
	{ "scaling_min_freq", is_decimal },
	{ "scaling_max_freq", is_decimal },
};

/* The turbo switches: the name in the record and the file it stands for. */
static const struct {
	const char *name;
	const char *path;
} turbo_files[] = {
	{ "intel_pstate", PATH_SYS_INTEL_PSTATE "/no_turbo" },
	{ "boost", PATH_SYS_CPUFREQ "/boost" },
};

#define ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* A systemd unit early-pin starts: a slice or a scope, never the root slice. */
static bool is_unit_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.' || strcmp(s, "-.slice") == 0)
		return false;
	if (n <= 6 || (strcmp(s + n - 6, ".slice") != 0 && strcmp(s + n - 6, ".scope") != 0))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.:@-", *s))
			return false;
	return true;
}

static bool is_mount(enum cgroup_mount m)
{
	return cgroup_mount_word(m) != NULL;
}

/* cgroup-cpus: "-" (empty) or a cpulist that fits struct cgroup_undo. */
static bool is_cgroup_cpus(const char *s)
{
	return strcmp(s, "-") == 0 ||
	       (is_cpulist(s) && strlen(s) < sizeof(((struct cgroup_undo *)0)->old_cpus));
}

static bool is_partition_type(const char *s)
{
	return !strcmp(s, "member") || !strcmp(s, "root") || !strcmp(s, "isolated");
}

bool statefile_rec_valid(const struct statefile_rec *rec)
{
	const char *v = rec->value;

	/* the kinds without a value */
	switch (rec->kind) {
	case SF_CGROUP_CPUSET:
		return is_mount(rec->mount) && !rec->name && !v;
	case SF_CGROUP_DIR:
		return is_mount(rec->mount) && rec->name && cgroup_name_valid(rec->name) && !v;
	case SF_UNIT:
		return rec->name && is_unit_name(rec->name) && !v;
	default:
		break;
	}
	if (!is_value(v) || !is_token(v))
		return false;
	switch (rec->kind) {
	case SF_CGROUP_CPUS:
	case SF_CGROUP_PARTITION:
		if (!is_mount(rec->mount) || !rec->name || !cgroup_name_valid(rec->name))
			return false;
		return rec->kind == SF_CGROUP_CPUS ? is_cgroup_cpus(v) : is_partition_type(v);
	case SF_CGROUP_CPUSET:
	case SF_CGROUP_DIR:
	case SF_UNIT:
		return false; /* above */
	case SF_IRQ_DEFAULT:
		return is_mask(v);
	case SF_IRQ:
	case SF_TASK:
		return is_cpulist(v);
	case SF_WQ:
		return rec->name && (!*rec->name || is_wq_name(rec->name)) && is_mask(v);
	case SF_CPUFREQ:
		for (size_t i = 0; rec->name && i < ELEMS(cpufreq_attrs); i++)
			if (strcmp(rec->name, cpufreq_attrs[i].attr) == 0)
				return cpufreq_attrs[i].valid(v);
		return false;
	case SF_TURBO:
		for (size_t i = 0; rec->name && i < ELEMS(turbo_files); i++)
			if (strcmp(rec->name, turbo_files[i].name) == 0)
				return strcmp(v, "0") == 0 || strcmp(v, "1") == 0;
		return false;
	}
	return false;
}

int statefile_rec_path(const struct statefile_rec *rec, char *buf, size_t len)
{
	const char *fixed = NULL, *mp = cgroup_mount_path(rec->mount);
	int n;

	if (!rec->name && (rec->kind == SF_WQ || rec->kind == SF_CPUFREQ || rec->kind == SF_TURBO))
		return -EINVAL;
	switch (rec->kind) {
	case SF_CGROUP_CPUSET:
		if (!mp)
			return -EINVAL;
		n = snprintf(buf, len, "%s/cgroup.subtree_control", mp);
		goto done;
	case SF_CGROUP_DIR:
	case SF_CGROUP_CPUS:
	case SF_CGROUP_PARTITION:
		if (!mp || !rec->name || !cgroup_name_valid(rec->name))
			return -EINVAL;
		n = snprintf(buf, len, "%s/%s%s", mp, rec->name,
			     rec->kind == SF_CGROUP_DIR	 ? "" :
			     rec->kind == SF_CGROUP_CPUS ? "/cpuset.cpus" :
							   "/cpuset.cpus.partition");
		goto done;
	case SF_UNIT:
		return -EINVAL;
	case SF_IRQ_DEFAULT:
		fixed = PATH_PROC_IRQ_DEFAULT_AFFINITY;
		break;
	case SF_IRQ:
		n = snprintf(buf, len, PATH_PROC_IRQ "/%u/smp_affinity_list", rec->irq);
		goto done;
	case SF_TASK:
		return -EINVAL;
	case SF_WQ:
		if (!*rec->name) {
			fixed = PATH_SYS_WORKQUEUE "/cpumask";
			break;
		}
		if (!is_wq_name(rec->name))
			return -EINVAL;
		n = snprintf(buf, len, PATH_SYS_WORKQUEUE "/%s/cpumask", rec->name);
		goto done;
	case SF_CPUFREQ:
		for (size_t i = 0; i < ELEMS(cpufreq_attrs); i++)
			if (strcmp(rec->name, cpufreq_attrs[i].attr) == 0) {
				n = snprintf(buf, len, PATH_SYS_CPUFREQ "/policy%u/%s", rec->policy,
					     cpufreq_attrs[i].attr);
				goto done;
			}
		return -EINVAL;
	case SF_TURBO:
		for (size_t i = 0; i < ELEMS(turbo_files); i++)
			if (strcmp(rec->name, turbo_files[i].name) == 0)
				fixed = turbo_files[i].path;
		if (!fixed)
			return -EINVAL;
		break;
	}
	if (!fixed)
		return -EINVAL;
	n = snprintf(buf, len, "%s", fixed);
done:
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int statefile_add(struct statefile *sf, const struct statefile_rec *rec)
{
	struct statefile_rec *r;

	if (!statefile_rec_valid(rec))
		return -EINVAL;
	if (sf->n == sf->cap) {
		size_t cap = sf->cap ? sf->cap * 2 : 256;
		struct statefile_rec *v = realloc(sf->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		sf->v = v;
		sf->cap = cap;
	}
	r = &sf->v[sf->n];
	*r = *rec;
	r->name = rec->name ? strdup(rec->name) : NULL;
	r->value = rec->value ? strdup(rec->value) : NULL;
	if ((rec->value && !r->value) || (rec->name && !r->name)) {
		free(r->name);
		free(r->value);
		return -ENOMEM;
	}
	sf->n++;
	return 0;
}

void statefile_free(struct statefile *sf)
{
	if (!sf)
		return;
	for (size_t i = 0; i < sf->n; i++) {
		free(sf->v[i].name);
		free(sf->v[i].value);
	}
	free(sf->v);
	sf->v = NULL;
	sf->n = sf->cap = 0;
}

/* ---- writing --------------------------------------------------------------- */

struct obuf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

static __attribute__((format(printf, 2, 3))) void obuf_printf(struct obuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap * 2 + (size_t)n + 1;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

static int fsync_dir_of(const char *file)
{
	char *copy = strdup(file);
	int fd, r = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		r = -errno;
	close(fd);
	return r;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The whole file, "end" line included, into b (b->oom on failure). */
static void statefile_format(const struct statefile *sf, struct obuf *b)
{
	obuf_printf(b, "%s %d\nboot_id %s\nroot %s\nnbits %u\nhousekeeping %s\nsaved_at %llu\n",
		    STATEFILE_MAGIC, STATEFILE_VERSION, sf->boot_id, sf->root, sf->nbits,
		    sf->housekeeping, (unsigned long long)sf->saved_at);
	for (size_t i = 0; i < sf->n; i++) {
		const struct statefile_rec *rec = &sf->v[i];

		switch (rec->kind) {
		case SF_WQ:
			if (*rec->name)
				obuf_printf(b, "wq-cpumask %s %s\n", rec->name, rec->value);
			else
				obuf_printf(b, "wq-unbound %s\n", rec->value);
			break;
		case SF_CPUFREQ:
			obuf_printf(b, "cpufreq %u %s %s\n", rec->policy, rec->name, rec->value);
			break;
		case SF_TURBO:
			obuf_printf(b, "turbo %s %s\n", rec->name, rec->value);
			break;
		case SF_IRQ_DEFAULT:
			obuf_printf(b, "irq-default %s\n", rec->value);
			break;
		case SF_IRQ:
			obuf_printf(b, "irq %u %s\n", rec->irq, rec->value);
			break;
		case SF_TASK:
			obuf_printf(b, "task %d %d %llu %s\n", (int)rec->pid, (int)rec->tid,
				    (unsigned long long)rec->starttime, rec->value);
			break;
		case SF_CGROUP_CPUSET:
			obuf_printf(b, "cgroup-cpuset %s\n", cgroup_mount_word(rec->mount));
			break;
		case SF_CGROUP_DIR:
			obuf_printf(b, "cgroup-dir %s %s\n", cgroup_mount_word(rec->mount),
				    rec->name);
			break;
		case SF_CGROUP_CPUS:
		case SF_CGROUP_PARTITION:
			obuf_printf(b, "%s %s %s %s\n",
				    rec->kind == SF_CGROUP_CPUS ? "cgroup-cpus" :
								  "cgroup-partition",
				    cgroup_mount_word(rec->mount), rec->name, rec->value);
			break;
		case SF_UNIT:
			obuf_printf(b, "unit %s\n", rec->name);
			break;
		}
	}
	if (!b->oom)
		obuf_printf(b, "end %zu %016llx\n", sf->n,
			    (unsigned long long)fnv1a(FNV_OFFSET, b->p, b->len));
}

/*
 * p into file through a temporary file beside it (mode 0600, fsync'ed), then
 * rename, or link when an existing file must not be replaced, and an fsync of
 * the directory.
 */
static int write_atomic(const char *file, const char *p, size_t len, bool replace)
{
	char *tmp = NULL;
	int fd, r;

	if (asprintf(&tmp, "%s.XXXXXX", file) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(tmp);
		return r;
	}
	if (fchmod(fd, 0600) < 0) {
		r = -errno;
		goto out;
	}
	r = write_all(fd, p, len);
	if (r < 0)
		goto out;
	if (fsync(fd) < 0) {
		r = -errno;
		goto out;
	}
	r = close(fd);
	fd = -1;
	if (r < 0) {
		r = -errno;
		goto out;
	}
	if (!replace) {
		/* Never replace a state someone else wrote meanwhile. */
		if (link(tmp, file) < 0) {
			r = -errno;
			goto out;
		}
		unlink(tmp);
	} else if (rename(tmp, file) < 0) {
		r = -errno;
		goto out;
	}
	free(tmp);
	tmp = NULL;
	r = fsync_dir_of(file);
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	return r;
}

int statefile_write(struct path_cxt *pc, const struct statefile *sf, const char *name, bool replace)
{
	struct obuf b = { .cap = 4096 };
	char file[PATH_MAX];
	const char *full;
	int r;

	if (!is_token(sf->boot_id) || !is_token(sf->root) || !is_token(sf->housekeeping))
		return -EINVAL;
	full = path_get(pc, "%s", name);
	if (!full)
		return -ENAMETOOLONG;
	snprintf(file, sizeof(file), "%s", full); /* path_last(pc) keeps it too */
	if (!replace && access(file, F_OK) == 0)
		return -EEXIST;
	b.p = malloc(b.cap);
	if (!b.p)
		return -ENOMEM;
	statefile_format(sf, &b);
	r = b.oom ? -ENOMEM : write_atomic(file, b.p, b.len, replace);
	free(b.p);
	return r;
}

/* ---- reading --------------------------------------------------------------- */

static int read_file(struct path_cxt *pc, const char *name, char **ret, size_t *ret_len,
		     const char **ret_why)
{
	const char *file = path_get(pc, "%s", name);
	int fd, r;

	if (!file)
		return -ENAMETOOLONG;
	fd = path_open_trusted(file, ret_why);
	if (fd < 0)
		return fd;
	r = fd_read_all(fd, 512U << 20, ret, ret_len);
	close(fd);
	return r;
}

/* Split off the next space-separated word of *p (which it advances); NULL if none. */
static char *next_word(char **p)
{
	char *s = *p, *e;

	if (!s || !*s)
		return NULL;
	e = strchr(s, ' ');
	if (e) {
		*e = '\0';
		*p = e + 1;
	} else {
		*p = NULL;
	}
	return *s ? s : NULL;
}

static int parse_pid(const char *s, pid_t *ret)
{
	int32_t v;

	if (!s || parse_s32(s, &v) < 0 || v <= 0 || s[0] < '1' || s[0] > '9')
		return -EINVAL;
	*ret = v;
	return 0;
}

/* One record line (without the newline), into sf. */
static int parse_record(char *line, struct statefile *sf)
{
	struct statefile_rec rec = { 0 };
	char *p = line, *kw = next_word(&p), *a, *b, *c;
	uint32_t u;
	uint64_t start;
	int r;

	if (!kw)
		return -EBADMSG;
	if (strcmp(kw, "wq-unbound") == 0) {
		rec.kind = SF_WQ;
		rec.name = "";
		rec.value = p;
	} else if (strcmp(kw, "wq-cpumask") == 0) {
		rec.kind = SF_WQ;
		rec.name = next_word(&p);
		rec.value = p;
		if (!rec.name || !*rec.name)
			return -EBADMSG;
	} else if (strcmp(kw, "cpufreq") == 0) {
		rec.kind = SF_CPUFREQ;
		a = next_word(&p);
		rec.name = next_word(&p);
		rec.value = p;
		if (!a || a[0] < '0' || a[0] > '9' || parse_u32(a, &u) < 0 || !rec.name)
			return -EBADMSG;
		rec.policy = u;
	} else if (strcmp(kw, "turbo") == 0) {
		rec.kind = SF_TURBO;
		rec.name = next_word(&p);
		rec.value = p;
		if (!rec.name)
			return -EBADMSG;
	} else if (strcmp(kw, "irq-default") == 0) {
		rec.kind = SF_IRQ_DEFAULT;
		rec.value = p;
		if (!is_mask(rec.value))
			return -EBADMSG;
	} else if (strcmp(kw, "irq") == 0) {
		rec.kind = SF_IRQ;
		a = next_word(&p);
		rec.value = p;
		if (!a || a[0] < '0' || a[0] > '9' || parse_u32(a, &u) < 0 ||
		    !is_cpulist(rec.value))
			return -EBADMSG;
		rec.irq = u;
	} else if (strcmp(kw, "task") == 0) {
		rec.kind = SF_TASK;
		a = next_word(&p);
		b = next_word(&p);
		c = next_word(&p);
		rec.value = p;
		if (parse_pid(a, &rec.pid) < 0 || parse_pid(b, &rec.tid) < 0 || !c || c[0] < '0' ||
		    c[0] > '9' || parse_u64(c, &start) < 0 || !is_cpulist(rec.value))
			return -EBADMSG;
		rec.starttime = start;
	} else if (strncmp(kw, "cgroup-", 7) == 0) {
		if (strcmp(kw, "cgroup-cpuset") == 0)
			rec.kind = SF_CGROUP_CPUSET;
		else if (strcmp(kw, "cgroup-dir") == 0)
			rec.kind = SF_CGROUP_DIR;
		else if (strcmp(kw, "cgroup-cpus") == 0)
			rec.kind = SF_CGROUP_CPUS;
		else if (strcmp(kw, "cgroup-partition") == 0)
			rec.kind = SF_CGROUP_PARTITION;
		else
			return -EBADMSG;
		a = next_word(&p);
		rec.mount = cgroup_mount_from_word(a);
		if (rec.mount == CGROUP_MOUNT_NONE)
			return -EBADMSG;
		if (rec.kind != SF_CGROUP_CPUSET) {
			rec.name = next_word(&p);
			if (!rec.name)
				return -EBADMSG;
		}
		if (rec.kind == SF_CGROUP_CPUS || rec.kind == SF_CGROUP_PARTITION)
			rec.value = p;
		else if (p) /* nothing after the last field, not even a space */
			return -EBADMSG;
	} else if (strcmp(kw, "unit") == 0) {
		rec.kind = SF_UNIT;
		rec.name = next_word(&p);
		if (!rec.name || p)
			return -EBADMSG;
	} else {
		return -EBADMSG;
	}
	if (!rec.value && rec.kind != SF_CGROUP_CPUSET && rec.kind != SF_CGROUP_DIR &&
	    rec.kind != SF_UNIT)
		return -EBADMSG;
	r = statefile_add(sf, &rec);
	return r == -EINVAL ? -EBADMSG : r;
}

/* "key value" header line with exactly one token value. */
static char *header_value(char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) != 0 || line[n] != ' ' || !is_token(line + n + 1))
		return NULL;
	return line + n + 1;
}

/* Header lines 2 to 6, in this order; -EBADMSG for anything else. */
static int parse_header(unsigned int lineno, char *line, struct statefile *sf)
{
	uint32_t nbits;
	char *v;

	switch (lineno) {
	case 2:
		v = header_value(line, "boot_id");
		if (!v || strlen(v) >= sizeof(sf->boot_id))
			return -EBADMSG;
		strcpy(sf->boot_id, v);
		return 0;
	case 3:
		v = header_value(line, "root");
		if (!v || strlen(v) >= sizeof(sf->root) || v[0] != '/')
			return -EBADMSG;
		strcpy(sf->root, v);
		return 0;
	case 4:
		v = header_value(line, "nbits");
		if (!v || parse_u32(v, &nbits) < 0 || nbits == 0 || nbits > CPUSET_MAX ||
		    v[0] < '1' || v[0] > '9')
			return -EBADMSG;
		sf->nbits = nbits;
		return 0;
	case 5:
		v = header_value(line, "housekeeping");
		if (!v || strlen(v) >= sizeof(sf->housekeeping) || !is_cpulist(v))
			return -EBADMSG;
		strcpy(sf->housekeeping, v);
		return 0;
	case 6:
		v = header_value(line, "saved_at");
		if (!v || v[0] < '0' || v[0] > '9' || parse_u64(v, &sf->saved_at) < 0)
			return -EBADMSG;
		return 0;
	}
	return -EBADMSG;
}

/*
 * "end COUNT HASH": -EBADMSG if malformed or the count is wrong, -EILSEQ if
 * the hash of everything above (hash) does not match.
 */
static int parse_end(char *line, uint64_t hash, const struct statefile *sf)
{
	char *p = line + 4, *cnt = next_word(&p), *h = next_word(&p);
	char want[17];
	uint64_t n;

	if (!cnt || !h || p || parse_u64(cnt, &n) < 0 || cnt[0] < '0' || cnt[0] > '9' ||
	    strlen(h) != 16 || n != sf->n)
		return -EBADMSG;
	snprintf(want, sizeof(want), "%016llx", (unsigned long long)hash);
	if (strcmp(want, h) != 0)
		return -EILSEQ;
	return 0;
}

int statefile_read(struct path_cxt *pc, const char *name, struct statefile *ret,
		   unsigned int *ret_line, const char **ret_why)
{
	struct statefile sf = { 0 };
	char *buf = NULL, *line, *next, *v;
	size_t len = 0, magic_len = strlen(STATEFILE_MAGIC);
	uint64_t hash = FNV_OFFSET;
	unsigned int lineno = 0;
	bool ended = false;
	int r;

	r = read_file(pc, name, &buf, &len, ret_why);
	if (r < 0)
		return r;
	if (!buf) /* not reached: fd_read_all sets it on success (for the analyzer) */
		return -ENOMEM;
	if (strlen(buf) != len) { /* NUL bytes */
		r = -EBADMSG;
		goto bad;
	}
	if (len < magic_len + 1 || strncmp(buf, STATEFILE_MAGIC, magic_len) != 0 ||
	    buf[magic_len] != ' ') {
		free(buf);
		return -EMEDIUMTYPE;
	}
	for (line = buf; line && *line; line = next) {
		char *nl = strchr(line, '\n');

		lineno++;
		if (!nl) { /* last line without newline: truncated */
			r = -EBADMSG;
			goto bad;
		}
		if (strncmp(line, "end ", 4) != 0)
			hash = fnv1a(hash, line, (size_t)(nl - line) + 1);
		*nl = '\0';
		next = nl + 1;
		if (ended) {
			r = -EBADMSG;
			goto bad;
		}
		if (lineno == 1) {
			uint32_t ver;

			v = line + magic_len + 1;
			if (parse_u32(v, &ver) < 0 || v[0] < '0' || v[0] > '9') {
				r = -EBADMSG;
				goto bad;
			}
			if (ver != STATEFILE_VERSION) {
				free(buf);
				if (ret_line)
					*ret_line = ver;
				return -EPROTONOSUPPORT;
			}
			continue;
		}
		if (lineno <= 6) {
			if (parse_header(lineno, line, &sf) < 0)
				goto bad_msg;
			continue;
		}
		if (strncmp(line, "end ", 4) == 0) {
			r = parse_end(line, hash, &sf);
			if (r == -EILSEQ)
				lineno = 0; /* the file as a whole */
			if (r < 0)
				goto bad_msg;
			ended = true;
			continue;
		}
		r = parse_record(line, &sf);
		if (r == -ENOMEM)
			goto bad;
		if (r < 0)
			goto bad_msg;
	}
	if (!ended) {
		lineno++;
		goto bad_msg;
	}
	free(buf);
	*ret = sf;
	return 0;
bad_msg:
	r = -EBADMSG;
bad:
	if (r == -EBADMSG && ret_line)
		*ret_line = lineno;
	statefile_free(&sf);
	free(buf);
	return r;
}

/* ---- the cgroup undo record ---------------------------------------------------- */

static bool is_cgroup_kind(enum statefile_kind k)
{
	return k == SF_CGROUP_CPUSET || k == SF_CGROUP_DIR || k == SF_CGROUP_CPUS ||
	       k == SF_CGROUP_PARTITION;
}

int statefile_add_cgroup_undo(struct statefile *sf, const struct cgroup_undo *u)
{
	struct statefile_rec rec = { .mount = u->mount };
	size_t n0 = sf->n;
	int r = 0;

	for (size_t i = 0; i < sf->n; i++)
		if (is_cgroup_kind(sf->v[i].kind))
			return -EEXIST;
	if (u->enabled_cpuset) {
		rec.kind = SF_CGROUP_CPUSET;
		r = statefile_add(sf, &rec);
	}
	rec.name = (char *)u->name;
	if (r == 0 && u->made_dir) {
		rec.kind = SF_CGROUP_DIR;
		r = statefile_add(sf, &rec);
	}
	if (r == 0 && u->wrote_cpus) {
		rec.kind = SF_CGROUP_CPUS;
		rec.value = (char *)(*u->old_cpus ? u->old_cpus : "-");
		r = statefile_add(sf, &rec);
	}
	if (r == 0 && u->wrote_partition) {
		rec.kind = SF_CGROUP_PARTITION;
		rec.value = (char *)u->old_partition;
		r = statefile_add(sf, &rec);
	}
	if (r < 0) {
		while (sf->n > n0) {
			sf->n--;
			free(sf->v[sf->n].name);
			free(sf->v[sf->n].value);
		}
	}
	return r;
}

int statefile_cgroup_undo(const struct statefile *sf, struct cgroup_undo *ret)
{
	struct cgroup_undo u;
	bool found = false;

	memset(&u, 0, sizeof(u));
	for (size_t i = 0; i < sf->n; i++) {
		const struct statefile_rec *rec = &sf->v[i];
		bool *flag;

		if (!is_cgroup_kind(rec->kind))
			continue;
		if (found && rec->mount != u.mount)
			return -EBADMSG;
		u.mount = rec->mount;
		found = true;
		if (rec->name) {
			if (*u.name && strcmp(u.name, rec->name) != 0)
				return -EBADMSG;
			if (strlen(rec->name) >= sizeof(u.name))
				return -EBADMSG;
			strcpy(u.name, rec->name);
		}
		switch (rec->kind) {
		case SF_CGROUP_CPUSET:
			flag = &u.enabled_cpuset;
			break;
		case SF_CGROUP_DIR:
			flag = &u.made_dir;
			break;
		case SF_CGROUP_CPUS:
			flag = &u.wrote_cpus;
			if (!rec->value || strlen(rec->value) >= sizeof(u.old_cpus))
				return -EBADMSG;
			strcpy(u.old_cpus, strcmp(rec->value, "-") ? rec->value : "");
			break;
		case SF_CGROUP_PARTITION:
			flag = &u.wrote_partition;
			if (!rec->value || strlen(rec->value) >= sizeof(u.old_partition))
				return -EBADMSG;
			strcpy(u.old_partition, rec->value);
			break;
		default:
			continue;
		}
		if (*flag)
			return -EBADMSG; /* a kind twice */
		*flag = true;
	}
	if (!found)
		return 0;
	*ret = u;
	return 1;
}
