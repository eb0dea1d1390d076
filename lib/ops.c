// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops: real and recording implementations of the pinning side effects.
 */
#include "ops.h"
#include "pathnames.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libkmod.h>

#include "tasklist.h"
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
 * mkdir or rmdir of path below the root: the parent opened without following
 * a symbolic link, path_last() naming the directory itself.
 */
static int dir_op_beneath(struct path_cxt *pc, const char *path, bool make, mode_t mode)
{
	const char *base;
	int fd, r = 0;

	if (!path_get(pc, "%s", path))
		return -ENAMETOOLONG;
	fd = path_open_parent_beneath(pc, path, &base);
	if (fd < 0)
		return fd;
	if ((make ? mkdirat(fd, base, mode) : unlinkat(fd, base, AT_REMOVEDIR)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int real_dir_make(struct qc_ops *ops, const char *path, mode_t mode)
{
	return dir_op_beneath(ops->pc, path, true, mode);
}

static int real_dir_remove(struct qc_ops *ops, const char *path)
{
	return dir_op_beneath(ops->pc, path, false, 0);
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

/* ---- real: systemd units, through the helper program ------------------------ */

#define UNIT_HELPER_PREFIX "quietcore-unit: "

/* The child: /dev/null in, /dev/null out, stderr into the pipe, then exec. */
static void __attribute__((noreturn))
unit_helper_child(const char *helper, char *const argv[], int devnull, int errfd, int execfd)
{
	sigset_t none;
	int e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(devnull, STDIN_FILENO) < 0 || dup2(devnull, STDOUT_FILENO) < 0 ||
	    dup2(errfd, STDERR_FILENO) < 0)
		goto fail;
	/* nothing else of ours goes along (execfd is close-on-exec already) */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	execv(helper, argv);
fail:
	e = errno;
	if (write(execfd, &e, sizeof(e)) != (ssize_t)sizeof(e))
		_exit(126); /* the parent sees EOF and this status */
	_exit(127);
}

/*
 * Keep the first line of what the helper said, without its "quietcore-unit: "
 * prefix; read (and drop) the rest to EOF so the helper never blocks on us.
 */
static void unit_helper_read_msg(struct qc_ops *ops, int fd)
{
	char buf[1024];
	size_t have = 0;
	ssize_t n;

	ops->unit_msg[0] = '\0';
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (have < sizeof(ops->unit_msg) - 1) {
			size_t take = (size_t)n;

			if (take > sizeof(ops->unit_msg) - 1 - have)
				take = sizeof(ops->unit_msg) - 1 - have;
			memcpy(ops->unit_msg + have, buf, take);
			have += take;
			ops->unit_msg[have] = '\0';
		}
	}
	ops->unit_msg[strcspn(ops->unit_msg, "\n")] = '\0';
	if (strncmp(ops->unit_msg, UNIT_HELPER_PREFIX, strlen(UNIT_HELPER_PREFIX)) == 0)
		memmove(ops->unit_msg, ops->unit_msg + strlen(UNIT_HELPER_PREFIX),
			strlen(ops->unit_msg + strlen(UNIT_HELPER_PREFIX)) + 1);
}

/* How the helper ended, as -errno (its exit status is the errno). */
static int unit_helper_status(struct qc_ops *ops, int status)
{
	const char *helper = ops->unit_helper;

	if (WIFSIGNALED(status)) {
		snprintf(ops->unit_msg, sizeof(ops->unit_msg), "%s killed by signal %d (%s)",
			 helper, WTERMSIG(status), strsignal(WTERMSIG(status)));
		return -EINTR;
	}
	if (!WIFEXITED(status))
		return -EPROTO;
	status = WEXITSTATUS(status);
	if (status == 0) {
		ops->unit_msg[0] = '\0';
		return 0;
	}
	if (!ops->unit_msg[0])
		snprintf(ops->unit_msg, sizeof(ops->unit_msg), "%s exited with status %d", helper,
			 status);
	return status <= 125 ? -status : -EPROTO;
}

/*
 * Run the helper with argv (argv[0] its name): fork + exec, no shell.
 * 0, -N for exit status N, -EINTR killed by a signal, -ENOENT not runnable;
 * ops->unit_msg says why.
 */
static int unit_helper_run(struct qc_ops *ops, char *const argv[])
{
	const char *helper = ops->unit_helper;
	int errpipe[2] = { -1, -1 }, execpipe[2] = { -1, -1 }, devnull = -1;
	int status, e = 0, r;
	pid_t pid;
	ssize_t n;

	ops->unit_msg[0] = '\0';
	if (!helper || !*helper) {
		snprintf(ops->unit_msg, sizeof(ops->unit_msg), "no unit helper program");
		return -ENOENT;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0 || pipe2(errpipe, O_CLOEXEC) < 0 || pipe2(execpipe, O_CLOEXEC) < 0) {
		r = -errno;
		snprintf(ops->unit_msg, sizeof(ops->unit_msg), "cannot run %s: %s", helper,
			 strerror(-r));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		snprintf(ops->unit_msg, sizeof(ops->unit_msg), "cannot run %s: %s", helper,
			 strerror(-r));
		goto out;
	}
	if (pid == 0)
		unit_helper_child(helper, argv, devnull, errpipe[1], execpipe[1]);
	close(errpipe[1]);
	close(execpipe[1]);
	errpipe[1] = execpipe[1] = -1;
	/* EOF once exec succeeded (close-on-exec), else the child's errno */
	do
		n = read(execpipe[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	unit_helper_read_msg(ops, errpipe[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			r = -errno;
			snprintf(ops->unit_msg, sizeof(ops->unit_msg), "waiting for %s: %s", helper,
				 strerror(-r));
			goto out;
		}
	}
	if (n == (ssize_t)sizeof(e)) {
		snprintf(ops->unit_msg, sizeof(ops->unit_msg), "cannot run %s: %s", helper,
			 strerror(e));
		r = -ENOENT;
		goto out;
	}
	r = unit_helper_status(ops, status);
out:
	for (int i = 0; i < 2; i++) {
		if (errpipe[i] >= 0)
			close(errpipe[i]);
		if (execpipe[i] >= 0)
			close(execpipe[i]);
	}
	if (devnull >= 0)
		close(devnull);
	return r;
}

static int real_unit_start_slice(struct qc_ops *ops, const char *unit, const cpuset_t *cpus)
{
	char *list = cpuset_to_list(cpus);
	int r;

	if (!list)
		return -ENOMEM;
	r = unit_helper_run(ops, (char *const[]){ "quietcore-unit", "start-slice", (char *)unit,
						  list, NULL });
	free(list);
	return r;
}

static int real_unit_start_scope(struct qc_ops *ops, const char *unit, const char *slice, pid_t pid)
{
	char num[24];

	snprintf(num, sizeof(num), "%d", (int)pid);
	return unit_helper_run(ops, (char *const[]){ "quietcore-unit", "start-scope", (char *)unit,
						     (char *)slice, num, NULL });
}

static int real_unit_stop(struct qc_ops *ops, const char *unit)
{
	return unit_helper_run(ops,
			       (char *const[]){ "quietcore-unit", "stop", (char *)unit, NULL });
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
	ops->dir_make = real_dir_make;
	ops->dir_remove = real_dir_remove;
	ops->unit_start_slice = real_unit_start_slice;
	ops->unit_start_scope = real_unit_start_scope;
	ops->unit_stop = real_unit_stop;
	ops->unit_helper = QC_UNIT_HELPER;
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

/* The directory part of path ("/a/b/c" -> "/a/b"), into buf; -ENAMETOOLONG. */
static int dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return 0;
}

/* A file of the cgroup file system (either layout). */
static bool is_cgroupfs(const char *path)
{
	return strncmp(path, PATH_SYS_FS_CGROUP "/", strlen(PATH_SYS_FS_CGROUP "/")) == 0;
}

static bool is_subtree_control(const char *path)
{
	const char *base = strrchr(path, '/');

	return base && strcmp(base + 1, "cgroup.subtree_control") == 0;
}

#define FAKE_WORDS 32
#define FAKE_WORD_LEN 32

/* Split s into up to FAKE_WORDS words; returns the count or -EINVAL. */
static int split_words(const char *s, char (*w)[FAKE_WORD_LEN])
{
	int n = 0;

	for (s += strspn(s, " \t\n"); *s; s += strspn(s, " \t\n")) {
		size_t l = strcspn(s, " \t\n");

		if (n == FAKE_WORDS || l >= FAKE_WORD_LEN)
			return -EINVAL;
		memcpy(w[n], s, l);
		w[n++][l] = '\0';
		s += l;
	}
	return n;
}

static int word_index(char (*w)[FAKE_WORD_LEN], int n, const char *word)
{
	for (int i = 0; i < n; i++)
		if (strcmp(w[i], word) == 0)
			return i;
	return -1;
}

/*
 * What the kernel makes of "+name -name ..." written to a
 * cgroup.subtree_control: the set of enabled controllers, each one of the
 * directory's cgroup.controllers (else -ENOENT), printed in that file's order
 * (the kernel's controller order). The new content into out.
 */
static int fake_subtree_control(struct qc_ops *ops, const char *path, const char *str, char *out,
				size_t len)
{
	char cur[FAKE_WORDS][FAKE_WORD_LEN], avail[FAKE_WORDS][FAKE_WORD_LEN];
	char req[FAKE_WORDS][FAKE_WORD_LEN], dir[PATH_MAX], buf[1024];
	int ncur, navail = -1, nreq;
	size_t pos = 0;

	if (path_read_buf_beneath(ops->pc, buf, sizeof(buf), "%s", path) < 0)
		buf[0] = '\0';
	ncur = split_words(buf, cur);
	nreq = split_words(str, req);
	if (ncur < 0 || nreq < 0)
		return -EINVAL;
	if (dir_of(path, dir, sizeof(dir)) == 0 &&
	    path_read_buf_beneath(ops->pc, buf, sizeof(buf), "%s/cgroup.controllers", dir) >= 0)
		navail = split_words(buf, avail);
	for (int i = 0; i < nreq; i++) {
		const char *name = req[i] + 1;
		int at = word_index(cur, ncur, name);

		if ((req[i][0] != '+' && req[i][0] != '-') || !*name)
			return -EINVAL;
		if (req[i][0] == '+' && navail >= 0 && word_index(avail, navail, name) < 0)
			return -ENOENT;
		if (req[i][0] == '+' && at < 0) {
			if (ncur == FAKE_WORDS)
				return -EINVAL;
			strcpy(cur[ncur++], name);
		} else if (req[i][0] == '-' && at >= 0) {
			memmove(cur[at], cur[at + 1], (size_t)(ncur - at - 1) * sizeof(cur[0]));
			ncur--;
		}
	}
	out[0] = '\0';
	for (int i = 0; i < (navail >= 0 ? navail : ncur); i++) {
		const char *w = navail >= 0 ? avail[i] : cur[i];

		if (word_index(cur, ncur, w) >= 0)
			pos += (size_t)snprintf(out + pos, len - pos, "%s%s", pos ? " " : "", w);
		if (pos >= len)
			return -ENAMETOOLONG;
	}
	if (pos + 2 > len)
		return -ENAMETOOLONG;
	strcpy(out + pos, "\n");
	return 0;
}

static bool is_cgroup_procs(const char *path)
{
	const char *base = strrchr(path, '/');

	return base && strcmp(base + 1, "cgroup.procs") == 0;
}

/* text without the lines that are exactly line, into a new string; NULL: no memory. */
static char *drop_line(const char *text, const char *line)
{
	size_t n = strlen(line), pos = 0;
	char *out = malloc(strlen(text) + 1);

	if (!out)
		return NULL;
	for (const char *p = text; *p;) {
		size_t l = strcspn(p, "\n");
		size_t step = l + (p[l] == '\n');

		if (!(l == n && strncmp(p, line, n) == 0)) {
			memcpy(out + pos, p, step);
			pos += step;
		}
		p += step;
	}
	out[pos] = '\0';
	return out;
}

/*
 * A PID written to a cgroup.procs of the cgroup-v2 tree (the hybrid one when
 * /sys/fs/cgroup/unified/cgroup.controllers exists): the task moves there. Where it was is the "0::" line of <root>/proc/PID/cgroup (no such
 * file: -ESRCH); the PID leaves that cgroup's cgroup.procs, is appended to
 * this one's, and the line is rewritten. 1: not a cgroup-v2 cgroup.procs
 * (written as any file).
 */
static int fake_procs_move(struct qc_ops *ops, const char *path, const char *str)
{
	struct path_cxt *pc = ops->pc;
	const char *mp = path_exists(pc, PATH_SYS_FS_CGROUP_UNIFIED "/cgroup.controllers") ?
				 PATH_SYS_FS_CGROUP_UNIFIED :
				 PATH_SYS_FS_CGROUP;
	size_t ml = strlen(mp);
	const char *slash = strrchr(path, '/');
	char num[16], from[PATH_MAX], *procs = NULL, *out = NULL;
	int32_t pid;
	int r, rl;

	snprintf(num, sizeof(num), "%.*s", (int)strcspn(str, "\n"), str);
	if (strncmp(path, mp, ml) != 0 || path[ml] != '/' || !slash || slash < path + ml)
		return 1;
	rl = (int)(slash - (path + ml)); /* the cgroup's path below the mount, "" the root */
	if (parse_s32(num, &pid) < 0 || pid <= 0)
		return -EINVAL;
	r = taskstat_cgroup(pc, pid, from, sizeof(from));
	if (r < 0 && r != -ENODATA)
		return r == -ENOENT ? -ESRCH : r;
	if (r == 0) { /* out of where it was */
		r = path_read_all(pc, 1 << 20, &procs, NULL, "%s%s/cgroup.procs", mp,
				  strcmp(from, "/") ? from : "");
		if (r == 0) {
			out = drop_line(procs, num);
			r = out ? path_write_str(pc, out, "%s%s/cgroup.procs", mp,
						 strcmp(from, "/") ? from : "") :
				  -ENOMEM;
		}
		free(procs);
		free(out);
		procs = out = NULL;
		if (r < 0 && r != -ENOENT)
			goto out;
	}
	/* into this one */
	r = path_read_all(pc, 1 << 20, &procs, NULL, "%s", path);
	if (r == 0 && asprintf(&out, "%s%s\n", procs, num) < 0)
		r = -ENOMEM;
	if (r == 0)
		r = path_write_str(pc, out, "%s", path);
	free(procs);
	free(out);
	out = NULL;
	if (r < 0)
		goto out;
	/* /proc/PID/cgroup says so */
	if (asprintf(&out, "0::%.*s\n", rl ? rl : 1, rl ? path + ml : "/") < 0) {
		r = -ENOMEM;
		goto out;
	}
	r = path_write_str(pc, out, PATH_PROC "/%d/cgroup", (int)pid);
out:
	free(out);
	return r;
}

/* "<file>.readback", when there is one, replaces the file after a write, once. */
static int fake_readback(struct qc_ops *ops, const char *path)
{
	char *text = NULL;
	int r;

	r = path_read_all(ops->pc, 1 << 20, &text, NULL, "%s.readback", path);
	if (r == -ENOENT)
		return 0;
	if (r == 0)
		r = path_write_str_beneath(ops->pc, text ? text : "", "%s", path);
	free(text);
	if (r == 0) /* once: the next write reads back as written */
		unlink(path_get(ops->pc, "%s.readback", path));
	return r;
}

/*
 * What the kernel does when a partition forms or ends: every task of the
 * other cgroups is re-affined to their cpuset's effective CPUs (6.1: the
 * whole set, the task's own mask forgotten). Here, for the fake tasks whose
 * /proc/PID/cgroup names a cgroup other than the root and the partition:
 * the root's cpuset.cpus.effective without the partition's CPUs while it is
 * one, all of them again when it ends. Per-CPU kthreads are left alone.
 * Not logged: it is the kernel's doing, not an operation of ours.
 */
static const char *fake_cgroup_root(struct qc_ops *ops);

struct fake_reaffine {
	struct qc_ops *ops;
	const char *part; /* the partition's cgroup path ("/quietcore.slice") */
	cpuset_t to;
};

static int fake_reaffine_task(const struct taskid *id, void *data)
{
	struct fake_reaffine *fr = data;
	char cg[PATH_MAX];
	struct taskstat st;
	size_t n = strlen(fr->part);

	if (taskstat_cgroup(fr->ops->pc, id->pid, cg, sizeof(cg)) < 0 || strcmp(cg, "/") == 0 ||
	    (strncmp(cg, fr->part, n) == 0 && (!cg[n] || cg[n] == '/')))
		return 0;
	if (taskstat_read(fr->ops->pc, id->pid, id->tid, &st) == 0 && taskstat_is_percpu(&st))
		return 0;
	fake_status_update(fr->ops, id->pid, id->tid, &fr->to);
	return 0;
}

static void fake_partition_reaffine(struct qc_ops *ops, const char *path, const char *str)
{
	const char *root = fake_cgroup_root(ops), *base = strrchr(path, '/');
	struct fake_reaffine fr = { .ops = ops };
	size_t rl = strlen(root);
	char part[PATH_MAX];
	cpuset_t cpus;

	if (!str || !base || strcmp(base + 1, "cpuset.cpus.partition") != 0 ||
	    strncmp(path, root, rl) != 0 || base <= path + rl ||
	    path_read_cpulist(ops->pc, 0, &fr.to, "%s/cpuset.cpus.effective", root) < 0)
		return;
	snprintf(part, sizeof(part), "%.*s", (int)(base - (path + rl)), path + rl);
	fr.part = part;
	if ((strncmp(str, "isolated", 8) == 0 || strncmp(str, "root", 4) == 0) &&
	    path_read_cpulist(ops->pc, 0, &cpus, "%.*s/cpuset.cpus", (int)(base - path), path) == 0)
		cpuset_andnot(&fr.to, &fr.to, &cpus);
	tasklist_foreach(ops->pc, fake_reaffine_task, &fr);
}

static int fake_file_write(struct qc_ops *ops, const char *path, const char *str)
{
	char subtree[FAKE_WORDS * FAKE_WORD_LEN + 2], *line = NULL;
	const char *content = str;
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
	if (r == 0 && is_subtree_control(path)) {
		r = fake_subtree_control(ops, path, str, subtree, sizeof(subtree));
		content = subtree;
	}
	if (r == 0 && is_cgroup_procs(path)) {
		int m = fake_procs_move(ops, path, str);

		if (m <= 0) { /* moved (or refused): not written as a file */
			r = m;
			close(fd);
			fd = -1;
			content = NULL;
		}
	}
	if (r == 0 && content && content == str && is_cgroupfs(path) &&
	    (!*str || str[strlen(str) - 1] != '\n')) {
		if (asprintf(&line, "%s\n", str) < 0)
			r = -ENOMEM;
		content = line;
	}
	path_get(ops->pc, "%s", path); /* path_last() names the file, not its sidecar */
	if (r == 0 && content && ftruncate(fd, 0) < 0)
		r = -errno;
	if (r == 0 && content) {
		r = fd_write_str(fd, content);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	if (r == 0)
		r = fake_readback(ops, path);
	if (r == 0)
		fake_partition_reaffine(ops, path, str);
	path_get(ops->pc, "%s", path);
	free(line);
out:
	log_add(ops, OPS_FILE_WRITE, 0, 0, path, str, r);
	return r;
}

/* A new file name in the fake directory dir, with content (raw). */
static int fake_create(struct path_cxt *pc, const char *dir, const char *name, const char *content,
		       mode_t mode)
{
	const char *p = path_get(pc, "%s/%s", dir, name);
	int fd;

	if (!p)
		return -ENAMETOOLONG;
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0) { /* whatever the umask */
		close(fd);
		return -errno;
	}
	return fd_write_str(fd, content);
}

/*
 * A cgroup made below a cgroup (a directory with cgroup.subtree_control) gets
 * the interface files the kernel shows: cgroup.procs, cgroup.controllers
 * (the parent's subtree_control), cgroup.subtree_control and, when the parent
 * enables cpuset, cpuset.cpus, cpuset.mems, cpuset.cpus.partition ("member")
 * and the effective sets inherited from the parent.
 */
static int fake_cgroup_populate(struct qc_ops *ops, const char *path)
{
	char parent[PATH_MAX], ctl[1024], eff[4096], words[FAKE_WORDS][FAKE_WORD_LEN];
	static const struct {
		const char *name;
		const char *content; /* NULL: the parent's file of that name */
		mode_t mode;
	} cpuset_files[] = {
		{ "cpuset.cpus", "\n", 0644 },
		{ "cpuset.mems", "\n", 0644 },
		{ "cpuset.cpus.partition", "member\n", 0644 },
		{ "cpuset.cpus.effective", NULL, 0444 },
		{ "cpuset.mems.effective", NULL, 0444 },
	};
	ssize_t n;
	int r, nw;

	if (dir_of(path, parent, sizeof(parent)) < 0)
		return -ENAMETOOLONG;
	n = path_read_buf_beneath(ops->pc, ctl, sizeof(ctl) - 1, "%s/cgroup.subtree_control",
				  parent);
	if (n == -ENOENT)
		return 0; /* not below a cgroup: a plain directory */
	if (n < 0)
		return (int)n;
	nw = split_words(ctl, words);
	strcat(ctl, "\n");
	if ((r = fake_create(ops->pc, path, "cgroup.procs", "", 0644)) < 0 ||
	    (r = fake_create(ops->pc, path, "cgroup.controllers", ctl, 0444)) < 0 ||
	    (r = fake_create(ops->pc, path, "cgroup.subtree_control", "\n", 0644)) < 0)
		return r;
	if (nw < 0 || word_index(words, nw, "cpuset") < 0)
		return 0;
	for (size_t i = 0; i < sizeof(cpuset_files) / sizeof(cpuset_files[0]); i++) {
		const char *content = cpuset_files[i].content;

		if (!content) {
			n = path_read_buf_beneath(ops->pc, eff, sizeof(eff) - 1, "%s/%s", parent,
						  cpuset_files[i].name);
			if (n < 0)
				eff[0] = '\0';
			strcat(eff, "\n");
			content = eff;
		}
		r = fake_create(ops->pc, path, cpuset_files[i].name, content, cpuset_files[i].mode);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The test's own files for a directory that does not exist yet: each
 * "<dir>.mkdir.<file>" beside it becomes <dir>/<file> once it is made.
 */
static int fake_mkdir_sidecars(struct qc_ops *ops, const char *path)
{
	char parent[PATH_MAX], prefix[NAME_MAX + 8];
	const char *base = strrchr(path, '/') + 1;
	struct dirent *de;
	size_t pl;
	DIR *d;
	int r = 0;

	if (dir_of(path, parent, sizeof(parent)) < 0)
		return -ENAMETOOLONG;
	snprintf(prefix, sizeof(prefix), "%s.mkdir.", base);
	pl = strlen(prefix);
	d = path_opendir(ops->pc, "%s", parent);
	if (!d)
		return -errno;
	while (r == 0 && (de = readdir(d))) {
		char *text = NULL;
		const char *p;

		if (strncmp(de->d_name, prefix, pl) != 0 || !de->d_name[pl])
			continue;
		r = path_read_all(ops->pc, 1 << 20, &text, NULL, "%s/%s", parent, de->d_name);
		if (r == 0 && !(p = path_get(ops->pc, "%s/%s", path, de->d_name + pl)))
			r = -ENAMETOOLONG;
		if (r == 0) {
			int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
				      0644);

			r = fd < 0 ? -errno : fd_write_str(fd, text);
		}
		free(text);
	}
	closedir(d);
	return r;
}

static int fake_dir_make(struct qc_ops *ops, const char *path, mode_t mode)
{
	int r = fake_sidecar_errno(ops->pc, path);

	if (r == 0)
		r = dir_op_beneath(ops->pc, path, true, mode);
	if (r == 0)
		r = fake_cgroup_populate(ops, path);
	if (r == 0)
		r = fake_mkdir_sidecars(ops, path);
	path_get(ops->pc, "%s", path);
	log_add(ops, OPS_DIR_MAKE, 0, 0, path, NULL, r);
	return r;
}

/* The directory path below the root, opened without following a symbolic link. */
static int open_dir_beneath(struct path_cxt *pc, const char *path)
{
	const char *base;
	int pfd, fd;

	pfd = path_open_parent_beneath(pc, path, &base);
	if (pfd < 0)
		return pfd;
	fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fd = errno == ELOOP ? -PATH_ESYMLINK : -errno;
	close(pfd);
	return fd;
}

/*
 * rmdir of a cgroup, as the kernel does it: -EBUSY while it has tasks
 * (cgroup.procs not empty) or child cgroups; else its interface files go with
 * it. A directory without cgroup.procs is a plain one (rmdir as it is).
 */
static int fake_cgroup_depopulate(struct qc_ops *ops, const char *path)
{
	char procs[64];
	struct dirent *de;
	DIR *d;
	int fd, r = 0;
	ssize_t n;

	n = path_read_buf_beneath(ops->pc, procs, sizeof(procs), "%s/cgroup.procs", path);
	if (n == -ENOENT)
		return 0;
	if (n == -EFBIG || n > 0)
		return -EBUSY;
	if (n < 0)
		return (int)n;
	fd = open_dir_beneath(ops->pc, path);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	/* two passes: nothing is removed from a cgroup that stays */
	for (int pass = 0; pass < 2 && r == 0; pass++) {
		rewinddir(d);
		while ((de = readdir(d))) {
			struct stat st;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				r = -errno;
				break;
			}
			if (pass == 0 && S_ISDIR(st.st_mode)) {
				r = -EBUSY; /* a child cgroup */
				break;
			}
			if (pass == 1 && unlinkat(dirfd(d), de->d_name, 0) < 0) {
				r = -errno;
				break;
			}
		}
	}
	closedir(d);
	return r;
}

static int fake_dir_remove(struct qc_ops *ops, const char *path)
{
	int r = fake_sidecar_errno(ops->pc, path);

	if (r == 0)
		r = fake_cgroup_depopulate(ops, path);
	if (r == 0)
		r = dir_op_beneath(ops->pc, path, false, 0);
	path_get(ops->pc, "%s", path);
	log_add(ops, OPS_DIR_REMOVE, 0, 0, path, NULL, r);
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

/* ---- recording: systemd's units on the fake cgroup tree ---------------------- */

#define FAKE_UNIT_REFUSE "/run/systemd/qc-fake-refuse"

/* The fake tree's cgroup-v2 mount: the hybrid layout's unified, else /sys/fs/cgroup. */
static const char *fake_cgroup_root(struct qc_ops *ops)
{
	if (path_exists(ops->pc, PATH_SYS_FS_CGROUP_UNIFIED "/cgroup.controllers"))
		return PATH_SYS_FS_CGROUP_UNIFIED;
	return PATH_SYS_FS_CGROUP;
}

/* A unit name systemd accepts, of the given type (".slice", ".scope"). */
static bool fake_unit_name_valid(const char *unit, const char *suffix)
{
	size_t n = strlen(unit), m = strlen(suffix);

	if (n <= m || n > 255 || strcmp(unit + n - m, suffix) != 0 || unit[0] == '.')
		return false;
	for (size_t i = 0; i < n - m; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.\\@",
			    unit[i]))
			return false;
	if (strcmp(suffix, ".slice") == 0 && strcmp(unit, "-.slice") != 0)
		/* the dashes are the path: none at either end, no two together */
		return unit[0] != '-' && unit[n - m - 1] != '-' && !strstr(unit, "--");
	return true;
}

/*
 * Where systemd puts a slice, below the cgroup root: "a-b.slice" is
 * "/a.slice/a-b.slice", the root slice "-.slice" is "". The name is valid.
 */
static int fake_slice_dir(const char *slice, char *buf, size_t len)
{
	size_t n = strlen(slice) - strlen(".slice"), pos = 0;

	buf[0] = '\0';
	if (strcmp(slice, "-.slice") == 0)
		return 0;
	for (size_t i = 1; i <= n; i++) {
		int w;

		if (i < n && slice[i] != '-')
			continue;
		w = snprintf(buf + pos, len - pos, "/%.*s.slice", (int)i, slice);
		if (w < 0 || (size_t)w >= len - pos)
			return -ENAMETOOLONG;
		pos += (size_t)w;
	}
	return 0;
}

/* A new file name in dir (both below the root) holding content, with mode. */
static int fake_put(struct qc_ops *ops, const char *dir, const char *name, const char *content,
		    mode_t mode)
{
	const char *p = path_get(ops->pc, "%s/%s", dir, name);
	int fd;

	if (!p)
		return -errno;
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd_write_str(fd, content);
}

/* mkdir of a cgroup systemd makes: with an empty cgroup.procs. -EEXIST if there. */
static int fake_cgroup_make(struct qc_ops *ops, const char *dir)
{
	const char *p = path_get(ops->pc, "%s", dir);

	if (!p)
		return -errno;
	if (mkdir(p, 0755) < 0)
		return -errno;
	return fake_put(ops, dir, "cgroup.procs", "", 0644);
}

/* The slice's parent slices, made where missing, as systemd starts them first. */
static int fake_slice_parents(struct qc_ops *ops, const char *root, const char *slicedir)
{
	char dir[PATH_MAX];
	int r;

	for (const char *s = strchr(slicedir + 1, '/'); s; s = strchr(s + 1, '/')) {
		snprintf(dir, sizeof(dir), "%s%.*s", root, (int)(s - slicedir), slicedir);
		r = fake_cgroup_make(ops, dir);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}

/* Remove a directory below the root and everything in it, files first. */
static int fake_remove_tree(const char *full)
{
	struct dirent *de;
	DIR *d = opendir(full);
	int r = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char sub[PATH_MAX];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", full, de->d_name) >= (int)sizeof(sub)) {
			r = -ENAMETOOLONG;
			break;
		}
		if (lstat(sub, &st) < 0)
			r = -errno;
		else if (S_ISDIR(st.st_mode))
			r = fake_remove_tree(sub);
		else if (unlink(sub) < 0)
			r = -errno;
		if (r < 0)
			break;
	}
	closedir(d);
	if (r == 0 && rmdir(full) < 0)
		r = -errno;
	return r;
}

/* The directory named unit anywhere below full (depth first) into buf; false if none. */
static bool fake_find_unit(const char *full, const char *unit, char *buf, size_t len)
{
	struct dirent *de;
	DIR *d = opendir(full);
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char sub[PATH_MAX];

		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", full, de->d_name) >= (int)sizeof(sub))
			continue;
		if (de->d_type != DT_DIR &&
		    (de->d_type != DT_UNKNOWN || lstat(sub, &st) < 0 || !S_ISDIR(st.st_mode)))
			continue;
		if (strcmp(de->d_name, unit) == 0) {
			found = (size_t)snprintf(buf, len, "%s", sub) < len;
			continue;
		}
		found = fake_find_unit(sub, unit, buf, len);
	}
	closedir(d);
	return found;
}

/* systemd's refusal of a name that is not a unit's of this type: -EINVAL. */
static int fake_unit_check_name(struct qc_ops *ops, const char *unit, const char *suffix)
{
	if (fake_unit_name_valid(unit, suffix))
		return 0;
	snprintf(ops->unit_msg, sizeof(ops->unit_msg), "Unit name %.200s is not valid.", unit);
	return -EINVAL;
}

/*
 * What a start of a unit with a valid name checks, as systemd would: the
 * refusal file (-EPERM with its text), no directory dir there yet (-EEXIST).
 */
static int fake_unit_may_start(struct qc_ops *ops, const char *unit, const char *dir)
{
	char reason[sizeof(ops->unit_msg)];
	ssize_t n;

	n = path_read_buf(ops->pc, reason, sizeof(reason), FAKE_UNIT_REFUSE "/%s", unit);
	if (n >= 0) {
		snprintf(ops->unit_msg, sizeof(ops->unit_msg), "%s",
			 n > 0 ? reason : "refused (fake systemd)");
		return -EPERM;
	}
	if (path_exists(ops->pc, "%s", dir)) {
		snprintf(ops->unit_msg, sizeof(ops->unit_msg), "unit %.200s is already active",
			 unit);
		return -EEXIST;
	}
	return 0;
}

/* The slice's files, as systemd (AllowedCPUs=) and the kernel make them. */
static int fake_slice_files(struct qc_ops *ops, const char *dir, const char *list)
{
	char *content = NULL;
	int r;

	if (asprintf(&content, "%s\n", list) < 0)
		return -ENOMEM;
	r = fake_put(ops, dir, "cpuset.cpus", content, 0644);
	if (r == 0)
		r = fake_put(ops, dir, "cpuset.cpus.effective", content, 0444);
	if (r == 0)
		r = fake_put(ops, dir, "cpuset.cpus.partition", "member\n", 0644);
	free(content);
	return r;
}

static int fake_unit_start_slice(struct qc_ops *ops, const char *unit, const cpuset_t *cpus)
{
	const char *root = fake_cgroup_root(ops);
	char rel[PATH_MAX], dir[PATH_MAX], *list = cpuset_to_list(cpus), *value = NULL;
	int r;

	ops->unit_msg[0] = '\0';
	if (!list || asprintf(&value, "AllowedCPUs=%s", list) < 0) {
		value = NULL;
		r = -ENOMEM;
		goto out;
	}
	r = fake_unit_check_name(ops, unit, ".slice");
	if (r == 0)
		r = fake_slice_dir(unit, rel, sizeof(rel));
	if (r == 0 && snprintf(dir, sizeof(dir), "%s%s", root, rel) >= (int)sizeof(dir))
		r = -ENAMETOOLONG;
	/* "-.slice", the root slice ("" below the root), is always there */
	if (r == 0)
		r = fake_unit_may_start(ops, unit, dir);
	if (r == 0)
		r = fake_slice_parents(ops, root, rel);
	if (r == 0)
		r = fake_cgroup_make(ops, dir);
	if (r == 0) {
		r = fake_slice_files(ops, dir, list);
		if (r < 0) /* systemd: the unit failed, its cgroup gone */
			fake_remove_tree(path_get(ops->pc, "%s", dir));
	}
out:
	if (r < 0 && !ops->unit_msg[0])
		snprintf(ops->unit_msg, sizeof(ops->unit_msg), "%s", strerror(-r));
	log_add(ops, OPS_UNIT_START, 0, 0, unit, value, r);
	free(value);
	free(list);
	return r;
}

static int fake_unit_start_scope(struct qc_ops *ops, const char *unit, const char *slice, pid_t pid)
{
	const char *root = fake_cgroup_root(ops);
	char rel[PATH_MAX], slicedir[PATH_MAX], dir[PATH_MAX], value[PATH_MAX], num[24];
	int r;

	ops->unit_msg[0] = '\0';
	rel[0] = '\0';
	snprintf(value, sizeof(value), "Slice=%s PID=%d", slice, (int)pid);
	r = fake_unit_check_name(ops, unit, ".scope");
	if (r == 0 && (!fake_unit_name_valid(slice, ".slice") || pid <= 0)) {
		snprintf(ops->unit_msg, sizeof(ops->unit_msg), "Invalid slice or PID: %.200s",
			 value);
		r = -EINVAL;
	}
	if (r == 0)
		r = fake_slice_dir(slice, rel, sizeof(rel));
	if (r == 0 &&
	    (snprintf(slicedir, sizeof(slicedir), "%s%s", root, rel) >= (int)sizeof(slicedir) ||
	     snprintf(dir, sizeof(dir), "%s/%s", slicedir, unit) >= (int)sizeof(dir)))
		r = -ENAMETOOLONG;
	if (r == 0)
		r = fake_unit_may_start(ops, unit, dir);
	/* a slice not started yet: systemd starts it (and its parents) first */
	if (r == 0 && *rel) {
		r = fake_slice_parents(ops, root, rel);
		if (r == 0)
			r = fake_cgroup_make(ops, slicedir);
		if (r == -EEXIST)
			r = 0;
	}
	if (r == 0)
		r = fake_cgroup_make(ops, dir);
	if (r == 0) {
		char procs[PATH_MAX + 16];

		snprintf(num, sizeof(num), "%d\n", (int)pid);
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
		/* a task of the fake /proc moves, as systemd moves it; else it is listed */
		if (path_exists(ops->pc, PATH_PROC "/%d/cgroup", (int)pid))
			r = fake_procs_move(ops, procs, num);
		else
			r = path_write_str(ops->pc, num, "%s", procs);
		if (r < 0)
			fake_remove_tree(path_get(ops->pc, "%s", dir));
	}
	if (r < 0 && !ops->unit_msg[0])
		snprintf(ops->unit_msg, sizeof(ops->unit_msg), "%s", strerror(-r));
	log_add(ops, OPS_UNIT_START, 0, 0, unit, value, r);
	return r;
}

static int fake_unit_stop(struct qc_ops *ops, const char *unit)
{
	const char *full;
	char found[PATH_MAX];
	int r = 0;

	ops->unit_msg[0] = '\0';
	full = path_get(ops->pc, "%s", fake_cgroup_root(ops));
	/* a name with '/' or a leading '.' is no unit's: nothing loaded */
	if (full && unit[0] && unit[0] != '.' && !strchr(unit, '/') &&
	    fake_find_unit(full, unit, found, sizeof(found))) {
		r = fake_remove_tree(found);
		if (r < 0)
			snprintf(ops->unit_msg, sizeof(ops->unit_msg), "%.200s: %s", found,
				 strerror(-r));
	}
	log_add(ops, OPS_UNIT_STOP, 0, 0, unit, NULL, r);
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
	ops->dir_make = fake_dir_make;
	ops->dir_remove = fake_dir_remove;
	ops->unit_start_slice = fake_unit_start_slice;
	ops->unit_start_scope = fake_unit_start_scope;
	ops->unit_stop = fake_unit_stop;
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
