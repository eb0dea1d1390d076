// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops: real and recording implementations of the pinning side effects.
 */
#include "ops.h"
#include "pathnames.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libkmod.h>

#include "taskstat.h"

/* ---- real ---------------------------------------------------------------- */

static int real_task_get_affinity(struct qc_ops *ops, pid_t pid, pid_t tid, cpuset_t *ret)
{
	cpuset_t set;

	(void)ops;
	(void)pid;
	cpuset_zero(&set);
	if (sched_getaffinity(tid, sizeof(set.bits), (cpu_set_t *)set.bits) < 0)
		return -errno;
	*ret = set;
	return 0;
}

static int real_task_set_affinity(struct qc_ops *ops, pid_t pid, pid_t tid, const cpuset_t *set)
{
	(void)ops;
	(void)pid;
	if (sched_setaffinity(tid, sizeof(set->bits), (const cpu_set_t *)set->bits) < 0)
		return -errno;
	return 0;
}

static int real_file_write(struct qc_ops *ops, const char *path, const char *str)
{
	return path_write_str_beneath(ops->pc, str, "%s", path);
}

/*
 * libkmod logs to stderr unless told otherwise; the library never prints, so
 * its last message is kept in ops->kmod_msg for the caller to report.
 */
static __attribute__((format(printf, 6, 0))) void kmod_log_keep(void *data, int priority,
								const char *file, int line,
								const char *fn, const char *format,
								va_list args)
{
	struct qc_ops *ops = data;
	size_t n;

	vsnprintf(ops->kmod_msg, sizeof(ops->kmod_msg), format, args);
	n = strlen(ops->kmod_msg);
	while (n && ops->kmod_msg[n - 1] == '\n')
		ops->kmod_msg[--n] = '\0';
}

static int real_module_load(struct qc_ops *ops, const char *name)
{
	struct kmod_list *list = NULL, *l;
	int r, loaded = 0;

	ops->kmod_msg[0] = '\0';
	if (!ops->kmod) {
		struct kmod_ctx *ctx = kmod_new(NULL, NULL);

		if (!ctx)
			return -ENOMEM;
		kmod_set_log_fn(ctx, kmod_log_keep, ops);
		kmod_load_resources(ctx);
		ops->kmod = ctx;
	}
	r = kmod_module_new_from_lookup(ops->kmod, name, &list);
	if (r < 0)
		return r;
	if (!list)
		return -ENOENT;
	r = 0;
	kmod_list_foreach(l, list)
	{
		struct kmod_module *mod = kmod_module_get_module(l);
		int e = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL,
							NULL, NULL);

		kmod_module_unref(mod);
		if (e == 0)
			loaded++;
		else if (r == 0)
			r = e > 0 ? -EPERM : e; /* > 0: blacklisted */
	}
	kmod_module_unref_list(list);
	return loaded ? 0 : r;
}

void ops_init_real(struct qc_ops *ops, struct path_cxt *pc)
{
	memset(ops, 0, sizeof(*ops));
	ops->name = "real";
	ops->pc = pc;
	ops->task_get_affinity = real_task_get_affinity;
	ops->task_set_affinity = real_task_set_affinity;
	ops->file_write = real_file_write;
	ops->module_load = real_module_load;
}

/* ---- recording ------------------------------------------------------------- */

static const struct {
	const char *name;
	int err;
} errno_names[] = {
	{ "EIO", EIO },	      { "EPERM", EPERM },   { "ENOSPC", ENOSPC }, { "EINVAL", EINVAL },
	{ "ENOENT", ENOENT }, { "EBUSY", EBUSY },   { "ESRCH", ESRCH },	  { "EACCES", EACCES },
	{ "EROFS", EROFS },   { "ENODEV", ENODEV },
};

int ops_errno_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (strcmp(errno_names[i].name, name) == 0)
			return errno_names[i].err;
	return 0;
}

static int log_add(struct qc_ops *ops, enum ops_kind kind, pid_t pid, pid_t tid, const char *path,
		   const char *value, int result)
{
	struct ops_record *rec;

	if (ops->nlog == ops->caplog) {
		size_t cap = ops->caplog ? ops->caplog * 2 : 64;
		struct ops_record *v = realloc(ops->log, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ops->log = v;
		ops->caplog = cap;
	}
	rec = &ops->log[ops->nlog];
	memset(rec, 0, sizeof(*rec));
	rec->kind = kind;
	rec->pid = pid;
	rec->tid = tid;
	rec->result = result;
	rec->path = path ? strdup(path) : NULL;
	rec->value = value ? strdup(value) : NULL;
	if ((path && !rec->path) || (value && !rec->value)) {
		free(rec->path);
		free(rec->value);
		return -ENOMEM;
	}
	ops->nlog++;
	return 0;
}

#define FAKE_STATUS PATH_PROC "/%d/task/%d/status"

static int fake_task_get_affinity(struct qc_ops *ops, pid_t pid, pid_t tid, cpuset_t *ret)
{
	char *s = NULL, *line;
	int r;

	r = path_read_str(ops->pc, &s, FAKE_STATUS, (int)pid, (int)tid);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	line = strstr(s, "Cpus_allowed_list:");
	if (!line) {
		free(s);
		return -EINVAL;
	}
	line += strlen("Cpus_allowed_list:");
	line[strcspn(line, "\n")] = '\0';
	r = cpuset_parse_list(line, 0, ret);
	free(s);
	return r;
}

/* Rewrite the Cpus_allowed_list line (and Cpus_allowed) of a fake status file. */
static int fake_status_update(struct qc_ops *ops, pid_t pid, pid_t tid, const cpuset_t *set)
{
	char *s = NULL, *list = NULL, *mask = NULL, *out = NULL;
	size_t cap, pos = 0;
	int r;

	r = path_read_str(ops->pc, &s, FAKE_STATUS, (int)pid, (int)tid);
	if (r < 0)
		return r;
	list = cpuset_to_list(set);
	mask = cpuset_to_mask(set, 0);
	cap = strlen(s) + (list ? strlen(list) : 0) + (mask ? strlen(mask) : 0) + 64;
	out = malloc(cap);
	if (!list || !mask || !out) {
		r = -ENOMEM;
		goto out;
	}
	for (char *line = s, *next; line && *line; line = next) {
		size_t n = strcspn(line, "\n");

		next = line[n] ? line + n + 1 : NULL;
		if (strncmp(line, "Cpus_allowed_list:", 18) == 0)
			pos += (size_t)snprintf(out + pos, cap - pos, "Cpus_allowed_list:\t%s\n",
						list);
		else if (strncmp(line, "Cpus_allowed:", 13) == 0)
			pos += (size_t)snprintf(out + pos, cap - pos, "Cpus_allowed:\t%s\n", mask);
		else
			pos += (size_t)snprintf(out + pos, cap - pos, "%.*s\n", (int)n, line);
	}
	r = path_write_str(ops->pc, out, FAKE_STATUS, (int)pid, (int)tid);
out:
	free(s);
	free(list);
	free(mask);
	free(out);
	return r;
}

static int fake_task_set_affinity(struct qc_ops *ops, pid_t pid, pid_t tid, const cpuset_t *set)
{
	char *list;
	struct taskstat st;
	cpuset_t online;
	int r;

	if (!path_exists(ops->pc, FAKE_STATUS, (int)pid, (int)tid)) {
		r = -ESRCH;
		goto out;
	}
	r = taskstat_read(ops->pc, pid, tid, &st);
	if (r == 0 && taskstat_is_percpu(&st)) {
		r = -EINVAL;
		goto out;
	}
	if (path_read_cpulist(ops->pc, 0, &online, PATH_SYS_CPU "/online") == 0 &&
	    !cpuset_intersects(set, &online)) {
		r = -EINVAL;
		goto out;
	}
	r = fake_status_update(ops, pid, tid, set);
	if (r == -ENOENT)
		r = -ESRCH;
out:
	list = cpuset_to_list(set);
	log_add(ops, OPS_TASK_SET_AFFINITY, pid, tid, NULL, list, r);
	free(list);
	return r;
}

/*
 * "<file>.errno" (file below the root): errno name and an optional count of
 * failures left.
 */
static int fake_sidecar_errno(struct path_cxt *pc, const char *file)
{
	char buf[64], name[32], *p, *end;
	unsigned long count = 0;
	ssize_t len;
	int n, err;

	len = path_read_buf(pc, buf, sizeof(buf), "%s.errno", file);
	if (len <= 0)
		return 0;
	/* "NAME [COUNT]": the count with strtoul, which reports what sscanf cannot */
	n = sscanf(buf, "%31s", name);
	p = buf + strspn(buf, " \t\n");
	p += strcspn(p, " \t\n");
	p += strspn(p, " \t\n");
	if (n == 1 && *p) {
		errno = 0;
		count = strtoul(p, &end, 10);
		if (!errno && end != p && *p != '-')
			n = 2; /* as sscanf's %lu: a count that does not parse is no count */
	}
	err = ops_errno_from_name(name);
	if (n < 1 || !err)
		return 0;
	if (n == 2) {
		if (count == 0)
			return 0;
		snprintf(buf, sizeof(buf), "%s %lu\n", name, count - 1);
		path_write_str(pc, buf, "%s.errno", file);
	}
	return -err;
}

static int fake_file_write(struct qc_ops *ops, const char *path, const char *str)
{
	struct stat st;
	int fd, r;

	/* as the real one: nothing below the root is followed */
	fd = path_open_beneath(ops->pc, O_WRONLY, "%s", path);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		goto out;
	}
	if (!(st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH))) {
		r = -EPERM;
		close(fd);
		goto out;
	}
	r = fake_sidecar_errno(ops->pc, path);
	path_get(ops->pc, "%s", path); /* path_last() names the file, not its sidecar */
	if (r == 0 && ftruncate(fd, 0) < 0)
		r = -errno;
	if (r == 0) {
		r = fd_write_str(fd, str);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
out:
	log_add(ops, OPS_FILE_WRITE, 0, 0, path, str, r);
	return r;
}

/* mkdir -p of a root-relative directory. */
static void mkdir_under(struct path_cxt *pc, const char *rel)
{
	const char *p;

	for (size_t n = 0;; n++) {
		if (rel[n] != '/' && rel[n] != '\0')
			continue;
		if (n > 0) {
			p = path_get(pc, "/%.*s", (int)n, rel);
			if (!p)
				return;
			mkdir(p, 0755);
		}
		if (rel[n] == '\0')
			return;
	}
}

static int fake_module_load(struct qc_ops *ops, const char *name)
{
	char dir[256];
	ssize_t n;
	int r = -ENOENT;

	n = path_read_buf(ops->pc, dir, sizeof(dir), "/lib/modules/fake/%s", name);
	if (n >= 0) {
		r = 0;
		if (n > 0 && !strstr(dir, ".."))
			mkdir_under(ops->pc, dir); /* the sysfs directory the driver creates */
	}
	log_add(ops, OPS_MODULE_LOAD, 0, 0, name, NULL, r);
	return r;
}

void ops_init_recording(struct qc_ops *ops, struct path_cxt *pc)
{
	memset(ops, 0, sizeof(*ops));
	ops->name = "recording";
	ops->pc = pc;
	ops->task_get_affinity = fake_task_get_affinity;
	ops->task_set_affinity = fake_task_set_affinity;
	ops->file_write = fake_file_write;
	ops->module_load = fake_module_load;
}

void ops_done(struct qc_ops *ops)
{
	if (!ops)
		return;
	for (size_t i = 0; i < ops->nlog; i++) {
		free(ops->log[i].path);
		free(ops->log[i].value);
	}
	free(ops->log);
	ops->log = NULL;
	ops->nlog = ops->caplog = 0;
	if (ops->kmod)
		kmod_unref(ops->kmod);
	ops->kmod = NULL;
}

int ops_record_format(const struct ops_record *rec, char *buf, size_t len)
{
	switch (rec->kind) {
	case OPS_TASK_SET_AFFINITY:
		return snprintf(buf, len, "setaffinity %d/%d %s = %d", (int)rec->pid, (int)rec->tid,
				rec->value ? rec->value : "", rec->result);
	case OPS_FILE_WRITE:
		return snprintf(buf, len, "write %s %s = %d", rec->path, rec->value, rec->result);
	case OPS_MODULE_LOAD:
		return snprintf(buf, len, "modprobe %s = %d", rec->path, rec->result);
	case OPS_DIR_MAKE:
		return snprintf(buf, len, "mkdir %s = %d", rec->path, rec->result);
	case OPS_DIR_REMOVE:
		return snprintf(buf, len, "rmdir %s = %d", rec->path, rec->result);
	case OPS_UNIT_START:
		return snprintf(buf, len, "unit-start %s %s = %d", rec->path,
				rec->value ? rec->value : "", rec->result);
	case OPS_UNIT_STOP:
		return snprintf(buf, len, "unit-stop %s = %d", rec->path, rec->result);
	}
	return snprintf(buf, len, "?");
}
