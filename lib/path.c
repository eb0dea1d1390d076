// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * path: root-prefixed access to /sys, /proc, /etc, /boot, /run.
 */
#include "path.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int path_cxt_init(struct path_cxt *pc, const char *root)
{
	struct stat st;
	size_t n;

	memset(pc, 0, sizeof(*pc));
	if (!root || !*root)
		return 0;
	n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (n == 1 && root[0] == '/')
		return 0;
	if (n >= sizeof(pc->root) - 1)
		return -ENAMETOOLONG;
	memcpy(pc->root, root, n);
	pc->root[n] = '\0';
	pc->rootlen = n;
	snprintf(pc->last, sizeof(pc->last), "%s", pc->root);
	if (stat(pc->root, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (access(pc->root, R_OK | X_OK) < 0)
		return -errno;
	return 0;
}

const char *path_vget(struct path_cxt *pc, const char *fmt, va_list ap)
{
	int n;

	memcpy(pc->last, pc->root, pc->rootlen);
	n = vsnprintf(pc->last + pc->rootlen, sizeof(pc->last) - pc->rootlen, fmt, ap);
	if (n < 0 || (size_t)n >= sizeof(pc->last) - pc->rootlen) {
		pc->last[pc->rootlen] = '\0';
		errno = ENAMETOOLONG;
		return NULL;
	}
	return pc->last;
}

const char *path_get(struct path_cxt *pc, const char *fmt, ...)
{
	const char *p;
	va_list ap;

	va_start(ap, fmt);
	p = path_vget(pc, fmt, ap);
	va_end(ap);
	return p;
}

int fd_check_regular(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -PATH_ENOTREG;
	return 0;
}

int openat_regular(int dirfd, const char *name, int flags)
{
	int fd, fl, r;

	/* O_NONBLOCK: a FIFO's open would wait for a writer forever. */
	fd = openat(dirfd, name, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fd_check_regular(fd);
	if (r == 0 && !(flags & O_NONBLOCK)) {
		fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
			r = -errno;
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

const char *path_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case PATH_ENOTREG:
		return "not a regular file";
	case PATH_ESYMLINK:
		return "a symbolic link below the root, refused";
	case EXDEV: /* path_open_beneath() */
		return "'..' or a path outside the root, refused";
	default:
		return strerror(err);
	}
}

const char *path_read_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == EINVAL || err == ERANGE)
		return "malformed content";
	if (err == ENODATA)
		return "empty";
	return path_strerror(err);
}

/*
 * Read-only opens of anything but a directory must be regular files: sysfs
 * attributes and procfs files are, and a FIFO, a device or a directory in
 * their place is refused rather than blocked on or read as data. Devices are
 * opened through path_open_device() only.
 */
static __attribute__((format(printf, 3, 0))) int path_vopen(struct path_cxt *pc, int flags,
							    const char *fmt, va_list ap)
{
	const char *p = path_vget(pc, fmt, ap);
	int fd;

	if (!p)
		return -ENAMETOOLONG;
	if ((flags & O_ACCMODE) == O_RDONLY && !(flags & (O_DIRECTORY | O_PATH)))
		return openat_regular(AT_FDCWD, p, flags);
	fd = open(p, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int path_open_device(struct path_cxt *pc, int flags, const char *fmt, ...)
{
	const char *p;
	va_list ap;
	int fd;

	va_start(ap, fmt);
	p = path_vget(pc, fmt, ap);
	va_end(ap);
	if (!p)
		return -ENAMETOOLONG;
	fd = open(p, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int path_open(struct path_cxt *pc, int flags, const char *fmt, ...)
{
	va_list ap;
	int fd;

	va_start(ap, fmt);
	fd = path_vopen(pc, flags, fmt, ap);
	va_end(ap);
	return fd;
}

FILE *path_fopen(struct path_cxt *pc, const char *mode, const char *fmt, ...)
{
	va_list ap;
	FILE *f;
	int fd;

	/* Read-only only: callers write through path_write_str(). */
	if (strcmp(mode, "r") != 0 && strcmp(mode, "re") != 0) {
		errno = EINVAL;
		return NULL;
	}
	va_start(ap, fmt);
	fd = path_vopen(pc, O_RDONLY, fmt, ap);
	va_end(ap);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return f;
}

DIR *path_opendir(struct path_cxt *pc, const char *fmt, ...)
{
	const char *p;
	va_list ap;

	va_start(ap, fmt);
	p = path_vget(pc, fmt, ap);
	va_end(ap);
	return p ? opendir(p) : NULL;
}

int path_access(struct path_cxt *pc, int mode, const char *fmt, ...)
{
	const char *p;
	va_list ap;

	va_start(ap, fmt);
	p = path_vget(pc, fmt, ap);
	va_end(ap);
	if (!p)
		return -ENAMETOOLONG;
	return access(p, mode) < 0 ? -errno : 0;
}

bool path_exists(struct path_cxt *pc, const char *fmt, ...)
{
	const char *p;
	va_list ap;

	va_start(ap, fmt);
	p = path_vget(pc, fmt, ap);
	va_end(ap);
	return p && access(p, F_OK) == 0;
}

size_t strip_trailing(char *buf, size_t len)
{
	while (len > 0 && (buf[len - 1] == '\0' || isspace((unsigned char)buf[len - 1])))
		len--;
	buf[len] = '\0';
	return len;
}

/* Read fd to EOF into buf (len includes room for NUL). */
static ssize_t read_all(int fd, char *buf, size_t len)
{
	size_t pos = 0;

	for (;;) {
		ssize_t n;

		if (pos >= len - 1) {
			char c;

			/* Full: is there more? */
			n = read(fd, &c, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			if (n > 0)
				return -EFBIG;
			break;
		}
		n = read(fd, buf + pos, len - 1 - pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		pos += (size_t)n;
	}
	buf[pos] = '\0';
	return (ssize_t)pos;
}

/* read_all(), close fd (always), strip trailing whitespace and NULs: what path_read_buf returns. */
static ssize_t read_buf_close(int fd, char *buf, size_t len)
{
	ssize_t n = read_all(fd, buf, len);

	close(fd);
	if (n < 0)
		return n;
	return (ssize_t)strip_trailing(buf, (size_t)n);
}

static __attribute__((format(printf, 4, 0))) ssize_t
path_vread_buf(struct path_cxt *pc, char *buf, size_t len, const char *fmt, va_list ap)
{
	int fd;

	if (len == 0)
		return -EINVAL;
	fd = path_vopen(pc, O_RDONLY | O_NONBLOCK, fmt, ap); /* read here, closed here */
	if (fd < 0)
		return fd;
	return read_buf_close(fd, buf, len);
}

ssize_t path_read_buf(struct path_cxt *pc, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	n = path_vread_buf(pc, buf, len, fmt, ap);
	va_end(ap);
	return n;
}

int fd_read_all(int fd, size_t max, char **ret, size_t *ret_len)
{
	size_t cap = 4096, pos = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (cap - pos < 2) {
			char *nb;

			if (cap > max) {
				free(buf);
				return -EFBIG;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + pos, cap - 1 - pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;

			free(buf);
			return e;
		}
		if (n == 0)
			break;
		pos += (size_t)n;
	}
	buf[pos] = '\0';
	*ret = buf;
	if (ret_len)
		*ret_len = pos;
	return 0;
}

static __attribute__((format(printf, 5, 0))) int path_vread_all(struct path_cxt *pc, size_t max,
								char **ret, size_t *ret_len,
								const char *fmt, va_list ap)
{
	int fd = path_vopen(pc, O_RDONLY | O_NONBLOCK, fmt, ap); /* read here, closed here */
	int r;

	if (fd < 0)
		return fd;
	r = fd_read_all(fd, max, ret, ret_len);
	close(fd);
	return r;
}

int path_read_all(struct path_cxt *pc, size_t max, char **ret, size_t *ret_len, const char *fmt,
		  ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = path_vread_all(pc, max, ret, ret_len, fmt, ap);
	va_end(ap);
	return r;
}

static __attribute__((format(printf, 4, 0))) int
path_vread_str(struct path_cxt *pc, char **ret, size_t *ret_len, const char *fmt, va_list ap)
{
	size_t len = 0;
	char *buf = NULL;
	int r = path_vread_all(pc, 64U << 20, &buf, &len, fmt, ap);

	if (r < 0)
		return r;
	if (!buf) /* not reached: fd_read_all sets it on success (for the analyzer) */
		return -ENOMEM;
	len = strip_trailing(buf, len);
	*ret = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int path_read_str(struct path_cxt *pc, char **ret, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = path_vread_str(pc, ret, NULL, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * sysfs and procfs print decimal: "010" is ten, not octal eight (strtol base 0
 * would say 8, and call "08" garbage). An explicit "0x" still means hex.
 */
static int number_base(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
}

int parse_s64(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -ENODATA;
	errno = 0;
	v = strtoll(s, &end, number_base(s));
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s)
		return -EINVAL;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -ENODATA;
	if (*s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, number_base(s));
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s)
		return -EINVAL;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_s32(const char *s, int32_t *ret)
{
	int64_t v;
	int r = parse_s64(s, &v);

	if (r < 0)
		return r;
	if (v < INT32_MIN || v > INT32_MAX)
		return -ERANGE;
	*ret = (int32_t)v;
	return 0;
}

int parse_u32(const char *s, uint32_t *ret)
{
	uint64_t v;
	int r = parse_u64(s, &v);

	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

#define DEFINE_READER(name, type, parser)                                               \
	/* NOLINTNEXTLINE(bugprone-macro-parentheses): type declares, no parentheses */ \
	int name(struct path_cxt *pc, type *ret, const char *fmt, ...)                  \
	{                                                                               \
		char buf[64];                                                           \
		type v;                                                                 \
		va_list ap;                                                             \
		ssize_t n;                                                              \
		int r;                                                                  \
                                                                                        \
		va_start(ap, fmt);                                                      \
		n = path_vread_buf(pc, buf, sizeof(buf), fmt, ap);                      \
		va_end(ap);                                                             \
		if (n < 0)                                                              \
			return n == -EFBIG ? -EINVAL : (int)n;                          \
		if (strlen(buf) != (size_t)n) /* "12\0junk" */                          \
			return -EINVAL;                                                 \
		r = parser(buf, &v);                                                    \
		if (r < 0)                                                              \
			return r;                                                       \
		*ret = v;                                                               \
		return 0;                                                               \
	}

DEFINE_READER(path_read_s64, int64_t, parse_s64)
DEFINE_READER(path_read_u64, uint64_t, parse_u64)
DEFINE_READER(path_read_s32, int32_t, parse_s32)
DEFINE_READER(path_read_u32, uint32_t, parse_u32)

int path_read_cpulist(struct path_cxt *pc, unsigned int nbits, cpuset_t *ret, const char *fmt, ...)
{
	char *s = NULL;
	size_t len = 0;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = path_vread_str(pc, &s, &len, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	if (strlen(s) != len) {
		r = -EINVAL;
	} else if (strcmp(s, "(null)") == 0) {
		/*
		 * %*pbl of a cpumask_var_t that was never allocated, e.g.
		 * /sys/devices/system/cpu/nohz_full on CPUMASK_OFFSTACK kernels
		 * booted without nohz_full=: the empty set.
		 */
		cpuset_zero(ret);
		r = 0;
	} else {
		r = cpuset_parse_list(s, nbits, ret);
	}
	free(s);
	return r;
}

int path_read_cpumask(struct path_cxt *pc, cpuset_t *ret, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int r;

	size_t len = 0;

	va_start(ap, fmt);
	r = path_vread_str(pc, &s, &len, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	if (!s || strlen(s) != len)
		r = -EINVAL;
	else
		r = *s ? cpuset_parse_mask(s, ret) : -ENODATA;
	free(s);
	return r;
}

int path_write_str(struct path_cxt *pc, const char *str, const char *fmt, ...)
{
	va_list ap;
	int fd;

	va_start(ap, fmt);
	/*
	 * O_TRUNC: under --root the target is a regular file, and writing "2"
	 * over "0-3\n" must not leave "2-3\n". sysfs and procfs ignore the
	 * truncation (it is what "echo 2 > file" and fopen("w") do).
	 */
	fd = path_vopen(pc, O_WRONLY | O_TRUNC, fmt, ap);
	va_end(ap);
	if (fd < 0)
		return fd;
	return fd_write_str(fd, str);
}

/* ---- opening below the root without following symbolic links --------------- */

#include <linux/openat2.h>
#include <sys/syscall.h>

/* Is any component of rel (relative, '/'-separated) "..", or is it empty? */
static bool rel_escapes(const char *rel)
{
	for (const char *p = rel; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		p += strspn(p, "/");
	}
	return !*rel;
}

static bool beneath_walk_only;

void path_beneath_force_walk(bool walk)
{
	beneath_walk_only = walk;
}

/* openat2(2) where the kernel has it (5.6+); -ENOSYS otherwise. */
static int open_beneath_openat2(int rootfd, const char *rel, int flags)
{
	if (beneath_walk_only)
		return -ENOSYS;
#ifdef SYS_openat2
	struct open_how how = {
		.flags = (uint64_t)flags,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};
	long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));

	/* EPERM: a seccomp filter that does not know openat2 (containers) */
	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		return -ENOSYS;
	return fd < 0 ? -errno : (int)fd;
#else
	(void)rootfd;
	(void)rel;
	(void)flags;
	return -ENOSYS;
#endif
}

/*
 * openat() of one component with O_NOFOLLOW in flags; -ELOOP for a symlink,
 * also where O_DIRECTORY makes the kernel say ENOTDIR for it instead.
 */
static int openat_nofollow(int dfd, const char *comp, int flags)
{
	struct stat st;
	int fd = openat(dfd, comp, flags);

	if (fd >= 0)
		return fd;
	fd = -errno;
	if (fd == -ENOTDIR && (flags & O_DIRECTORY) &&
	    fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		fd = -ELOOP;
	return fd;
}

/* The same, one component at a time, each opened with O_NOFOLLOW. */
static int open_beneath_walk(int rootfd, const char *rel, int flags)
{
	char comp[NAME_MAX + 1];
	int dfd = rootfd, fd;

	for (const char *p = rel + strspn(rel, "/");;) {
		size_t n = strcspn(p, "/");
		const char *next = p + n + strspn(p + n, "/");

		if (n > NAME_MAX) {
			fd = -ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (!*next) {
			fd = openat_nofollow(dfd, comp, flags);
			break;
		}
		fd = openat_nofollow(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			break;
		if (dfd != rootfd)
			close(dfd);
		dfd = fd;
		p = next;
	}
	if (dfd != rootfd)
		close(dfd);
	return fd;
}

int path_open_beneath(struct path_cxt *pc, int flags, const char *fmt, ...)
{
	const char *p, *rel;
	va_list ap;
	int rootfd, fd, r, flags_in;

	va_start(ap, fmt);
	p = path_vget(pc, fmt, ap);
	va_end(ap);
	if (!p)
		return -ENAMETOOLONG;
	rel = p + pc->rootlen;
	if (*rel != '/')
		return -EINVAL;
	rel += strspn(rel, "/");
	if (rel_escapes(rel))
		return -EXDEV;
	rootfd = open(pc->rootlen ? pc->root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	/* never block on a FIFO, never make a terminal ours */
	flags_in = flags;
	flags |= O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	fd = open_beneath_openat2(rootfd, rel, flags);
	if (fd == -ENOSYS)
		fd = open_beneath_walk(rootfd, rel, flags);
	close(rootfd);
	if (fd == -ELOOP) /* RESOLVE_NO_SYMLINKS, or O_NOFOLLOW in the walk */
		return -PATH_ESYMLINK;
	if (fd < 0)
		return fd;
	r = fd_check_regular(fd);
	if (r == 0 && !(flags_in & O_NONBLOCK) &&
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

ssize_t path_read_buf_beneath(struct path_cxt *pc, char *buf, size_t len, const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;
	ssize_t n;
	int fd;

	if (len == 0)
		return -EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -ENAMETOOLONG;
	fd = path_open_beneath(pc, O_RDONLY | O_NONBLOCK, "%s", rel);
	if (fd < 0)
		return fd;
	return read_buf_close(fd, buf, len);
}

int path_write_str_beneath(struct path_cxt *pc, const char *str, const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;
	int n, fd;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -ENAMETOOLONG;
	/* O_TRUNC: see path_write_str() */
	fd = path_open_beneath(pc, O_WRONLY | O_TRUNC | O_NONBLOCK, "%s", rel);
	if (fd < 0)
		return fd;
	return fd_write_str(fd, str);
}

int fd_write_str(int fd, const char *str)
{
	size_t len = strlen(str);
	ssize_t n;
	int r = 0;

	do
		n = write(fd, str, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

/* Owned by root or by the caller, and writable by nobody else. */
static const char *trust_why(const struct stat *st, bool dir)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return dir ? "its directory is owned by another user (not root or the caller)" :
			     "owned by another user (not root or the caller)";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return dir ? "its directory is writable by group or others" :
			     "writable by group or others";
	return NULL;
}

int path_open_dir_trusted(const char *file, const char **ret_why)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(file, '/'), *why;
	struct stat st;
	int dfd;

	if (!slash) {
		strcpy(dir, ".");
	} else if (slash == file) {
		strcpy(dir, "/");
	} else {
		if ((size_t)(slash - file) >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, file, (size_t)(slash - file));
		dir[slash - file] = '\0';
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fstat(dfd, &st) < 0) {
		int r = -errno;

		close(dfd);
		return r;
	}
	why = trust_why(&st, true);
	if (why) {
		close(dfd);
		if (ret_why)
			*ret_why = why;
		return -EPERM;
	}
	return dfd;
}

int path_open_trusted(const char *file, const char **ret_why)
{
	const char *base = strrchr(file, '/'), *why = NULL;
	struct stat st;
	int dfd, fd;

	base = base ? base + 1 : file;
	if (!*base)
		return -EISDIR;
	dfd = path_open_dir_trusted(file, ret_why);
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		close(dfd);
		if (fd == -ELOOP)
			why = "a symbolic link";
		goto out;
	}
	close(dfd);
	if (fstat(fd, &st) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	why = S_ISREG(st.st_mode) ? trust_why(&st, false) : "not a regular file";
	if (why) {
		close(fd);
		fd = -EPERM;
	}
out:
	if (why && ret_why)
		*ret_why = why;
	return why ? -EPERM : fd;
}

/* ---- the directory that holds a file, below the root ------------------------ */

int path_open_parent_beneath(struct path_cxt *pc, const char *path, const char **ret_base)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	char rel[PATH_MAX];
	const char *base, *p;
	size_t dl;
	int rootfd, fd;

	if (*path != '/')
		return -EINVAL;
	base = strrchr(path, '/') + 1;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -EINVAL;
	dl = (size_t)(base - path);
	if (dl >= sizeof(rel))
		return -ENAMETOOLONG;
	memcpy(rel, path, dl);
	rel[dl] = '\0'; /* the directory, "/" included */
	p = rel + strspn(rel, "/");
	if (*p && rel_escapes(p))
		return -EXDEV;
	rootfd = open(pc->rootlen ? pc->root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	if (!*p) {
		*ret_base = base;
		return rootfd;
	}
	fd = open_beneath_openat2(rootfd, p, flags);
	if (fd == -ENOSYS)
		fd = open_beneath_walk(rootfd, p, flags);
	close(rootfd);
	if (fd == -ELOOP)
		return -PATH_ESYMLINK;
	if (fd < 0)
		return fd;
	*ret_base = base;
	return fd;
}
