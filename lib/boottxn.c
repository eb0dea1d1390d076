// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * boottxn: the edit transaction: state directory and lock, originals and
 * manifest, atomic writes, rollback, revert and stale temporaries.
 */
#include "bootcfg.h"
#include "bootcfg-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "bls.h"
#include "path.h"
#include "strv.h"

/*
 * What a person does when the transaction cannot undo itself: the words
 * between "nothing was changed: FILES still hold what --apply wrote: " and
 * ", then remove STATE_DIR".
 */
static const char *by_hand(const struct bootcfg *bc)
{
	if (bc->backend == BOOTCFG_RUNTIME)
		return "remove them by hand (systemctl stop " BOOTCFG_PARTITION_UNIT
		       " first, to end the partition)";
	return "take the managed parameters out by hand (cmdline-gen --check lists them), "
	       "regenerate the boot configuration";
}

/* The command whose work this transaction undoes, for messages. */
static const char *apply_words(const struct bootcfg *bc)
{
	return bc->backend == BOOTCFG_RUNTIME ? "cmdline-gen --apply --runtime" :
						"cmdline-gen --apply";
}

/* The nearest directory at or above dir that exists: what a new file's directories hang on. */
static int existing_ancestor_writable(struct bootcfg *bc, const char *path)
{
	char p[PATH_MAX];
	int r;

	snprintf(p, sizeof(p), "%s", path);
	for (;;) {
		char *slash;

		r = atomicfile_dir_writable(&bc->pc, p);
		if (r != -ENOENT)
			return r;
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			return r;
		*slash = '\0';
	}
}

int bootcfg_check_writable(struct bootcfg *bc, struct bootcfg_error *err)
{
	for (size_t i = 0; i < bc->nch; i++) {
		int r;

		if (bc->ch[i].backup_only)
			continue;
		r = atomicfile_dir_writable(&bc->pc, bc->ch[i].path);
		if (r == -ENOENT && bc->ch[i].new) /* its directory will be made */
			r = existing_ancestor_writable(bc, bc->ch[i].path);
		if (r < 0) {
			bootcfg_errf(
				err, "cannot write %s: %s%s", bc->ch[i].path, strerror(-r),
				r == -ELOOP ?
					" (a symlink on the way: refusing to write through it)" :
					"");
			return r;
		}
	}
	return 0;
}

/* ---- state directory ------------------------------------------------------ */

static int orig_path(const struct bootcfg *bc, const char *path, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s", bc->orig_dir, path);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int applied_path(const struct bootcfg *bc, const char *path, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s", bc->applied_dir, path);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int bootcfg_record_applied(struct bootcfg *bc, struct bootcfg_error *err)
{
	int ret = 0;

	for (size_t i = 0; i < bc->nch; i++) {
		const struct bootcfg_change *c = &bc->ch[i];
		char ap[PATH_MAX], dir[PATH_MAX], *cur = NULL;
		size_t len = 0;
		struct stat st;
		int r;

		if (c->backup_only || c->symlink) /* a link's target is in the manifest */
			continue;
		r = applied_path(bc, c->path, ap, sizeof(ap));
		if (r == 0) {
			r = atomicfile_read(&bc->pc, c->path, &cur, &len, &st);
			if (r == -ENOENT) {
				r = atomicfile_unlink(&bc->pc, ap);
				if (r == -ENOENT)
					r = 0;
			} else if (r == 0) {
				snprintf(dir, sizeof(dir), "%s", ap);
				*strrchr(dir, '/') = '\0';
				r = atomicfile_mkdirs(&bc->pc, dir, 0700);
				if (r == 0)
					r = atomicfile_write(&bc->pc, ap, cur, len, &st);
			}
			free(cur);
		}
		if (r < 0 && ret == 0) {
			bootcfg_errf(err, "cannot record what was written to %s in %s: %s", c->path,
				     bc->applied_dir, strerror(-r));
			ret = r;
		}
	}
	return ret;
}

/* Does the manifest hold the line "KW PATH" (more: "KW PATH <more words>")? */
static bool manifest_has(const char *manifest, const char *kw, const char *path, bool more)
{
	size_t kl = strlen(kw), pl = strlen(path);

	for (const char *p = manifest; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);

		if (ll >= kl + 1 + pl && memcmp(p, kw, kl) == 0 && p[kl] == ' ' &&
		    memcmp(p + kl + 1, path, pl) == 0 &&
		    (more ? ll > kl + 2 + pl && p[kl + 1 + pl] == ' ' : ll == kl + 1 + pl))
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

/*
 * How the manifest lists the file path: 's' "saved PATH", 'a' "absent PATH",
 * 'l' "link PATH TARGET"; 0 if not listed.
 */
static char manifest_state(const char *manifest, const char *path)
{
	if (manifest_has(manifest, "saved", path, false))
		return 's';
	if (manifest_has(manifest, "absent", path, false))
		return 'a';
	if (manifest_has(manifest, "link", path, true))
		return 'l';
	return 0;
}

bool bootcfg_has_state(struct bootcfg *bc)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", bc->manifest_path);
	return bootcfg_exists(bc, p);
}

static int longest_first(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

/*
 * Remove the directories of v that are empty, each before its parent. One
 * that is gone already, or holds files that are not ours, is left alone.
 * 0, or the first other error, *ret_dir (may be NULL) naming its directory.
 */
static int remove_dirs(struct bootcfg *bc, char *const *v, size_t n, const char **ret_dir)
{
	char **d;
	int ret = 0;

	if (n == 0)
		return 0;
	d = malloc(n * sizeof(*d));
	if (!d)
		return -ENOMEM;
	memcpy(d, v, n * sizeof(*d));
	qsort(d, n, sizeof(*d), longest_first); /* a directory's path is longer than its parent's */
	for (size_t i = 0; i < n; i++) {
		int r = atomicfile_rmdir(&bc->pc, d[i]);

		if (r < 0 && r != -ENOENT && r != -ENOTEMPTY && ret == 0) {
			ret = r;
			if (ret_dir)
				*ret_dir = d[i]; /* v's string: outlives d */
		}
	}
	free(d);
	return ret;
}

/* Remove a directory tree below the root that quietcore owns (no symlinks followed). */
static int rm_tree_at(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0) {
		if (errno == ENOTDIR || errno == ELOOP)
			return unlinkat(dfd, name, 0) < 0 ? -errno : 0;
		return errno == ENOENT ? 0 : -errno;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type == DT_DIR)
			rm_tree_at(fd, de->d_name);
		else
			unlinkat(fd, de->d_name, 0);
	}
	closedir(d);
	return unlinkat(dfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int rm_tree(struct bootcfg *bc, const char *path)
{
	const char *base;
	int dfd, r;

	r = atomicfile_open_parent(&bc->pc, path, &dfd, &base);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = rm_tree_at(dfd, base);
	fsync(dfd);
	close(dfd);
	return r;
}

int bootcfg_lock(struct bootcfg *bc, struct bootcfg_error *err)
{
	char top[PATH_MAX] = "";
	int r;

	if (bc->lockfd >= 0)
		return 0;
	/* Remember the highest directory we are about to create, to remove it on rollback. */
	for (size_t n = 1; n <= strlen(bc->state_dir); n++) {
		char pre[PATH_MAX];

		if (bc->state_dir[n] != '/' && bc->state_dir[n] != '\0')
			continue;
		memcpy(pre, bc->state_dir, n);
		pre[n] = '\0';
		if (!bootcfg_exists(bc, pre)) {
			snprintf(top, sizeof(top), "%s", pre);
			break;
		}
	}
	bc->state_created = top[0] != '\0';
	snprintf(bc->created_top, sizeof(bc->created_top), "%s", top);
	/* a --revert that held the lock removes the directory when it is done: make it again */
	for (int tries = 0; tries < 8; tries++) {
		r = atomicfile_mkdirs(&bc->pc, bc->state_dir, 0700);
		if (r < 0) {
			bootcfg_errf(err, "cannot create %s: %s", bc->state_dir, strerror(-r));
			return r;
		}
		r = atomicfile_lock(&bc->pc, bc->lock_path, &bc->lockfd);
		if (r != -ENOENT)
			break;
	}
	if (r == -EWOULDBLOCK) {
		bootcfg_errf(err, "%s: another cmdline-gen --apply or --revert is running",
			     bc->lock_path);
		return -EBUSY;
	}
	if (r < 0)
		bootcfg_errf(err, "cannot lock %s: %s", bc->lock_path, strerror(-r));
	return r;
}

void bootcfg_unlock(struct bootcfg *bc)
{
	if (bc->lockfd >= 0 && bc->forgotten) {
		/*
		 * Reverted: the lock file goes while it is held (atomicfile_lock()
		 * drops a lock on a file no longer at its path and takes it
		 * again), then the directories --apply made for the state.
		 */
		atomicfile_unlink(&bc->pc, bc->lock_path);
		close(bc->lockfd);
		bc->lockfd = -1;
		remove_dirs(bc, bc->madedirs, bc->nmadedirs, NULL);
		bc->forgotten = false;
		/* /var/lib/quietcore is quietcore's own: it goes when nothing is left in it */
		if (strrchr(bc->state_dir, '/') != bc->state_dir) {
			char parent[sizeof(bc->state_dir)];

			snprintf(parent, sizeof(parent), "%s", bc->state_dir);
			*strrchr(parent, '/') = '\0';
			atomicfile_rmdir(&bc->pc, parent);
		}
	}
	if (bc->lockfd >= 0)
		close(bc->lockfd);
	bc->lockfd = -1;
	/* A state directory we created but never used goes again: nothing changed. */
	if (bc->state_created && bc->created_top[0] && !bootcfg_has_state(bc)) {
		rm_tree(bc, bc->created_top);
		bc->state_created = false;
	}
}

/* Here, not in bootcfg.c: freeing ends the transaction (the lock) too. */
void bootcfg_free(struct bootcfg *bc)
{
	if (!bc)
		return;
	bootcfg_changes_clear(bc);
	bootcfg_unlock(bc);
	free(bc->manifest_old);
	bootcfg_strv_free(bc->saved, bc->nsaved);
	bootcfg_strv_free(bc->newdirs, bc->nnewdirs);
	bootcfg_strv_free(bc->madedirs, bc->nmadedirs);
}

/* The directories the new files of this commit need and that are not there yet, parents first. */
static int plan_new_dirs(struct bootcfg *bc)
{
	bootcfg_strv_free(bc->newdirs, bc->nnewdirs);
	bc->newdirs = NULL;
	bc->nnewdirs = 0;
	for (size_t i = 0; i < bc->nch; i++) {
		const struct bootcfg_change *c = &bc->ch[i];
		char d[PATH_MAX];

		if (c->backup_only || c->predicted || !c->new)
			continue;
		if (snprintf(d, sizeof(d), "%s", c->path) >= (int)sizeof(d))
			return -ENAMETOOLONG;
		for (char *sl = strchr(d + 1, '/'); sl; sl = strchr(sl + 1, '/')) {
			bool known = false;
			int r;

			*sl = '\0';
			for (size_t k = 0; k < bc->nnewdirs; k++)
				known |= strcmp(bc->newdirs[k], d) == 0;
			if (!known && !bootcfg_exists(bc, d)) {
				r = strv_appendf(&bc->newdirs, &bc->nnewdirs, "%s", d);
				if (r < 0)
					return r;
			}
			*sl = '/';
		}
	}
	return 0;
}

static void undo_state(struct bootcfg *bc)
{
	/* the files are back as they were: the directories made for new ones go */
	remove_dirs(bc, bc->newdirs, bc->nnewdirs, NULL);
	for (size_t i = 0; i < bc->nsaved; i++) {
		char op[PATH_MAX];

		if (orig_path(bc, bc->saved[i], op, sizeof(op)) == 0)
			atomicfile_unlink(&bc->pc, op);
	}
	if (!bc->did_save)
		return;
	if (bc->manifest_old)
		atomicfile_write(&bc->pc, bc->manifest_path, bc->manifest_old, bc->manifest_oldlen,
				 NULL);
	else
		atomicfile_unlink(&bc->pc, bc->manifest_path);
	if (bc->state_created && bc->created_top[0]) {
		bootcfg_unlock(bc);
		rm_tree(bc, bc->created_top);
	}
}

/* Read the manifest, if any, into bc->manifest_old; refuse a foreign file. */
static int manifest_load(struct bootcfg *bc, struct bootcfg_error *err)
{
	char *man = NULL;
	size_t len = 0;
	int r;

	r = atomicfile_read(&bc->pc, bc->manifest_path, &man, &len, NULL);
	if (r == -ENOENT) {
		man = NULL;
		len = 0;
	} else if (r < 0) {
		bootcfg_errf(err, "cannot read %s: %s", bc->manifest_path, path_strerror(r));
		return r;
	} else if (len < strlen(MANIFEST_MAGIC) ||
		   memcmp(man, MANIFEST_MAGIC, strlen(MANIFEST_MAGIC)) != 0) {
		bootcfg_errf(err, "%s: not a quietcore manifest; refusing to go on",
			     bc->manifest_path);
		free(man);
		return -EINVAL;
	}
	bc->manifest_old = man;
	bc->manifest_oldlen = len;
	return 0;
}

/* Keep a copy of c's original file and remember that it was saved. */
static int original_save(struct bootcfg *bc, struct bootcfg_change *c, struct bootcfg_error *err)
{
	char op[PATH_MAX], **ns;
	int r;

	r = orig_path(bc, c->path, op, sizeof(op));
	if (r == 0) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", op);
		*strrchr(dir, '/') = '\0';
		r = atomicfile_mkdirs(&bc->pc, dir, 0700);
	}
	if (r == 0)
		r = atomicfile_write(&bc->pc, op, c->old, c->oldlen, &c->st);
	if (r < 0) {
		bootcfg_errf(err, "cannot save the original of %s in %s: %s", c->path, op,
			     strerror(-r));
		return r;
	}
	ns = realloc(bc->saved, (bc->nsaved + 1) * sizeof(*ns));
	if (!ns || !(ns[bc->nsaved] = strdup(c->path))) {
		if (ns)
			bc->saved = ns;
		return -ENOMEM;
	}
	bc->saved = ns;
	bc->nsaved++;
	return 0;
}

/* One manifest line for the change c (its original saved first); 0 or -errno with err. */
static int manifest_add_change(struct bootcfg *bc, struct bootcfg_change *c, FILE *f,
			       struct bootcfg_error *err)
{
	int r;

	if (c->symlink) {
		/* only links where nothing was: what revert puts back is "nothing" */
		if (c->old || !c->new || strpbrk(c->new, " \t\n")) {
			bootcfg_errf(err, "%s: cannot record the symbolic link to %s in %s",
				     c->path, c->new ? c->new : "(none)", bc->manifest_path);
			return -EINVAL;
		}
		fprintf(f, "link %s %s\n", c->path, c->new);
		return 0;
	}
	if (!c->old) {
		fprintf(f, "absent %s\n", c->path);
		return 0;
	}
	r = original_save(bc, c, err);
	if (r == 0)
		fprintf(f, "saved %s\n", c->path);
	return r;
}

/*
 * Before the first write: the manifest names every file (saved, absent or
 * link) and every directory this commit makes, so that a kill at any later
 * point leaves a --revert that finds them all.
 */
static int save_originals(struct bootcfg *bc, struct bootcfg_error *err)
{
	char *nm = NULL;
	size_t ml = 0;
	bool changed = false;
	FILE *f;
	int r;

	r = manifest_load(bc, err);
	if (r)
		return r;
	f = open_memstream(&nm, &ml);
	if (!f)
		return -ENOMEM;
	if (bc->manifest_oldlen) {
		fwrite(bc->manifest_old, 1, bc->manifest_oldlen, f);
	} else {
		fprintf(f, "%sbackend %s\n", MANIFEST_MAGIC, bootcfg_backend_name(bc->backend));
		changed = true;
	}
	for (size_t i = 0; i < bc->nch && r == 0; i++) {
		struct bootcfg_change *c = &bc->ch[i];

		if (fflush(f) != 0) {
			r = -ENOMEM;
			break;
		}
		if (manifest_state(nm, c->path))
			continue; /* the original is the one from before the first --apply */
		r = manifest_add_change(bc, c, f, err);
		changed = true;
	}
	for (size_t i = 0; i < bc->nnewdirs && r == 0; i++) {
		if (fflush(f) != 0) {
			r = -ENOMEM;
			break;
		}
		if (manifest_has(nm, "mkdir", bc->newdirs[i], false))
			continue;
		fprintf(f, "mkdir %s\n", bc->newdirs[i]);
		changed = true;
	}
	/* the state directory, when this run made it: the last revert removes it */
	for (size_t n = strlen(bc->created_top); bc->state_created && n && r == 0; n++) {
		if (bc->state_dir[n] != '/' && bc->state_dir[n] != '\0')
			continue;
		fprintf(f, "mkdir %.*s\n", (int)n, bc->state_dir);
		changed = true;
		if (!bc->state_dir[n])
			break;
	}
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0 && changed) {
		r = atomicfile_write(&bc->pc, bc->manifest_path, nm, ml, NULL);
		if (r < 0)
			bootcfg_errf(err, "cannot write %s: %s", bc->manifest_path, strerror(-r));
	}
	free(nm);
	return r;
}

/* Make path hold buf (NULL: nothing); link: buf is the target of a symbolic link. */
static int write_change(struct bootcfg *bc, const char *path, const char *buf, size_t len,
			const struct stat *like, bool link)
{
	if (!buf) {
		int r = atomicfile_unlink(&bc->pc, path);

		return r == -ENOENT ? 0 : r;
	}
	if (!like || link) {
		/* a new file: its directory may have to be created (/etc/kernel) */
		char dir[PATH_MAX];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			int r;

			*slash = '\0';
			r = atomicfile_mkdirs(&bc->pc, dir, 0755);
			if (r < 0)
				return r;
		}
	}
	if (link)
		return atomicfile_symlink(&bc->pc, path, buf);
	return atomicfile_write(&bc->pc, path, buf, len, like);
}

/* Put back the link c->old (NULL: none) when path no longer is it; never remove a file. */
static int restore_link(struct bootcfg *bc, struct bootcfg_change *c)
{
	char *cur = NULL;
	int r = atomicfile_readlink(&bc->pc, c->path, &cur);

	if (r == 0 && c->old && strcmp(cur, c->old) == 0) {
		free(cur);
		return 0;
	}
	free(cur);
	if (r == 0) {
		r = atomicfile_unlink(&bc->pc, c->path);
		if (r < 0 && r != -ENOENT)
			return r;
	} else if (r != -ENOENT) {
		return r; /* -EINVAL: a file or directory that is not ours */
	}
	return c->old ? write_change(bc, c->path, c->old, c->oldlen, NULL, true) : 0;
}

/* Put back c->old when the file no longer holds it. */
static int restore_change(struct bootcfg *bc, struct bootcfg_change *c)
{
	char *cur = NULL;
	size_t len = 0;
	int r;

	if (c->symlink)
		return restore_link(bc, c);
	r = atomicfile_read(&bc->pc, c->path, &cur, &len, NULL);
	if (r == 0 && c->old && len == c->oldlen && memcmp(cur, c->old, len) == 0) {
		free(cur);
		return 0;
	}
	free(cur);
	if (r == -ENOENT && !c->old)
		return 0;
	return write_change(bc, c->path, c->old, c->oldlen, c->old ? &c->st : NULL, false);
}

int bootcfg_commit(struct bootcfg *bc, bool save, struct bootcfg_error *err)
{
	int r;

	r = bootcfg_check_writable(bc, err);
	if (r < 0)
		return r;
	r = bootcfg_lock(bc, err);
	if (r < 0) {
		bootcfg_unlock(bc);
		return r;
	}
	r = plan_new_dirs(bc);
	if (r < 0) {
		bootcfg_errf(err, "cannot plan the directories to create: %s", strerror(-r));
		bootcfg_unlock(bc);
		return r;
	}
	if (save) {
		bc->did_save = true;
		r = save_originals(bc, err);
		if (r < 0) {
			undo_state(bc);
			return r;
		}
	}
	for (size_t i = 0; i < bc->nch; i++) {
		struct bootcfg_change *c = &bc->ch[i];

		if (c->backup_only || c->predicted)
			continue;
		r = write_change(bc, c->path, c->new, c->newlen,
				 c->have_newst ? &c->newst :
				 c->old	       ? &c->st :
						 NULL,
				 c->symlink);
		if (r < 0) {
			bootcfg_errf(err, "cannot write %s: %s", c->path, strerror(-r));
			/*
			 * The file may hold the new content all the same (the
			 * directory fsync after the rename failed): roll it back
			 * too; restore_change() skips a file that is unchanged.
			 */
			c->written = true;
			bootcfg_rollback(bc, NULL);
			return r;
		}
		c->written = true;
	}
	return 0;
}

int bootcfg_rollback(struct bootcfg *bc, struct bootcfg_error *err)
{
	int ret = 0;

	for (size_t i = bc->nch; i-- > 0;) {
		struct bootcfg_change *c = &bc->ch[i];
		int r;

		if (!c->written && !c->backup_only && !c->predicted)
			continue;
		r = restore_change(bc, c);
		if (r < 0 && ret == 0) {
			bootcfg_errf(err, "cannot restore %s: %s", c->path, strerror(-r));
			ret = r;
		}
		if (r == 0)
			c->written = false;
	}
	undo_state(bc);
	return ret;
}

int bootcfg_remove_stale(struct bootcfg *bc, char ***ret_removed, size_t *ret_n)
{
	/* the run-time plan never touches the boot loader's files: another lock guards those */
	const char *const boot[] = { bc->manifest_path, "/etc/default/grub", "/etc/kernel/cmdline",
				     NULL };
	const char *const runtime[] = { bc->manifest_path, BOOTCFG_PARTITION_DROPIN, NULL };
	const char *const *fixed = bc->backend == BOOTCFG_RUNTIME ? runtime : boot;
	int total = 0, r = 0;

	for (size_t i = 0; fixed[i] && r >= 0; i++)
		if ((r = atomicfile_remove_stale(&bc->pc, fixed[i], ret_removed, ret_n)) > 0)
			total += r;
	if (r >= 0 && bc->grubcfg[0] &&
	    (r = atomicfile_remove_stale(&bc->pc, bc->grubcfg, ret_removed, ret_n)) > 0)
		total += r;
	for (size_t i = 0; i < bc->nch && r >= 0; i++) {
		char op[PATH_MAX], ap[PATH_MAX];

		if ((r = atomicfile_remove_stale(&bc->pc, bc->ch[i].path, ret_removed, ret_n)) > 0)
			total += r;
		if (r >= 0 && orig_path(bc, bc->ch[i].path, op, sizeof(op)) == 0 &&
		    (r = atomicfile_remove_stale(&bc->pc, op, ret_removed, ret_n)) > 0)
			total += r;
		if (r >= 0 && applied_path(bc, bc->ch[i].path, ap, sizeof(ap)) == 0 &&
		    (r = atomicfile_remove_stale(&bc->pc, ap, ret_removed, ret_n)) > 0)
			total += r;
	}
	return r < 0 ? r : total;
}

/* The files a manifest names, ", "-joined (malloc'ed; NULL on ENOMEM). */
static char *manifest_files(const char *man)
{
	char *list = NULL;
	size_t ll = 0;
	FILE *f = open_memstream(&list, &ll);
	bool first = true;

	if (!f)
		return NULL;
	for (const char *p = man; *p;) {
		size_t n = strcspn(p, "\n");
		size_t skip = strncmp(p, "saved /", 7) == 0  ? 6 :
			      strncmp(p, "absent /", 8) == 0 ? 7 :
			      strncmp(p, "link /", 6) == 0   ? 5 :
							       0;

		if (skip) {
			size_t pl = strncmp(p, "link ", 5) == 0 ? strcspn(p + skip, " \n") :
								  n - skip;

			fprintf(f, "%s%.*s", first ? "" : ", ", (int)pl, p + skip);
			first = false;
		}
		p += n + (p[n] == '\n');
	}
	if (fclose(f) != 0) {
		free(list);
		return NULL;
	}
	return list;
}

/* Has path changed since --apply wrote it (the copy in the applied directory)? */
static bool revert_drifted(struct bootcfg *bc, const char *path, const char *cur, size_t curlen)
{
	char ap[PATH_MAX], *app = NULL;
	size_t applen = 0;
	bool drifted = false;

	if (applied_path(bc, path, ap, sizeof(ap)) == 0 &&
	    atomicfile_read(&bc->pc, ap, &app, &applen, NULL) == 0) {
		drifted = !cur || applen != curlen || memcmp(app, cur, curlen) != 0;
		free(app);
	}
	return drifted;
}

/*
 * One manifest line: path was saved (its original is in the orig directory)
 * or absent before --apply. Plan putting it back, unless it already is.
 * files: the manifest's files, for the message.
 */
static int revert_file(struct bootcfg *bc, const char *path, bool saved, const char *files,
		       struct bootcfg_error *err)
{
	char *cur = NULL, *orig = NULL;
	size_t curlen = 0, origlen = 0;
	struct stat cst, ost;
	bool drifted;
	int r;

	r = atomicfile_read(&bc->pc, path, &cur, &curlen, &cst);
	if (r < 0 && r != -ENOENT) {
		bootcfg_errf(err, "cannot read %s: %s", path, path_strerror(r));
		return r;
	}
	if (r == -ENOENT)
		cur = NULL;
	if (saved) {
		char op[PATH_MAX];

		r = orig_path(bc, path, op, sizeof(op));
		if (r == 0)
			r = atomicfile_read(&bc->pc, op, &orig, &origlen, &ost);
		if (r < 0) {
			/*
			 * Never "nothing to revert": --apply changed these
			 * files and nothing can put them back.
			 */
			bootcfg_errf(
				err,
				"cannot read the saved original of %s: %s: %s; nothing was changed: %s still hold%s what cmdline-gen --apply wrote: %s, then remove %s",
				path, op, strerror(-r), files, strchr(files, ',') ? "" : "s",
				by_hand(bc), bc->state_dir);
			if (r == -ENOENT)
				r = -ENODATA;
			free(cur);
			return r;
		}
		if (cur && curlen == origlen && memcmp(cur, orig, curlen) == 0 &&
		    (cst.st_mode & 07777) == (ost.st_mode & 07777)) {
			free(cur);
			free(orig);
			return 0;
		}
	} else if (!cur) {
		return 0;
	}
	/* old = what is there now (for rollback), new = the original */
	drifted = revert_drifted(bc, path, cur, curlen);
	r = bootcfg_change_add(bc, path, cur, curlen, cur ? &cst : NULL, orig, origlen);
	if (r < 0)
		return r;
	bc->ch[bc->nch - 1].drifted = drifted;
	if (orig) {
		bc->ch[bc->nch - 1].newst = ost;
		bc->ch[bc->nch - 1].have_newst = true;
	}
	return 0;
}

/*
 * A "link PATH TARGET" line: the link --apply made where nothing was. Plan its
 * removal when it is still a symbolic link (drifted: to another target now);
 * something else there now is not ours to remove.
 */
static int revert_link(struct bootcfg *bc, const char *path, const char *target, const char *files,
		       struct bootcfg_error *err)
{
	char *cur = NULL;
	bool drifted;
	int r;

	r = atomicfile_readlink(&bc->pc, path, &cur);
	if (r == -ENOENT)
		return 0;
	if (r == -EINVAL) {
		bootcfg_errf(
			err,
			"%s is no longer the symbolic link %s made (to %s); nothing was changed: %s still hold%s what it wrote: %s, then remove %s",
			path, apply_words(bc), target, files, strchr(files, ',') ? "" : "s",
			by_hand(bc), bc->state_dir);
		return -EEXIST;
	}
	if (r < 0) {
		bootcfg_errf(err, "cannot read %s: %s", path, path_strerror(r));
		return r;
	}
	drifted = strcmp(cur, target) != 0;
	r = bootcfg_change_add(bc, path, cur, strlen(cur), NULL, NULL, 0); /* owns cur */
	if (r < 0)
		return r;
	bc->ch[bc->nch - 1].symlink = true;
	bc->ch[bc->nch - 1].drifted = drifted;
	return 0;
}

int bootcfg_prepare_revert(struct bootcfg *bc, struct bootcfg_error *err)
{
	char *man = NULL, *p, *files = NULL;
	size_t len;
	int r;

	bootcfg_changes_clear(bc);
	bootcfg_strv_free(bc->madedirs, bc->nmadedirs);
	bc->madedirs = NULL;
	bc->nmadedirs = 0;
	r = atomicfile_read(&bc->pc, bc->manifest_path, &man, &len, NULL);
	if (r == -ENOENT) {
		bootcfg_errf(err, "nothing to revert: no %s (%s never changed this host)",
			     bc->manifest_path, apply_words(bc));
		return r;
	}
	if (r < 0) {
		bootcfg_errf(err, "cannot read %s: %s", bc->manifest_path, path_strerror(r));
		return r;
	}
	if (len < strlen(MANIFEST_MAGIC) ||
	    memcmp(man, MANIFEST_MAGIC, strlen(MANIFEST_MAGIC)) != 0) {
		bootcfg_errf(
			err,
			"%s: not a quietcore manifest; nothing was changed: every file cmdline-gen --apply edited still holds the plan: %s, then remove %s",
			bc->manifest_path, by_hand(bc), bc->state_dir);
		free(man);
		return -EINVAL;
	}
	files = manifest_files(man + strlen(MANIFEST_MAGIC));
	if (!files) {
		free(man);
		return -ENOMEM;
	}
	for (p = man + strlen(MANIFEST_MAGIC); *p;) {
		char *nl = strchr(p, '\n');
		bool saved;

		if (nl)
			*nl = '\0';
		if (strncmp(p, "backend ", 8) == 0) {
			enum bootcfg_backend b;

			if (bootcfg_backend_parse(p + 8, &b) == 0 && bc->backend == BOOTCFG_NONE)
				bc->backend = b;
			goto next;
		}
		if (strncmp(p, "mkdir /", 7) == 0) {
			r = strv_appendf(&bc->madedirs, &bc->nmadedirs, "%s", p + 6);
			if (r < 0)
				goto out;
			goto next;
		}
		if (strncmp(p, "link /", 6) == 0 && strchr(p + 5, ' ')) {
			char *sp = strchr(p + 5, ' ');

			*sp = '\0';
			r = revert_link(bc, p + 5, sp + 1, files, err);
			if (r < 0)
				goto out;
			goto next;
		}
		saved = strncmp(p, "saved /", 7) == 0;
		if (!saved && strncmp(p, "absent /", 8) != 0) {
			bootcfg_errf(
				err,
				"%s: unexpected line '%s'; nothing was changed: %s still hold what cmdline-gen --apply wrote: %s, then remove %s",
				bc->manifest_path, p, files[0] ? files : "the files", by_hand(bc),
				bc->state_dir);
			r = -EINVAL;
			goto out;
		}
		r = revert_file(bc, p + (saved ? 6 : 7), saved, files, err);
		if (r < 0)
			goto out;
next:
		if (!nl)
			break;
		p = nl + 1;
	}
	r = 0;
out:
	free(files);
	free(man);
	if (r < 0)
		bootcfg_changes_clear(bc);
	return r;
}

int bootcfg_revert_new_entries(struct bootcfg *bc, const char *const *managed,
			       struct bootcfg_error *err)
{
	struct kparams none = { 0 };
	char **names = NULL, *man = NULL;
	size_t n = 0, mlen;
	int r;

	if ((bc->backend != BOOTCFG_BLS && bc->backend != BOOTCFG_KERNEL_INSTALL) ||
	    !bc->entries[0])
		return 0;
	r = atomicfile_read(&bc->pc, bc->manifest_path, &man, &mlen, NULL);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = bootcfg_list_entries(bc, bc->entries, &names, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char path[PATH_MAX], *buf = NULL, *nb = NULL;
		size_t len, nl = 0;
		struct stat st;
		bool known = false;

		if (snprintf(path, sizeof(path), "%s/%s", bc->entries, names[i]) >=
		    (int)sizeof(path))
			continue;
		if (manifest_state(man, path))
			continue;
		for (size_t k = 0; k < bc->nch; k++)
			known |= strcmp(bc->ch[k].path, path) == 0;
		if (known || atomicfile_read(&bc->pc, path, &buf, &len, &st) < 0)
			continue;
		/* installed after --apply, from our /etc/kernel/cmdline: take the managed ones out */
		r = bls_entry_edit(buf, len, &none, managed, &nb, &nl);
		if (r < 0) {
			bootcfg_errf(err, "cannot edit %s: %s", path, strerror(-r));
			free(buf);
			break;
		}
		if (!nb) {
			free(buf);
			continue;
		}
		r = bootcfg_change_add(bc, path, buf, len, &st, nb, nl);
	}
	bootcfg_strv_free(names, n);
	free(man);
	return r;
}

int bootcfg_forget(struct bootcfg *bc, struct bootcfg_error *err)
{
	/*
	 * The manifest first: it is what says --apply changed this host. Killed
	 * after it, orig/ and applied/ are litter the next forget removes; killed
	 * before, a manifest naming originals already gone would make the next
	 * --revert report files holding the plan that were in fact restored.
	 * Before it, the directories --apply made for its files (empty now):
	 * killed in between, the next --revert finds nothing to change and
	 * forgets again.
	 */
	const char *dir = NULL;
	int r = remove_dirs(bc, bc->madedirs, bc->nmadedirs, &dir);

	if (r < 0) {
		bootcfg_errf(err, "cannot remove %s: %s", dir ? dir : "a directory", strerror(-r));
		return r;
	}
	r = atomicfile_unlink(&bc->pc, bc->manifest_path);
	if (r == -ENOENT)
		r = 0;
	if (r == 0)
		r = rm_tree(bc, bc->orig_dir);
	if (r == 0)
		r = rm_tree(bc, bc->applied_dir);
	if (r < 0)
		bootcfg_errf(err, "cannot remove %s: %s", bc->state_dir, strerror(-r));
	bc->forgotten = r == 0;
	return r;
}
