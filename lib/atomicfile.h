/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * atomicfile: safe reads and writes of configuration files under a root
 * directory, for the bootloader editors.
 *
 * Every path is absolute ("/etc/default/grub") and resolved below the root
 * of a path context (lib/path.h), by the one walk of path_open_beneath()
 * (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, else one component at a time
 * with O_NOFOLLOW): a symlink anywhere on the way (which could point out of
 * --root, or somewhere the tool did not expect to write) is refused with
 * -ELOOP, and ".." is refused with -EINVAL.
 *
 * Writes are atomic: a temporary file in the same directory, written in full,
 * given the mode and owner of the file it replaces, fsync'ed, renamed over the
 * target, then the directory is fsync'ed. A crash leaves the old or the new
 * file, never half of one.
 *
 * All functions return 0 (or a count) or -errno and never print.
 */
#ifndef QC_ATOMICFILE_H
#define QC_ATOMICFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct path_cxt;

/*
 * Open the directory that holds path (path_open_parent_beneath()).
 * *ret_base points into path (the last component). The caller closes the fd.
 */
int atomicfile_open_parent(struct path_cxt *pc, const char *path, int *ret_dirfd,
			   const char **ret_base);

/*
 * Read a whole regular file. ret_buf is malloc'ed and NUL-terminated (the file
 * may itself hold NULs: use *ret_len). ret_st may be NULL.
 * -ENOENT if absent, -ELOOP for a symlink, -EISDIR for a directory, -PATH_ENOTREG
 * (lib/path.h) for any other file that is not a regular one.
 */
int atomicfile_read(struct path_cxt *pc, const char *path, char **ret_buf, size_t *ret_len,
		    struct stat *ret_st);

/*
 * Replace (or create) path with buf. like: take mode/owner from this stat
 * (NULL: keep those of the existing file, or 0644 root:root for a new one).
 */
int atomicfile_write(struct path_cxt *pc, const char *path, const void *buf, size_t len,
		     const struct stat *like);

/*
 * atomicfile_write() for a file rewritten many times a second (isol-alloc's
 * state): the temporary file is a spare kept next to it, ".<base>.spare",
 * truncated and written, fsync'ed, then exchanged with path (renameat2
 * RENAME_EXCHANGE) so that it holds the previous contents for the next
 * write, and the directory fsync'ed. No inode is made or freed per write
 * (on ext4 without a journal, making one scans the inode table for inodes
 * freed lately: most of the cost of a small write). A crash leaves path old
 * or new. A spare that is not a regular file of one link is replaced; a
 * file system that cannot exchange gets a plain rename. Mode and owner:
 * those of the existing file, 0644 for a new one.
 */
int atomicfile_write_spare(struct path_cxt *pc, const char *path, const void *buf, size_t len);
/* Remove the spare of path (a regular file only): 1 removed, 0 none, or -errno. */
int atomicfile_remove_spare(struct path_cxt *pc, const char *path);

/*
 * Remove the temporary files a killed atomicfile_write() of path left in its
 * directory: names exactly ".<base>.qc" and 8 lowercase hex digits, regular
 * files only (a symlink or directory of that name is left alone). Their paths
 * are appended to *ret_removed (strv, may be NULL). The count, or -errno; 0
 * when the directory does not exist.
 */
int atomicfile_remove_stale(struct path_cxt *pc, const char *path, char ***ret_removed,
			    size_t *ret_n);

/* Remove a file (not through a symlinked directory); -ENOENT if absent. fsyncs the directory. */
int atomicfile_unlink(struct path_cxt *pc, const char *path);

/* mkdir -p, refusing symlinks on the way. */
int atomicfile_mkdirs(struct path_cxt *pc, const char *dir, mode_t mode);

/* Remove an empty directory (not through a symlinked one); -ENOENT, -ENOTEMPTY, -ENOTDIR. */
int atomicfile_rmdir(struct path_cxt *pc, const char *path);

/*
 * The target of the symbolic link path (not followed; *ret_target malloc'ed,
 * untouched on failure). -ENOENT absent, -EINVAL there but not a symbolic link.
 */
int atomicfile_readlink(struct path_cxt *pc, const char *path, char **ret_target);

/*
 * Create the symbolic link path -> target, where nothing is (-EEXIST
 * otherwise: a link never replaces a file). Creating a link is atomic by
 * itself: no temporary name. fsyncs the directory.
 */
int atomicfile_symlink(struct path_cxt *pc, const char *path, const char *target);

/*
 * Can the directory that holds path be written (exists, not on a read-only
 * file system, permission)? 0 or -errno (-EROFS, -EACCES, -ENOENT, -ELOOP).
 */
int atomicfile_dir_writable(struct path_cxt *pc, const char *path);

/*
 * Take an exclusive flock on path (created 0600 if needed) without waiting.
 * -EWOULDBLOCK when another process holds it. *ret_fd stays open = lock held.
 * The holder may unlink path before it lets go: a lock taken on a file that
 * is no longer at path is dropped and taken on the file there now (-ENOENT
 * when its directory went too).
 */
int atomicfile_lock(struct path_cxt *pc, const char *path, int *ret_fd);

#endif
