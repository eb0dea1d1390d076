/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * path: every read and write of /sys, /proc, /etc, /boot, /run goes through a
 * context with a root prefix (util-linux ul_path, lscpu --sysroot), so tests
 * run the real code against captured machines with --root.
 *
 * Paths are given absolute (PATH_SYS_CPU "/cpu%u/online", lib/pathnames.h) and are
 * printf formats. All functions return 0 (or a count) on success and -errno on
 * failure; they never print. After any call, path_last() is the full path it
 * touched, for error messages.
 *
 * Sysfs is not tidy: values may end with "\n\0", files may be empty. Readers
 * strip trailing whitespace and NUL bytes. Numeric readers return -ENODATA for
 * an empty file, -EINVAL for garbage (a NUL before the end included), -ERANGE
 * for overflow. Numbers are decimal unless written with "0x".
 *
 * The error rule of all of lib/ (lib/README): 0/-errno, the path is
 * path_last() of the caller's path_cxt, anything more in typed ret_* out
 * parameters (ret_line, ret_why), never a message to parse.
 */
#ifndef QC_PATH_H
#define QC_PATH_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cpuset.h"

struct path_cxt {
	char root[PATH_MAX]; /* "" for the real root, else no trailing '/' */
	size_t rootlen;
	char last[PATH_MAX]; /* full path of the most recent operation */
};

#define PATH_FMT __attribute__((format(printf, 2, 3)))
#define PATH_FMT3 __attribute__((format(printf, 3, 4)))
#define PATH_FMT4 __attribute__((format(printf, 4, 5)))

/* root NULL, "" or "/" is the real root. -ENOTDIR/-ENOENT/-EACCES if unusable. */
int path_cxt_init(struct path_cxt *pc, const char *root);
static inline const char *path_last(const struct path_cxt *pc)
{
	return pc->last;
}
static inline bool path_is_real_root(const struct path_cxt *pc)
{
	return pc->rootlen == 0;
}

/* Full path into pc->last and return it (NULL if too long: errno ENAMETOOLONG). */
const char *path_get(struct path_cxt *pc, const char *fmt, ...) PATH_FMT;
const char *path_vget(struct path_cxt *pc, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * A file read is a regular file. Read-only opens (path_open with O_RDONLY and
 * no O_DIRECTORY, path_fopen, every path_read_*) refuse a directory with
 * -EISDIR and anything else that is not a regular file (FIFO, device, socket)
 * with -PATH_ENOTREG, without blocking. -ENOENT always means "absent".
 * The file is opened O_NONBLOCK and the fd handed back in blocking mode,
 * unless the caller asked for O_NONBLOCK itself: the readers here do, since
 * regular files ignore it, which saves two fcntl calls per file.
 */
/*
 * ENXIO, as open(2) itself returns for a socket or a device with no driver.
 * Not EMEDIUMTYPE: statefile and irqrecord use that for "not our format".
 */
#define PATH_ENOTREG ENXIO
/* path_open_beneath(): a symbolic link on the way, refused (ELOOP is a loop). */
#define PATH_ESYMLINK EMLINK
/*
 * strerror(), with "not a regular file" for PATH_ENOTREG and the '..' refusal
 * of path_open_beneath() (-EXDEV) said plainly; err may be negative.
 */
const char *path_strerror(int err);
/* The reason a reader failed: "malformed content" (EINVAL, ERANGE), "empty" (ENODATA), else as above. */
const char *path_read_strerror(int err);
/* 0, -EISDIR or -PATH_ENOTREG for the open fd. */
int fd_check_regular(int fd);
/* openat(2) of a regular file for reading, as above; returns the fd or -errno. */
int openat_regular(int dirfd, const char *name, int flags);

int path_open(struct path_cxt *pc, int flags, const char *fmt, ...) PATH_FMT3;
/* The one exception: open a device (/dev/kmsg, /dev/cpu/N/msr) as it is. */
int path_open_device(struct path_cxt *pc, int flags, const char *fmt, ...) PATH_FMT3;
/* mode "r" or "re" only (always close-on-exec); NULL with errno set. */
FILE *path_fopen(struct path_cxt *pc, const char *mode, const char *fmt, ...) PATH_FMT3;
DIR *path_opendir(struct path_cxt *pc, const char *fmt, ...) PATH_FMT;
bool path_exists(struct path_cxt *pc, const char *fmt, ...) PATH_FMT;
int path_access(struct path_cxt *pc, int mode, const char *fmt, ...) PATH_FMT3;

/*
 * Read a whole (small, < 1 MiB) file into buf, NUL-terminated, with trailing
 * whitespace and NULs stripped. Returns the length, -EFBIG if it did not fit.
 */
ssize_t path_read_buf(struct path_cxt *pc, char *buf, size_t len, const char *fmt, ...) PATH_FMT4;
/*
 * Read fd (or a file under pc) to EOF into a malloc'ed, NUL-terminated buffer,
 * raw: nothing stripped, embedded NULs kept (*ret_len counts them; may be NULL).
 * -EFBIG past about max bytes. fd_read_all does not close fd.
 */
int fd_read_all(int fd, size_t max, char **ret, size_t *ret_len);
int path_read_all(struct path_cxt *pc, size_t max, char **ret, size_t *ret_len, const char *fmt,
		  ...) __attribute__((format(printf, 5, 6)));
/* Same as path_read_buf, malloc'ed, any size (up to 64 MiB). */
int path_read_str(struct path_cxt *pc, char **ret, const char *fmt, ...) PATH_FMT3;

int path_read_s64(struct path_cxt *pc, int64_t *ret, const char *fmt, ...) PATH_FMT3;
int path_read_u64(struct path_cxt *pc, uint64_t *ret, const char *fmt, ...) PATH_FMT3;
int path_read_s32(struct path_cxt *pc, int32_t *ret, const char *fmt, ...) PATH_FMT3;
int path_read_u32(struct path_cxt *pc, uint32_t *ret, const char *fmt, ...) PATH_FMT3;

/*
 * A cpulist file (*_list, online, isolated, ...). nbits as for cpuset_parse_list.
 * An empty file and "(null)" (an unallocated kernel cpumask) are the empty set.
 */
int path_read_cpulist(struct path_cxt *pc, unsigned int nbits, cpuset_t *ret, const char *fmt,
		      ...) PATH_FMT4;
/* A hex mask file (thread_siblings, smp_affinity, ...). */
int path_read_cpumask(struct path_cxt *pc, cpuset_t *ret, const char *fmt, ...) PATH_FMT3;

/*
 * Write str to an existing file (sysfs/procfs style: O_WRONLY|O_TRUNC, never
 * O_CREAT), one write(2), checking write and close.
 * Returns 0 or the -errno of the write (EIO/EPERM for immovable IRQs, ...).
 */
int path_write_str(struct path_cxt *pc, const char *str, const char *fmt, ...) PATH_FMT3;

/* Strict number parsing, shared by the readers: whole string, no junk. */
int parse_s64(const char *s, int64_t *ret);
int parse_u64(const char *s, uint64_t *ret);
int parse_u32(const char *s, uint32_t *ret);
int parse_s32(const char *s, int32_t *ret);

/* Strip trailing whitespace and NUL bytes in place (len = bytes read). Returns new length. */
size_t strip_trailing(char *buf, size_t len);

/*
 * Opening below the root without following symbolic links, for the files
 * early-pin writes and restores: openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)
 * on the root where the kernel has it, else a walk that opens every
 * component with O_NOFOLLOW. The root itself may be a symlink; nothing below
 * it may. fmt is absolute under the root, as for path_open().
 * -PATH_ESYMLINK a symbolic link on the way, -EXDEV a ".." component,
 * -EISDIR or -PATH_ENOTREG not a regular file (a FIFO never blocks: it is
 * opened O_NONBLOCK, then refused). O_NONBLOCK is cleared again unless the
 * caller passed it, as for path_open().
 */
int path_open_beneath(struct path_cxt *pc, int flags, const char *fmt, ...) PATH_FMT3;
/* Tests: never use openat2, always the walk (false: openat2 where there is one). */
void path_beneath_force_walk(bool walk);
/* path_read_buf() and path_write_str() through path_open_beneath(). */
ssize_t path_read_buf_beneath(struct path_cxt *pc, char *buf, size_t len, const char *fmt,
			      ...) PATH_FMT4;
int path_write_str_beneath(struct path_cxt *pc, const char *str, const char *fmt, ...) PATH_FMT3;
/* One write(2) of str, then close(fd) (always); 0 or -errno. */
int fd_write_str(int fd, const char *str);

/*
 * A file early-pin trusts with root's power (a state file): a regular file,
 * not a symbolic link, owned by root or the caller, not writable by group
 * or others, in a directory with the same property. Opened O_RDONLY without
 * blocking. -EPERM with the reason in *ret_why when it is not to be trusted;
 * other -errno from the file system. path_open_dir_trusted() checks and
 * opens the directory of file only (for writing a new file into it).
 */
int path_open_trusted(const char *file, const char **ret_why);
int path_open_dir_trusted(const char *file, const char **ret_why);

/*
 * Open the directory that holds path (absolute under the root) for openat(),
 * fsync() and fdopendir(), resolved as path_open_beneath() does: no symbolic
 * link on the way (-PATH_ESYMLINK), no ".." (-EXDEV). *ret_base points into
 * path at its last component, which may not be "", "." or ".." (-EINVAL).
 * Returns the fd (the caller closes it) or -errno. path_last() is left as it
 * was: the callers (atomicfile) name the file in their messages themselves.
 */
int path_open_parent_beneath(struct path_cxt *pc, const char *path, const char **ret_base);

#endif
