// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cgroup: the cgroup-v2 cpuset interface (lib/cgroup.h), below the root of
 * the path context, every change through the ops table.
 */
#include "cgroup.h"
#include "pathnames.h"
#include "taskstat.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strv.h"

#define ELEMS(a) (sizeof(a) / sizeof((a)[0]))
/* a cgroup's directory (the mount point, '/', a name) and a file in it */
#define DIR_LEN (sizeof(PATH_SYS_FS_CGROUP_UNIFIED) + 1 + CGROUP_NAME_MAX + 1)
#define FILE_LEN (DIR_LEN + 32)

/* ---- names ------------------------------------------------------------------ */

const char *cgroup_mount_path(enum cgroup_mount m)
{
	switch (m) {
	case CGROUP_MOUNT_UNIFIED:
		return PATH_SYS_FS_CGROUP;
	case CGROUP_MOUNT_HYBRID:
		return PATH_SYS_FS_CGROUP_UNIFIED;
	case CGROUP_MOUNT_NONE:
		break;
	}
	return NULL;
}

const char *cgroup_mount_word(enum cgroup_mount m)
{
	switch (m) {
	case CGROUP_MOUNT_UNIFIED:
		return "unified";
	case CGROUP_MOUNT_HYBRID:
		return "hybrid";
	case CGROUP_MOUNT_NONE:
		break;
	}
	return NULL;
}

enum cgroup_mount cgroup_mount_from_word(const char *word)
{
	if (word && strcmp(word, "unified") == 0)
		return CGROUP_MOUNT_UNIFIED;
	if (word && strcmp(word, "hybrid") == 0)
		return CGROUP_MOUNT_HYBRID;
	return CGROUP_MOUNT_NONE;
}

bool cgroup_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > CGROUP_NAME_MAX || name[0] == '.')
		return false;
	for (; *name; name++)
		if (!isalnum((unsigned char)*name) && !strchr("_.:@-", *name))
			return false;
	return true;
}

const char *cgroup_ptype_str(enum cgroup_ptype t)
{
	switch (t) {
	case CGROUP_P_MEMBER:
		return "member";
	case CGROUP_P_ROOT:
		return "root";
	case CGROUP_P_ISOLATED:
		return "isolated";
	}
	return "member";
}

/* ---- cpuset.cpus.partition ----------------------------------------------------- */

/* The kernel's perr_strings[] of 6.1 and 6.12 (kernel/cgroup/cpuset.c). */
static const struct {
	const char *text;
	enum cgroup_invalid why;
} invalid_reasons[] = {
	{ "Invalid cpu list in cpuset.cpus", CGROUP_INV_CPULIST },	     /* 6.1 */
	{ "Invalid cpu list in cpuset.cpus.exclusive", CGROUP_INV_CPULIST }, /* 6.12 */
	{ "Parent is an invalid partition root", CGROUP_INV_PARENT_INVALID },
	{ "Parent is not a partition root", CGROUP_INV_PARENT_NOT_ROOT },
	{ "Cpu list in cpuset.cpus not exclusive", CGROUP_INV_NOT_EXCLUSIVE },
	{ "Parent unable to distribute cpu downstream", CGROUP_INV_NO_DISTRIBUTE },
	{ "No cpu available due to hotplug", CGROUP_INV_HOTPLUG },
	{ "cpuset.cpus is empty", CGROUP_INV_EMPTY },				 /* 6.1 */
	{ "cpuset.cpus and cpuset.cpus.exclusive are empty", CGROUP_INV_EMPTY }, /* 6.12 */
	{ "partition config conflicts with housekeeping setup", CGROUP_INV_HOUSEKEEPING },
	{ "Enable partition not permitted", CGROUP_INV_NOT_PERMITTED },
};

int cgroup_partition_parse(const char *text, struct cgroup_partition *ret)
{
	struct cgroup_partition st = { 0 };
	size_t n = strlen(text), tl;
	const char *p;

	if (n && text[n - 1] == '\n')
		n--;
	if (memchr(text, '\n', n))
		return -EINVAL;
	if (n >= 4 && strncmp(text, "root", 4) == 0) {
		st.type = CGROUP_P_ROOT;
		tl = 4;
	} else if (n >= 8 && strncmp(text, "isolated", 8) == 0) {
		st.type = CGROUP_P_ISOLATED;
		tl = 8;
	} else if (n == 6 && strncmp(text, "member", 6) == 0) {
		*ret = st;
		return 0;
	} else {
		return -EINVAL;
	}
	if (tl == n) { /* "root", "isolated" */
		*ret = st;
		return 0;
	}
	p = text + tl;
	n -= tl;
	if (n < 8 || strncmp(p, " invalid", 8) != 0)
		return -EINVAL;
	st.invalid = CGROUP_INV_UNKNOWN;
	p += 8;
	n -= 8;
	if (n > 0) { /* " (REASON)" */
		size_t rl;

		if (n < 4 || p[0] != ' ' || p[1] != '(' || p[n - 1] != ')')
			return -EINVAL;
		rl = n - 3;
		/* longer than any kernel text: kept as far as it fits */
		snprintf(st.reason, sizeof(st.reason), "%.*s", (int)rl, p + 2);
		for (size_t i = 0; i < ELEMS(invalid_reasons); i++)
			if (strlen(invalid_reasons[i].text) == rl &&
			    strncmp(invalid_reasons[i].text, p + 2, rl) == 0)
				st.invalid = invalid_reasons[i].why;
	}
	*ret = st;
	return 0;
}

/* ---- probing ------------------------------------------------------------------- */

/* word is one of the space-separated words of s. */
static bool has_word(const char *s, const char *word)
{
	size_t wl = strlen(word);

	for (s += strspn(s, " \t\n"); *s; s += strspn(s, " \t\n")) {
		size_t l = strcspn(s, " \t\n");

		if (l == wl && strncmp(s, word, l) == 0)
			return true;
		s += l;
	}
	return false;
}

/*
 * The cgroup2 mount from mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS
 * [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS". A later line at the same mount
 * point covers an earlier one, so the last one at each of the two places
 * systemd mounts it counts. -EINVAL for a line that is not mountinfo.
 */
static int mountinfo_cgroup2(char *text, enum cgroup_mount *ret)
{
	bool unified = false, hybrid = false;

	for (char *line = text, *next; line && *line; line = next) {
		char *nl = strchr(line, '\n'), *sep, *mp, *fstype;
		size_t mpl, fl;
		bool v2;

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		if (!*line)
			continue;
		sep = strstr(line, " - ");
		mp = line;
		for (int i = 0; mp && i < 4; i++) {
			mp = strchr(mp, ' ');
			mp = mp ? mp + 1 : NULL;
		}
		if (!sep || !mp || mp > sep)
			return -EINVAL;
		mpl = strcspn(mp, " ");
		fstype = sep + 3;
		fl = strcspn(fstype, " ");
		v2 = fl == 7 && strncmp(fstype, "cgroup2", 7) == 0;
		if (mpl == strlen(PATH_SYS_FS_CGROUP) && !strncmp(mp, PATH_SYS_FS_CGROUP, mpl))
			unified = v2;
		else if (mpl == strlen(PATH_SYS_FS_CGROUP_UNIFIED) &&
			 !strncmp(mp, PATH_SYS_FS_CGROUP_UNIFIED, mpl))
			hybrid = v2;
	}
	*ret = unified ? CGROUP_MOUNT_UNIFIED : hybrid ? CGROUP_MOUNT_HYBRID : CGROUP_MOUNT_NONE;
	return 0;
}

static int probe_mount(struct path_cxt *pc, enum cgroup_mount *ret)
{
	char *text = NULL;
	int r;

	r = path_read_str(pc, &text, PATH_PROC_SELF_MOUNTINFO);
	if (r == -ENOENT) {
		/* a captured tree: no mountinfo, the hierarchy's files tell */
		if (path_exists(pc, PATH_SYS_FS_CGROUP "/cgroup.controllers"))
			*ret = CGROUP_MOUNT_UNIFIED;
		else if (path_exists(pc, PATH_SYS_FS_CGROUP_UNIFIED "/cgroup.controllers"))
			*ret = CGROUP_MOUNT_HYBRID;
		else
			*ret = CGROUP_MOUNT_NONE;
		return 0;
	}
	if (r < 0)
		return r;
	r = mountinfo_cgroup2(text, ret);
	free(text);
	if (r < 0)
		path_get(pc, PATH_PROC_SELF_MOUNTINFO);
	return r;
}

/* "6.1.0-27-amd64", "6.12.12+bpo-amd64", "7.0.0-rc1", "6.8-rc1": at least major.minor. */
static int parse_kver(const char *s, unsigned int v[3])
{
	unsigned int out[3] = { 0 };
	int i;

	for (i = 0; i < 3; i++) {
		unsigned long n = 0;
		size_t d = strspn(s, "0123456789");

		if (d == 0 || d > 5)
			return -EINVAL;
		for (size_t k = 0; k < d; k++)
			n = n * 10 + (unsigned long)(s[k] - '0');
		out[i] = (unsigned int)n;
		s += d;
		if (*s != '.' || i == 2)
			break;
		s++;
	}
	if (i < 1)
		return -EINVAL;
	memcpy(v, out, sizeof(out));
	return 0;
}

static bool kver_ge(const struct cgroup_fs *fs, unsigned int major, unsigned int minor)
{
	return fs->kver[0] > major || (fs->kver[0] == major && fs->kver[1] >= minor);
}

static void strv_free_n(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The child cgroups (directories) of the hierarchy's root, sorted by name. */
static int list_children(struct path_cxt *pc, const char *mp, char ***ret, size_t *ret_n)
{
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = path_opendir(pc, "%s", mp);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type != DT_DIR) {
			if (de->d_type != DT_UNKNOWN ||
			    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISDIR(st.st_mode))
				continue;
		}
		r = strv_appendf(&v, &n, "%s", de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0) {
		strv_free_n(v, n);
		return r;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	*ret_n = n;
	return 0;
}

int cgroup_fs_probe(struct path_cxt *pc, struct cgroup_fs *ret)
{
	struct cgroup_fs fs = { 0 };
	char buf[512], **kids = NULL;
	const char *mp;
	size_t nkids = 0;
	ssize_t n;
	int r;

	n = path_read_buf(pc, buf, sizeof(buf), PATH_PROC_OSRELEASE);
	if (n >= 0 && parse_kver(buf, fs.kver) < 0)
		return -EINVAL;
	if (n < 0 && n != -ENOENT)
		return (int)n;
	r = probe_mount(pc, &fs.mount);
	if (r < 0)
		return r;
	fs.timer_migration = kver_ge(&fs, 6, 19);
	fs.domain_follows = kver_ge(&fs, 7, 0);
	fs.wq_excludes = path_exists(pc, PATH_SYS_WORKQUEUE_ISOLATED);
	if (fs.mount == CGROUP_MOUNT_NONE) {
		path_get(pc, PATH_PROC_SELF_MOUNTINFO);
		*ret = fs;
		return -ENOENT;
	}
	mp = cgroup_mount_path(fs.mount);
	n = path_read_buf(pc, buf, sizeof(buf), "%s/cgroup.controllers", mp);
	if (n == -ENOENT)
		*ret = fs; /* mounted, yet the file is missing: a partial captured tree */
	if (n < 0)
		return (int)n;
	fs.cpuset = has_word(buf, "cpuset");
	if (!fs.cpuset) {
		*ret = fs;
		return -EOPNOTSUPP; /* path_last(): the controllers file */
	}
	n = path_read_buf(pc, buf, sizeof(buf), "%s/cgroup.subtree_control", mp);
	if (n < 0)
		return (int)n;
	fs.cpuset_enabled = has_word(buf, "cpuset");
	fs.root_isolated = path_exists(pc, "%s/cpuset.cpus.isolated", mp);
	fs.exclusive = kver_ge(&fs, 6, 7);
	if (!fs.exclusive) {
		r = list_children(pc, mp, &kids, &nkids);
		if (r < 0)
			return r;
		for (size_t i = 0; i < nkids && !fs.exclusive; i++)
			fs.exclusive = path_exists(pc, "%s/%s/cpuset.cpus.exclusive", mp, kids[i]);
		strv_free_n(kids, nkids);
	}
	/* files of newer kernels prove the isolated type too (no osrelease) */
	fs.isolated_type = kver_ge(&fs, 6, 1) || fs.exclusive || fs.root_isolated;
	*ret = fs;
	return 0;
}

/* ---- making and undoing a partition ----------------------------------------------- */

/* The old value of a file written back: "" read as the kernel prints an empty set. */
static int read_value(struct path_cxt *pc, char *buf, size_t len, const char *dir, const char *file)
{
	ssize_t n = path_read_buf_beneath(pc, buf, len, "%s/%s", dir, file);

	return n < 0 ? (int)n : 0;
}

static int read_state(struct path_cxt *pc, const char *dir, struct cgroup_partition *ret)
{
	char buf[256];
	int r = read_value(pc, buf, sizeof(buf), dir, "cpuset.cpus.partition");

	return r < 0 ? r : cgroup_partition_parse(buf, ret);
}

/* Canonical form of a cpulist file's content ("" empty); -EINVAL if it is none. */
static int canonical_cpus(const char *text, char *buf, size_t len)
{
	cpuset_t set;

	if (cpuset_parse_list(text, 0, &set) < 0)
		return -EINVAL;
	return cpuset_format_list(&set, buf, len) >= len ? -ERANGE : 0;
}

/*
 * CPUs of cpus in a sibling's non-empty cpuset.cpus (or, from 6.7,
 * cpuset.cpus.exclusive): -EBUSY, path_last() naming that file.
 */
static int check_siblings(struct path_cxt *pc, const char *mp, const char *name,
			  const cpuset_t *cpus)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.cpus.exclusive" };
	char **kids = NULL;
	size_t nkids = 0;
	int r;

	r = list_children(pc, mp, &kids, &nkids);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nkids && r == 0; i++) {
		if (strcmp(kids[i], name) == 0)
			continue;
		for (size_t f = 0; f < ELEMS(files) && r == 0; f++) {
			cpuset_t set;

			r = path_read_cpulist(pc, 0, &set, "%s/%s/%s", mp, kids[i], files[f]);
			if (r == -ENOENT) /* cpuset not enabled there, or before 6.7 */
				r = 0;
			else if (r == 0 && cpuset_intersects(&set, cpus))
				r = -EBUSY;
		}
	}
	strv_free_n(kids, nkids);
	return r;
}

int cgroup_check_siblings(struct path_cxt *pc, const struct cgroup_fs *fs, const char *name,
			  const cpuset_t *cpus)
{
	const char *mp = cgroup_mount_path(fs->mount);

	if (!mp || !cgroup_name_valid(name))
		return -EINVAL;
	return check_siblings(pc, mp, name, cpus);
}

static int undo_init(struct cgroup_undo *undo, const struct cgroup_fs *fs, const char *name)
{
	if (!cgroup_name_valid(name))
		return -EINVAL;
	memset(undo, 0, sizeof(*undo));
	undo->mount = fs->mount;
	strcpy(undo->name, name);
	if (fs->mount == CGROUP_MOUNT_NONE)
		return -ENOENT;
	if (!fs->cpuset || !fs->isolated_type)
		return -EOPNOTSUPP;
	return 0;
}

/* Is "cpuset" among the controllers the hierarchy's root enables for its children? */
static int root_enables_cpuset(struct path_cxt *pc, const char *mp, bool *ret)
{
	char buf[512];
	int r = read_value(pc, buf, sizeof(buf), mp, "cgroup.subtree_control");

	if (r == 0)
		*ret = has_word(buf, "cpuset");
	return r;
}

/*
 * Move the tasks left in the cgroup dir (a killed run's children) to the
 * hierarchy's root, one write of a PID each. A task that exits meanwhile
 * (-ESRCH) is no failure.
 */
static int move_tasks_to_root(struct qc_ops *ops, const char *mp, const char *dir)
{
	char *text = NULL, root_procs[PATH_MAX];
	int r, first = 0;

	r = path_read_str(ops->pc, &text, "%s/cgroup.procs", dir);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	snprintf(root_procs, sizeof(root_procs), "%s/cgroup.procs", mp);
	for (char *line = text, *next; line && *line; line = next) {
		size_t l = strcspn(line, "\n");

		next = line[l] ? line + l + 1 : NULL;
		line[l] = '\0';
		if (!*line)
			continue;
		r = ops->file_write(ops, root_procs, line);
		if (r < 0 && r != -ESRCH && first == 0)
			first = r;
	}
	free(text);
	return first;
}

/*
 * Write old back to dir/file unless it holds that already (cpus: the same
 * set; an empty set is written "\n", as echo does).
 */
static int restore_value(struct qc_ops *ops, const char *dir, const char *file, const char *old,
			 bool cpus)
{
	char cur[4096], want[4096], path[PATH_MAX];
	int r;

	r = read_value(ops->pc, cur, sizeof(cur), dir, file);
	if (r < 0)
		return r;
	if (cpus) {
		r = canonical_cpus(cur, cur, sizeof(cur));
		if (r == 0 && canonical_cpus(old, want, sizeof(want)) < 0)
			return -EINVAL;
		if (r == 0 && strcmp(cur, want) == 0)
			return 0;
	} else if (strcmp(cur, old) == 0) {
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return ops->file_write(ops, path, cpus && !*old ? "\n" : old);
}

/*
 * What cgroup_partition_undo() does, clearing each step of u that is done
 * (or that there is nothing left to do for: a cgroup that is gone, a value
 * already back), so that what stays set in u is what could not be undone.
 * The first error is returned with path_last() naming its file.
 */
static int undo_steps(struct qc_ops *ops, struct cgroup_undo *u)
{
	char dir[DIR_LEN], first_path[PATH_MAX] = "";
	const char *mp = cgroup_mount_path(u->mount);
	bool gone;
	int r, first = 0;

#define STEP(expr, flag)                                                                    \
	do {                                                                                \
		r = (expr);                                                                 \
		if (r == 0)                                                                 \
			u->flag = false;                                                    \
		else if (first == 0) {                                                      \
			first = r;                                                          \
			snprintf(first_path, sizeof(first_path), "%s", path_last(ops->pc)); \
		}                                                                           \
	} while (0)

	if (!u->enabled_cpuset && !u->made_dir && !u->wrote_cpus && !u->wrote_partition)
		return 0;
	if (!mp ||
	    ((u->made_dir || u->wrote_cpus || u->wrote_partition) && !cgroup_name_valid(u->name)))
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%s/%s", mp, u->name);
	/* a cgroup that is gone (removed, its slice stopped) holds nothing to undo */
	gone = (u->made_dir || u->wrote_cpus || u->wrote_partition) &&
	       !path_exists(ops->pc, "%s", dir);
	if (u->wrote_partition)
		STEP(gone ? 0 :
			    restore_value(ops, dir, "cpuset.cpus.partition", u->old_partition,
					  false),
		     wrote_partition);
	if (u->wrote_cpus)
		STEP(gone ? 0 : restore_value(ops, dir, "cpuset.cpus", u->old_cpus, true),
		     wrote_cpus);
	if (u->made_dir && !gone) {
		r = move_tasks_to_root(ops, mp, dir);
		STEP(r ? r : ops->dir_remove(ops, dir), made_dir);
	} else if (u->made_dir) {
		u->made_dir = false;
	}
	if (u->enabled_cpuset) {
		char path[FILE_LEN];
		bool on = false;

		r = root_enables_cpuset(ops->pc, mp, &on);
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", mp);
		STEP(r == 0 && on ? ops->file_write(ops, path, "-cpuset") : r, enabled_cpuset);
	}
#undef STEP
	if (first)
		snprintf(ops->pc->last, sizeof(ops->pc->last), "%s", first_path);
	return first;
}

int cgroup_partition_undo(struct qc_ops *ops, const struct cgroup_undo *undo)
{
	struct cgroup_undo u = *undo;

	return undo_steps(ops, &u);
}

/*
 * After a failure at path_last(): undo what undo records, keep what could
 * not be undone there, and leave path_last() naming the failure.
 */
static void roll_back(struct qc_ops *ops, struct cgroup_undo *undo)
{
	char failed[PATH_MAX];

	snprintf(failed, sizeof(failed), "%s", path_last(ops->pc));
	undo_steps(ops, undo);
	snprintf(ops->pc->last, sizeof(ops->pc->last), "%s", failed);
}

/* Write "isolated" to dir's cpuset.cpus.partition and read it back. */
static int make_isolated(struct qc_ops *ops, const char *dir, struct cgroup_undo *undo,
			 struct cgroup_partition *ret_state)
{
	struct cgroup_partition cur;
	char path[FILE_LEN];
	int r;

	r = read_state(ops->pc, dir, &cur);
	if (r < 0)
		return r;
	if (cur.invalid) {
		*ret_state = cur; /* not ours to fix, and not a value to write back */
		return -EINVAL;
	}
	snprintf(undo->old_partition, sizeof(undo->old_partition), "%s",
		 cgroup_ptype_str(cur.type));
	snprintf(path, sizeof(path), "%s/cpuset.cpus.partition", dir);
	r = ops->file_write(ops, path, "isolated");
	if (r < 0)
		return r;
	undo->wrote_partition = true;
	/* the write succeeds even when the result is invalid: read it back */
	r = read_state(ops->pc, dir, ret_state);
	if (r < 0)
		return r;
	if (ret_state->invalid || ret_state->type != CGROUP_P_ISOLATED) {
		path_get(ops->pc, "%s", path);
		return -EINVAL;
	}
	return 0;
}

int cgroup_partition_create(struct qc_ops *ops, const struct cgroup_fs *fs, const char *name,
			    const cpuset_t *cpus, struct cgroup_undo *undo,
			    struct cgroup_partition *ret_state)
{
	struct path_cxt *pc = ops->pc;
	char dir[DIR_LEN], path[FILE_LEN], old[sizeof(undo->old_cpus)], *list = NULL;
	const char *mp;
	bool on = false;
	int r;

	r = undo_init(undo, fs, name);
	if (r < 0)
		return r;
	if (cpuset_empty(cpus))
		return -EINVAL;
	mp = cgroup_mount_path(fs->mount);
	snprintf(dir, sizeof(dir), "%s/%s", mp, name);
	if (path_exists(pc, "%s", dir)) {
		path_get(pc, "%s", dir);
		return -EEXIST;
	}
	r = check_siblings(pc, mp, name, cpus);
	if (r < 0)
		return r;
	r = root_enables_cpuset(pc, mp, &on);
	if (r < 0)
		return r;
	list = cpuset_to_list(cpus);
	if (!list)
		return -ENOMEM;

	if (!on) {
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", mp);
		r = ops->file_write(ops, path, "+cpuset");
		if (r < 0)
			goto fail;
		undo->enabled_cpuset = true;
	}
	r = ops->dir_make(ops, dir, 0755);
	if (r < 0)
		goto fail;
	undo->made_dir = true;
	r = read_value(pc, old, sizeof(old), dir, "cpuset.cpus");
	if (r == 0)
		r = canonical_cpus(old, undo->old_cpus, sizeof(undo->old_cpus));
	if (r < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/cpuset.cpus", dir);
	r = ops->file_write(ops, path, list);
	if (r < 0)
		goto fail;
	undo->wrote_cpus = true;
	r = make_isolated(ops, dir, undo, ret_state);
	if (r < 0)
		goto fail;
	free(list);
	return 0;
fail:
	roll_back(ops, undo);
	free(list);
	return r;
}

int cgroup_partition_set(struct qc_ops *ops, const struct cgroup_fs *fs, const char *name,
			 struct cgroup_undo *undo, struct cgroup_partition *ret_state)
{
	struct path_cxt *pc = ops->pc;
	char dir[DIR_LEN];
	const char *mp;
	cpuset_t cpus;
	int r;

	r = undo_init(undo, fs, name);
	if (r < 0)
		return r;
	mp = cgroup_mount_path(fs->mount);
	snprintf(dir, sizeof(dir), "%s/%s", mp, name);
	if (!path_exists(pc, "%s", dir)) {
		path_get(pc, "%s", dir);
		return -ENOENT;
	}
	/* systemd put AllowedCPUs= there: no sibling may hold them too */
	r = path_read_cpulist(pc, 0, &cpus, "%s/cpuset.cpus", dir);
	if (r < 0)
		return r;
	r = check_siblings(pc, mp, name, &cpus);
	if (r < 0)
		return r;
	r = make_isolated(ops, dir, undo, ret_state);
	if (r < 0 && undo->wrote_partition)
		roll_back(ops, undo);
	return r;
}

/* ---- reading what is there ------------------------------------------------------ */

int cgroup_partitions(struct path_cxt *pc, const struct cgroup_fs *fs,
		      struct cgroup_part_info **ret, size_t *ret_n)
{
	struct cgroup_part_info *v = NULL;
	const char *mp = cgroup_mount_path(fs->mount);
	char **kids = NULL, dir[PATH_MAX];
	size_t nkids = 0, n = 0;
	int r;

	if (!mp)
		return -ENOENT;
	r = list_children(pc, mp, &kids, &nkids);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nkids; i++) {
		struct cgroup_part_info info = { 0 }, *nv;

		snprintf(dir, sizeof(dir), "%s/%s", mp, kids[i]);
		r = read_state(pc, dir, &info.state);
		if (r == -ENOENT) { /* no cpuset there */
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		if (info.state.type == CGROUP_P_MEMBER && !info.state.invalid)
			continue;
		if (strlen(kids[i]) > CGROUP_NAME_MAX) {
			path_get(pc, "%s", dir);
			r = -ENAMETOOLONG;
			break;
		}
		strcpy(info.name, kids[i]);
		r = path_read_cpulist(pc, 0, &info.cpus, "%s/cpuset.cpus", dir);
		if (r == 0)
			r = path_read_cpulist(pc, 0, &info.effective, "%s/cpuset.cpus.effective",
					      dir);
		if (r < 0)
			break;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			r = -ENOMEM;
			break;
		}
		v = nv;
		v[n++] = info;
	}
	strv_free_n(kids, nkids);
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int cgroup_effective_cpus(struct path_cxt *pc, const struct cgroup_fs *fs, const char *cg,
			  cpuset_t *ret)
{
	const char *mp = cgroup_mount_path(fs->mount);
	char buf[PATH_MAX];
	int r;

	if (!mp || cg[0] != '/' || strlen(cg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, cg);
	for (;;) {
		char *slash;

		/* "/" is the root: its files are the mount's own */
		r = path_read_cpulist(pc, 0, ret, "%s%s/cpuset.cpus.effective", mp,
				      strcmp(buf, "/") ? buf : "");
		if (r != -ENOENT || strcmp(buf, "/") == 0)
			return r;
		slash = strrchr(buf, '/');
		if (slash == buf)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

/* ---- a cgroup of its own for one process ------------------------------------------ */

int cgroup_task_escape(const char *key, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t pos = 0;

	if (!*key)
		return -EINVAL;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		if (isalnum(*p) && *p < 0x80) {
			if (pos + 1 >= len)
				return -ENAMETOOLONG;
			buf[pos++] = (char)*p;
			continue;
		}
		if (pos + 3 >= len)
			return -ENAMETOOLONG;
		buf[pos++] = '_';
		buf[pos++] = hex[*p >> 4];
		buf[pos++] = hex[*p & 0xf];
	}
	buf[pos] = '\0';
	return 0;
}

/* What snprintf returned for a buffer of len bytes: -ENAMETOOLONG when it did not fit. */
static int fits(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* snprintf into the array buf (never a pointer) */
#define FIT(buf, ...) fits(snprintf(buf, sizeof(buf), __VA_ARGS__), sizeof(buf))

int cgroup_task_plan(struct path_cxt *pc, const struct cgroup_fs *fs, bool systemd,
		     const char *partition, const char *key, const cpuset_t *cpus, pid_t pid,
		     struct cgroup_task *ret)
{
	char esc[CGROUP_TASK_NAME_MAX + 1];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (fs->mount == CGROUP_MOUNT_NONE || !fs->cpuset)
		return -EOPNOTSUPP;
	if (cpuset_empty(cpus) || pid <= 0 || (partition && !cgroup_name_valid(partition)))
		return -EINVAL;
	/* systemd makes slices below a slice only */
	if (systemd && partition && strcmp(partition, CGROUP_PARTITION_SLICE) != 0)
		systemd = false;
	r = cgroup_task_escape(key, esc, 200);
	if (r < 0)
		return r;
	ret->mount = fs->mount;
	ret->pid = (int32_t)pid;
	ret->cpus = *cpus;
	r = taskstat_cgroup(pc, pid, ret->from, sizeof(ret->from));
	if (r < 0)
		return r;
	if (systemd && partition) {
		r = FIT(ret->slice, "quietcore-alloc_%s.slice", esc);
		if (r == 0)
			r = FIT(ret->scope, "quietcore-alloc-%s.scope", esc);
		if (r == 0)
			r = FIT(ret->dir, "/%s/%s/%s", partition, ret->slice, ret->scope);
	} else if (systemd) {
		r = FIT(ret->slice, "quietcore_alloc_%s.slice", esc);
		if (r == 0)
			r = FIT(ret->scope, "quietcore-alloc-%s.scope", esc);
		if (r == 0)
			r = FIT(ret->dir, "/%s/%s", ret->slice, ret->scope);
	} else if (partition) {
		r = FIT(ret->dir, "/%s/alloc-%s", partition, esc);
	} else {
		r = FIT(ret->dir, "/quietcore-alloc-%s", esc);
	}
	return r;
}

/* The parent of a cgroup path below the mount ("/a/b" -> "/a", "/a" -> ""). */
static void parent_of(const char *dir, char *buf, size_t len)
{
	const char *slash = strrchr(dir, '/');

	snprintf(buf, len, "%.*s", slash ? (int)(slash - dir) : 0, dir);
}

/*
 * Does a child of the cgroup mp+dir other than skip use cpuset: a non-empty
 * cpuset.cpus, or cpuset enabled for its own children?
 */
static int child_uses_cpuset(struct path_cxt *pc, const char *mp, const char *dir, const char *skip,
			     bool *ret)
{
	char **kids = NULL, parent[CGROUP_TASK_PATH_MAX + 32], buf[512];
	size_t nkids = 0;
	int r;

	*ret = false;
	snprintf(parent, sizeof(parent), "%s%s", mp, dir);
	r = list_children(pc, parent, &kids, &nkids);
	for (size_t i = 0; r == 0 && i < nkids && !*ret; i++) {
		char kid[sizeof(parent) + CGROUP_TASK_NAME_MAX + 1];
		cpuset_t set;

		if (!strcmp(kids[i], skip))
			continue;
		snprintf(kid, sizeof(kid), "%s/%s", parent, kids[i]);
		r = path_read_cpulist(pc, 0, &set, "%s/cpuset.cpus", kid);
		if (r == 0 && !cpuset_empty(&set))
			*ret = true;
		if (r == -ENOENT)
			r = 0;
		if (r == 0 &&
		    read_value(pc, buf, sizeof(buf), kid, "cgroup.subtree_control") == 0 &&
		    has_word(buf, "cpuset"))
			*ret = true;
	}
	strv_free_n(kids, nkids);
	return r;
}

/*
 * The tasks of mp+dir into mp+to (the root when that is gone), one PID a
 * write. A task that exits meanwhile (-ESRCH) is no failure.
 */
static int move_tasks(struct qc_ops *ops, const char *mp, const char *dir, const char *to)
{
	char *text = NULL, procs[CGROUP_TASK_PATH_MAX + 64];
	int r, first = 0;

	r = path_read_str(ops->pc, &text, "%s%s/cgroup.procs", mp, dir);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	if (strcmp(to, "/") && path_exists(ops->pc, "%s%s/cgroup.procs", mp, to))
		snprintf(procs, sizeof(procs), "%s%s/cgroup.procs", mp, to);
	else
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", mp);
	for (char *line = text, *next; line && *line; line = next) {
		size_t l = strcspn(line, "\n");

		next = line[l] ? line + l + 1 : NULL;
		line[l] = '\0';
		if (!*line)
			continue;
		r = ops->file_write(ops, procs, line);
		if (r < 0 && r != -ESRCH && first == 0)
			first = r;
	}
	free(text);
	return first;
}

int cgroup_task_undo(struct qc_ops *ops, const struct cgroup_task *t)
{
	const char *mp = cgroup_mount_path(t->mount);
	char first_path[PATH_MAX] = "", parent[CGROUP_TASK_PATH_MAX];
	int r, first = 0;

#define KEEP(expr)                                                                          \
	do {                                                                                \
		r = (expr);                                                                 \
		if (r < 0 && first == 0) {                                                  \
			first = r;                                                          \
			snprintf(first_path, sizeof(first_path), "%s", path_last(ops->pc)); \
		}                                                                           \
	} while (0)

	if (!mp || t->dir[0] != '/' || strstr(t->dir, "/.") || strstr(t->dir, "//"))
		return -EINVAL;
	/* a task left in the scope would be killed by its stop: stop here */
	r = move_tasks(ops, mp, t->dir, t->from[0] == '/' ? t->from : "/");
	if (r < 0)
		return r;
	if (t->scope[0]) {
		KEEP(ops->unit_stop(ops, t->scope));
		if (r < 0)
			snprintf(first_path, sizeof(first_path), "%s", t->scope);
		if (t->slice[0]) {
			KEEP(ops->unit_stop(ops, t->slice));
			if (r < 0 && first == r && !strcmp(first_path, path_last(ops->pc)))
				snprintf(first_path, sizeof(first_path), "%s", t->slice);
		}
	} else if (path_exists(ops->pc, "%s%s", mp, t->dir)) {
		char dir[CGROUP_TASK_PATH_MAX + 32];

		snprintf(dir, sizeof(dir), "%s%s", mp, t->dir);
		KEEP(ops->dir_remove(ops, dir));
	}
	if (!t->scope[0] && t->enabled_cpuset) {
		char path[CGROUP_TASK_PATH_MAX + 64];
		bool busy = false;

		parent_of(t->dir, parent, sizeof(parent));
		r = child_uses_cpuset(ops->pc, mp, parent, strrchr(t->dir, '/') + 1, &busy);
		if (r == 0 && !busy) {
			snprintf(path, sizeof(path), "%s%s/cgroup.subtree_control", mp, parent);
			KEEP(ops->file_write(ops, path, "-cpuset"));
		} else if (r < 0 && r != -ENOENT) {
			KEEP(r);
		}
	}
#undef KEEP
	if (first)
		snprintf(ops->pc->last, sizeof(ops->pc->last), "%s", first_path);
	return first;
}

/* cgroupfs: the cgroup t->dir with t->cpus, the pid in it. */
static int task_create_fs(struct qc_ops *ops, const char *mp, struct cgroup_task *t,
			  const char *list)
{
	char parent[CGROUP_TASK_PATH_MAX], path[CGROUP_TASK_PATH_MAX + 64], buf[512], num[16];
	int r;

	parent_of(t->dir, parent, sizeof(parent));
	if (path_exists(ops->pc, "%s%s", mp, t->dir)) {
		path_get(ops->pc, "%s%s", mp, t->dir);
		return -EEXIST;
	}
	snprintf(path, sizeof(path), "%s%s", mp, parent);
	r = read_value(ops->pc, buf, sizeof(buf), path, "cgroup.subtree_control");
	if (r < 0)
		return r;
	if (!has_word(buf, "cpuset")) {
		snprintf(path, sizeof(path), "%s%s/cgroup.subtree_control", mp, parent);
		r = ops->file_write(ops, path, "+cpuset");
		if (r < 0)
			return r;
		t->enabled_cpuset = true;
	}
	snprintf(path, sizeof(path), "%s%s", mp, t->dir);
	r = ops->dir_make(ops, path, 0755);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s%s/cpuset.cpus", mp, t->dir);
	r = ops->file_write(ops, path, list);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s%s/cgroup.procs", mp, t->dir);
	snprintf(num, sizeof(num), "%d", (int)t->pid);
	return ops->file_write(ops, path, num);
}

int cgroup_task_create(struct qc_ops *ops, struct cgroup_task *t)
{
	const char *mp = cgroup_mount_path(t->mount);
	char *list, failed[PATH_MAX];
	int r;

	if (!mp || t->dir[0] != '/' || t->pid <= 0 || cpuset_empty(&t->cpus))
		return -EINVAL;
	list = cpuset_to_list(&t->cpus);
	if (!list)
		return -ENOMEM;
	if (t->scope[0]) {
		r = ops->unit_start_slice(ops, t->slice, &t->cpus);
		if (r < 0)
			snprintf(ops->pc->last, sizeof(ops->pc->last), "%s", t->slice);
		if (r == 0) {
			r = ops->unit_start_scope(ops, t->scope, t->slice, t->pid);
			if (r < 0)
				snprintf(ops->pc->last, sizeof(ops->pc->last), "%s", t->scope);
		}
	} else {
		r = task_create_fs(ops, mp, t, list);
	}
	free(list);
	if (r == 0)
		return 0;
	if (r == -EEXIST && !t->scope[0])
		return r; /* not ours: nothing to undo */
	/* a unit that is there already is someone else's too: leave it running */
	snprintf(failed, sizeof(failed), "%s", path_last(ops->pc));
	if (r == -EEXIST && t->scope[0]) {
		if (!strcmp(failed, t->scope))
			ops->unit_stop(ops, t->slice);
	} else {
		char msg[sizeof(ops->unit_msg)];

		memcpy(msg, ops->unit_msg, sizeof(msg));
		cgroup_task_undo(ops, t);
		memcpy(ops->unit_msg, msg, sizeof(msg));
	}
	snprintf(ops->pc->last, sizeof(ops->pc->last), "%s", failed);
	return r;
}
