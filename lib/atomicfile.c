// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * atomicfile: symlink-safe, atomic file replacement below a root directory.
 */
#include "atomicfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "path.h"
#include "strv.h"

#define ATOMICFILE_MAX (16U << 20) /* configuration files, not disk images */

/*
 * The directory that holds path, through lib/path.c's one walk below the root,
 * with atomicfile's own error names: -ELOOP for a symbolic link on the way,
 * -EINVAL for "..".
 */
int atomicfile_open_parent(struct path_cxt *pc, const char *path, int *ret_dirfd,
			   const char **ret_base)
{
	const char *base;
	int fd;

	fd = path_open_parent_beneath(pc, path, &base);
	if (fd == -PATH_ESYMLINK)
		return -ELOOP;
	if (fd == -EXDEV)
		return -EINVAL;
	if (fd < 0)
		return fd;
	*ret_dirfd = fd;
	*ret_base = base;
	return 0;
}

int atomicfile_read(struct path_cxt *pc, const char *path, char **ret_buf, size_t *ret_len,
		    struct stat *ret_st)
{
	const char *base;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int dfd, fd, r;

	r = atomicfile_open_parent(pc, path, &dfd, &base);
	if (r < 0)
		return r;
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	r = fd < 0 ? -errno : 0;
	close(dfd);
	if (r < 0)
		return r;
	r = fd_check_regular(fd); /* -EISDIR, -PATH_ENOTREG */
	if (r < 0)
		goto out;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if ((size_t)st.st_size > ATOMICFILE_MAX) {
		r = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == (size_t)st.st_size)
			break;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	if (ret_st)
		*ret_st = st;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The temporary file atomicfile_write() makes for base: ".<base>.qc" and 8 hex digits. */
#define TEMP_FMT ".%s.qc%08x"
#define TEMP_HEX 8

static bool is_temp_of(const char *name, const char *base)
{
	size_t bl = strlen(base), nl = strlen(name);

	if (nl != 1 + bl + 3 + TEMP_HEX || name[0] != '.' || memcmp(name + 1, base, bl) != 0 ||
	    memcmp(name + 1 + bl, ".qc", 3) != 0)
		return false;
	for (size_t i = nl - TEMP_HEX; i < nl; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return true;
}

int atomicfile_remove_stale(struct path_cxt *pc, const char *path, char ***ret_removed,
			    size_t *ret_n)
{
	const char *base;
	struct dirent *de;
	DIR *dir;
	int dfd, r, n = 0;

	r = atomicfile_open_parent(pc, path, &dfd, &base);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	dir = fdopendir(dfd);
	if (!dir) {
		r = -errno;
		close(dfd);
		return r;
	}
	while ((de = readdir(dir))) {
		struct stat st;

		if (!is_temp_of(de->d_name, base))
			continue;
		/* a regular file, not followed if a symlink: only what a write of ours left */
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd(dir), de->d_name, 0) < 0) {
			if (errno == ENOENT)
				continue;
			r = -errno;
			break;
		}
		n++;
		if (ret_removed) {
			size_t dl = (size_t)(base - path);

			r = strv_appendf(ret_removed, ret_n, "%.*s%s", (int)dl, path, de->d_name);
			if (r < 0)
				break;
		}
	}
	if (n > 0 && fsync(dirfd(dir)) < 0 && r == 0)
		r = -errno;
	closedir(dir);
	return r < 0 ? r : n;
}

/*
 * The file that a write replaces, base in dfd: *cur, and *have false when
 * there is none yet. 0, -ELOOP (a symlink), -EISDIR, -EINVAL (not a regular
 * file) or -errno.
 */
static int target_stat(int dfd, const char *base, struct stat *cur, bool *have)
{
	*have = false;
	if (fstatat(dfd, base, cur, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISREG(cur->st_mode))
		return S_ISLNK(cur->st_mode) ? -ELOOP : S_ISDIR(cur->st_mode) ? -EISDIR : -EINVAL;
	*have = true;
	return 0;
}

/*
 * The start of both writers: the parent opened (*dfd), the target's name
 * (*base, short enough for a temporary name beside it), whether it exists
 * (*have), and the owner and mode the new file takes (*st): like's, else the
 * target's, else root's 0644. On error nothing is left open.
 */
static int open_target(struct path_cxt *pc, const char *path, const struct stat *like, int *dfd,
		       const char **base, struct stat *st, bool *have)
{
	struct stat cur;
	int r;

	r = atomicfile_open_parent(pc, path, dfd, base);
	if (r < 0)
		return r;
	r = target_stat(*dfd, *base, &cur, have);
	if (r == 0 && strlen(*base) > NAME_MAX - 16)
		r = -ENAMETOOLONG;
	if (r < 0) {
		close(*dfd);
		return r;
	}
	if (like) {
		*st = *like;
	} else if (*have) {
		*st = cur;
	} else {
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFREG | 0644;
	}
	return 0;
}

/* The new content in fd, with st's owner and mode, on disk; fd closed. */
static int fill_and_close(int fd, const void *buf, size_t len, const struct stat *st)
{
	int r = write_all(fd, buf, len);

	if (r == 0 && fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EPERM)
		r = -errno;
	if (r == 0 && fchmod(fd, st->st_mode & 07777) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int atomicfile_write(struct path_cxt *pc, const char *path, const void *buf, size_t len,
		     const struct stat *like)
{
	char tmp[NAME_MAX + 1];
	const char *base;
	struct stat st;
	int dfd, fd = -1, r;
	bool have;

	r = open_target(pc, path, like, &dfd, &base, &st, &have);
	if (r < 0)
		return r;
	for (int tries = 0; tries < 16; tries++) {
		unsigned int rnd;

		if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
			rnd = (unsigned int)getpid() * 2654435761U + (unsigned int)tries;
		snprintf(tmp, sizeof(tmp), TEMP_FMT, base, rnd);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = fill_and_close(fd, buf, len, &st);
	if (r == 0 && renameat(dfd, tmp, dfd, base) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	if (fsync(dfd) < 0)
		r = -errno;
out:
	close(dfd);
	return r;
}

#define SPARE_FMT ".%s.spare"

int atomicfile_write_spare(struct path_cxt *pc, const char *path, const void *buf, size_t len)
{
	char spare[NAME_MAX + 1];
	const char *base;
	struct stat cur, sst;
	int dfd, fd = -1, r;
	bool have;

	r = open_target(pc, path, NULL, &dfd, &base, &cur, &have);
	if (r < 0)
		return r;
	snprintf(spare, sizeof(spare), SPARE_FMT, base);
	/* the spare of the last write, reused when it is a plain file of its own */
	fd = openat(dfd, spare, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &sst) < 0 || !S_ISREG(sst.st_mode) || sst.st_nlink != 1)) {
		close(fd);
		fd = -1;
		if (unlinkat(dfd, spare, 0) < 0 && errno != ENOENT) {
			r = -errno;
			goto out;
		}
	} else if (fd < 0 && errno != ENOENT) {
		/* a symbolic link, a FIFO, ...: not ours to write through */
		if (unlinkat(dfd, spare, 0) < 0 && errno != ENOENT) {
			r = -errno;
			goto out;
		}
	}
	if (fd < 0)
		fd = openat(dfd, spare, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if (ftruncate(fd, 0) < 0) {
		r = -errno;
		close(fd);
	} else {
		r = fill_and_close(fd, buf, len, &cur);
	}
	if (r == 0 && have && renameat2(dfd, spare, dfd, base, RENAME_EXCHANGE) < 0) {
		if (errno != EINVAL && errno != ENOSYS)
			r = -errno;
		else
			have = false; /* no exchange on this file system: a plain rename */
	}
	if (r == 0 && !have && renameat(dfd, spare, dfd, base) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, spare, 0);
		goto out;
	}
	if (fsync(dfd) < 0)
		r = -errno;
out:
	close(dfd);
	return r;
}

int atomicfile_remove_spare(struct path_cxt *pc, const char *path)
{
	char spare[NAME_MAX + 1];
	const char *base;
	struct stat st;
	int dfd, r = 0;

	r = atomicfile_open_parent(pc, path, &dfd, &base);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (strlen(base) > NAME_MAX - 16) {
		close(dfd);
		return -ENAMETOOLONG;
	}
	snprintf(spare, sizeof(spare), SPARE_FMT, base);
	if (fstatat(dfd, spare, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
		r = unlinkat(dfd, spare, 0) < 0 && errno != ENOENT ? -errno : 1;
		if (r > 0 && fsync(dfd) < 0)
			r = -errno;
	}
	close(dfd);
	return r;
}

int atomicfile_unlink(struct path_cxt *pc, const char *path)
{
	const char *base;
	int dfd, r;

	r = atomicfile_open_parent(pc, path, &dfd, &base);
	if (r < 0)
		return r;
	r = unlinkat(dfd, base, 0) < 0 ? -errno : 0;
	if (r == 0 && fsync(dfd) < 0)
		r = -errno;
	close(dfd);
	return r;
}

int atomicfile_mkdirs(struct path_cxt *pc, const char *dir, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);
	int r;

	if (n + 3 >= sizeof(buf))
		return -ENAMETOOLONG;
	/* Create each prefix in turn; open_parent of "<prefix>/x" checks for symlinks. */
	for (size_t i = 1; i <= n; i++) {
		const char *base;
		int dfd;

		if (i < n && dir[i] != '/')
			continue;
		memcpy(buf, dir, i);
		strcpy(buf + i, "/x");
		r = atomicfile_open_parent(pc, buf, &dfd, &base);
		if (r == 0) {
			close(dfd);
			continue;
		}
		if (r != -ENOENT)
			return r;
		/* Create the last component of buf[0..i). */
		buf[i] = '\0';
		r = atomicfile_open_parent(pc, buf, &dfd, &base);
		if (r < 0)
			return r;
		r = mkdirat(dfd, base, mode) < 0 && errno != EEXIST ? -errno : 0;
		close(dfd);
		if (r < 0)
			return r;
	}
	return 0;
}

int atomicfile_rmdir(struct path_cxt *pc, const char *path)
{
	const char *base;
	int dfd, r;

	r = atomicfile_open_parent(pc, path, &dfd, &base);
	if (r < 0)
		return r;
	r = unlinkat(dfd, base, AT_REMOVEDIR) < 0 ? -errno : 0;
	if (r == -EEXIST) /* POSIX allows it for a directory that is not empty */
		r = -ENOTEMPTY;
	if (r == 0 && fsync(dfd) < 0)
		r = -errno;
	close(dfd);
	return r;
}

int atomicfile_readlink(struct path_cxt *pc, const char *path, char **ret_target)
{
	char buf[PATH_MAX], *t;
	const char *base;
	ssize_t n;
	int dfd, r;

	r = atomicfile_open_parent(pc, path, &dfd, &base);
	if (r < 0)
		return r;
	n = readlinkat(dfd, base, buf, sizeof(buf));
	r = n < 0 ? -errno : 0;
	close(dfd);
	if (r < 0)
		return r;
	if ((size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	t = strndup(buf, (size_t)n);
	if (!t)
		return -ENOMEM;
	*ret_target = t;
	return 0;
}

int atomicfile_symlink(struct path_cxt *pc, const char *path, const char *target)
{
	const char *base;
	int dfd, r;

	if (!*target)
		return -EINVAL;
	r = atomicfile_open_parent(pc, path, &dfd, &base);
	if (r < 0)
		return r;
	r = symlinkat(target, dfd, base) < 0 ? -errno : 0;
	if (r == 0 && fsync(dfd) < 0)
		r = -errno;
	close(dfd);
	return r;
}

int atomicfile_dir_writable(struct path_cxt *pc, const char *path)
{
	struct statvfs sv;
	const char *base;
	int dfd, r;

	r = atomicfile_open_parent(pc, path, &dfd, &base);
	if (r < 0)
		return r;
	if (fstatvfs(dfd, &sv) == 0 && (sv.f_flag & ST_RDONLY))
		r = -EROFS;
	else if (faccessat(dfd, ".", W_OK, AT_EACCESS) < 0)
		r = -errno;
	close(dfd);
	return r;
}

int atomicfile_lock(struct path_cxt *pc, const char *path, int *ret_fd)
{
	for (int tries = 0; tries < 16; tries++) {
		struct stat held, now;
		const char *base;
		int dfd, fd, r;

		r = atomicfile_open_parent(pc, path, &dfd, &base);
		if (r < 0)
			return r;
		/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): set when it returns 0 */
		fd = openat(dfd, base, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			r = -errno;
			close(dfd);
			return r;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			r = -errno;
			close(fd);
			close(dfd);
			return r;
		}
		/*
		 * The holder before us may have removed the file as it finished
		 * (between our open and our flock): a lock on a file that is no
		 * longer at path excludes nobody. Take it again on the one there.
		 */
		if (fstat(fd, &held) < 0 || fstatat(dfd, base, &now, AT_SYMLINK_NOFOLLOW) < 0) {
			r = errno ? -errno : -EIO;
			close(fd);
			close(dfd);
			if (r != -ENOENT)
				return r;
			continue;
		}
		close(dfd);
		if (held.st_ino == now.st_ino && held.st_dev == now.st_dev) {
			*ret_fd = fd;
			return 0;
		}
		close(fd);
	}
	return -EAGAIN;
}
