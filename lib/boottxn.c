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

int bootcfg_check_writable(struct bootcfg *bc, struct bootcfg_error *err)
{
	for (size_t i = 0; i < bc->nch; i++) {
		int r;

		if (bc->ch[i].backup_only)
			continue;
		r = atomicfile_dir_writable(&bc->pc, bc->ch[i].path);
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

static int orig_path(const char *path, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s", ORIG_DIR, path);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int applied_path(const char *path, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s", APPLIED_DIR, path);

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

		if (c->backup_only)
			continue;
		r = applied_path(c->path, ap, sizeof(ap));
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
				     APPLIED_DIR, strerror(-r));
			ret = r;
		}
	}
	return ret;
}

/* The manifest's "saved PATH" / "absent PATH" lines; *ret_state 's' or 'a', 0 if not listed. */
static char manifest_state(const char *manifest, const char *path)
{
	const char *p = manifest;
	size_t pl = strlen(path);

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);

		if (ll == 6 + pl && strncmp(p, "saved ", 6) == 0 && memcmp(p + 6, path, pl) == 0)
			return 's';
		if (ll == 7 + pl && strncmp(p, "absent ", 7) == 0 && memcmp(p + 7, path, pl) == 0)
			return 'a';
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

bool bootcfg_has_state(struct bootcfg *bc)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", MANIFEST_PATH);
	return bootcfg_exists(bc, p);
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
	for (size_t n = 1; n <= strlen(BOOTCFG_STATE_DIR); n++) {
		char pre[PATH_MAX];

		if (BOOTCFG_STATE_DIR[n] != '/' && BOOTCFG_STATE_DIR[n] != '\0')
			continue;
		memcpy(pre, BOOTCFG_STATE_DIR, n);
		pre[n] = '\0';
		if (!bootcfg_exists(bc, pre)) {
			snprintf(top, sizeof(top), "%s", pre);
			break;
		}
	}
	bc->state_created = top[0] != '\0';
	snprintf(bc->created_top, sizeof(bc->created_top), "%s", top);
	r = atomicfile_mkdirs(&bc->pc, BOOTCFG_STATE_DIR, 0700);
	if (r < 0) {
		bootcfg_errf(err, "cannot create %s: %s", BOOTCFG_STATE_DIR, strerror(-r));
		return r;
	}
	r = atomicfile_lock(&bc->pc, LOCK_PATH, &bc->lockfd);
	if (r == -EWOULDBLOCK) {
		bootcfg_errf(err, "%s: another cmdline-gen --apply or --revert is running",
			     LOCK_PATH);
		return -EBUSY;
	}
	if (r < 0)
		bootcfg_errf(err, "cannot lock %s: %s", LOCK_PATH, strerror(-r));
	return r;
}

void bootcfg_unlock(struct bootcfg *bc)
{
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
	for (size_t i = 0; i < bc->nsaved; i++)
		free(bc->saved[i]);
	free(bc->saved);
}

static void undo_state(struct bootcfg *bc)
{
	for (size_t i = 0; i < bc->nsaved; i++) {
		char op[PATH_MAX];

		if (orig_path(bc->saved[i], op, sizeof(op)) == 0)
			atomicfile_unlink(&bc->pc, op);
	}
	if (!bc->did_save)
		return;
	if (bc->manifest_old)
		atomicfile_write(&bc->pc, MANIFEST_PATH, bc->manifest_old, bc->manifest_oldlen,
				 NULL);
	else
		atomicfile_unlink(&bc->pc, MANIFEST_PATH);
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

	r = atomicfile_read(&bc->pc, MANIFEST_PATH, &man, &len, NULL);
	if (r == -ENOENT) {
		man = NULL;
		len = 0;
	} else if (r < 0) {
		bootcfg_errf(err, "cannot read %s: %s", MANIFEST_PATH, path_strerror(r));
		return r;
	} else if (len < strlen(MANIFEST_MAGIC) ||
		   memcmp(man, MANIFEST_MAGIC, strlen(MANIFEST_MAGIC)) != 0) {
		bootcfg_errf(err, "%s: not a quietcore manifest; refusing to go on", MANIFEST_PATH);
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

	r = orig_path(c->path, op, sizeof(op));
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

static int save_originals(struct bootcfg *bc, struct bootcfg_error *err)
{
	char *man, *nm;
	size_t len, ml;
	bool changed = false;
	int r;

	r = manifest_load(bc, err);
	if (r)
		return r;
	man = bc->manifest_old;
	len = bc->manifest_oldlen;

	ml = len ? len : 0;
	nm = malloc(ml + 64 + strlen(MANIFEST_MAGIC));
	if (!nm)
		return -ENOMEM;
	if (len) {
		memcpy(nm, man, len);
	} else {
		ml = (size_t)sprintf(nm, "%sbackend %s\n", MANIFEST_MAGIC,
				     bootcfg_backend_name(bc->backend));
		changed = true;
	}
	nm[ml] = '\0';
	for (size_t i = 0; i < bc->nch; i++) {
		struct bootcfg_change *c = &bc->ch[i];
		char *grown;

		if (manifest_state(nm, c->path))
			continue;
		grown = realloc(nm, ml + strlen(c->path) + 16);
		if (!grown) {
			r = -ENOMEM;
			goto fail;
		}
		nm = grown;
		if (c->old) {
			r = original_save(bc, c, err);
			if (r < 0)
				goto fail;
			ml += (size_t)sprintf(nm + ml, "saved %s\n", c->path);
		} else {
			ml += (size_t)sprintf(nm + ml, "absent %s\n", c->path);
		}
		changed = true;
	}
	r = 0;
	if (changed) {
		r = atomicfile_write(&bc->pc, MANIFEST_PATH, nm, ml, NULL);
		if (r < 0)
			bootcfg_errf(err, "cannot write %s: %s", MANIFEST_PATH, strerror(-r));
	}
fail:
	free(nm);
	return r;
}

static int write_change(struct bootcfg *bc, const char *path, const char *buf, size_t len,
			const struct stat *like)
{
	if (!buf) {
		int r = atomicfile_unlink(&bc->pc, path);

		return r == -ENOENT ? 0 : r;
	}
	if (!like) {
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
	return atomicfile_write(&bc->pc, path, buf, len, like);
}

/* Put back c->old when the file no longer holds it. */
static int restore_change(struct bootcfg *bc, struct bootcfg_change *c)
{
	char *cur = NULL;
	size_t len = 0;
	int r = atomicfile_read(&bc->pc, c->path, &cur, &len, NULL);

	if (r == 0 && c->old && len == c->oldlen && memcmp(cur, c->old, len) == 0) {
		free(cur);
		return 0;
	}
	free(cur);
	if (r == -ENOENT && !c->old)
		return 0;
	return write_change(bc, c->path, c->old, c->oldlen, c->old ? &c->st : NULL);
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
						 NULL);
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
	static const char *const fixed[] = { "/etc/default/grub", "/etc/kernel/cmdline",
					     MANIFEST_PATH, NULL };
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
		if (r >= 0 && orig_path(bc->ch[i].path, op, sizeof(op)) == 0 &&
		    (r = atomicfile_remove_stale(&bc->pc, op, ret_removed, ret_n)) > 0)
			total += r;
		if (r >= 0 && applied_path(bc->ch[i].path, ap, sizeof(ap)) == 0 &&
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
							       0;

		if (skip) {
			fprintf(f, "%s%.*s", first ? "" : ", ", (int)(n - skip), p + skip);
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

	if (applied_path(path, ap, sizeof(ap)) == 0 &&
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

		r = orig_path(path, op, sizeof(op));
		if (r == 0)
			r = atomicfile_read(&bc->pc, op, &orig, &origlen, &ost);
		if (r < 0) {
			/*
			 * Never "nothing to revert": --apply changed these
			 * files and nothing can put them back.
			 */
			bootcfg_errf(
				err,
				"cannot read the saved original of %s: %s: %s; nothing was changed: %s still hold%s what cmdline-gen --apply wrote: take the managed parameters out by hand (cmdline-gen --check lists them), regenerate the boot configuration, then remove %s",
				path, op, strerror(-r), files, strchr(files, ',') ? "" : "s",
				BOOTCFG_STATE_DIR);
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

int bootcfg_prepare_revert(struct bootcfg *bc, struct bootcfg_error *err)
{
	char *man = NULL, *p, *files = NULL;
	size_t len;
	int r;

	bootcfg_changes_clear(bc);
	r = atomicfile_read(&bc->pc, MANIFEST_PATH, &man, &len, NULL);
	if (r == -ENOENT) {
		bootcfg_errf(
			err,
			"nothing to revert: no %s (cmdline-gen --apply never changed this host)",
			MANIFEST_PATH);
		return r;
	}
	if (r < 0) {
		bootcfg_errf(err, "cannot read %s: %s", MANIFEST_PATH, path_strerror(r));
		return r;
	}
	if (len < strlen(MANIFEST_MAGIC) ||
	    memcmp(man, MANIFEST_MAGIC, strlen(MANIFEST_MAGIC)) != 0) {
		bootcfg_errf(
			err,
			"%s: not a quietcore manifest; nothing was changed: every file cmdline-gen --apply edited still holds the plan: take the managed parameters out by hand (cmdline-gen --check lists them), regenerate the boot configuration, then remove %s",
			MANIFEST_PATH, BOOTCFG_STATE_DIR);
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
		saved = strncmp(p, "saved /", 7) == 0;
		if (!saved && strncmp(p, "absent /", 8) != 0) {
			bootcfg_errf(
				err,
				"%s: unexpected line '%s'; nothing was changed: %s still hold what cmdline-gen --apply wrote: take the managed parameters out by hand (cmdline-gen --check lists them), regenerate the boot configuration, then remove %s",
				MANIFEST_PATH, p, files[0] ? files : "the files",
				BOOTCFG_STATE_DIR);
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
	r = atomicfile_read(&bc->pc, MANIFEST_PATH, &man, &mlen, NULL);
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
	 */
	int r = atomicfile_unlink(&bc->pc, MANIFEST_PATH);

	if (r == -ENOENT)
		r = 0;
	if (r == 0)
		r = rm_tree(bc, ORIG_DIR);
	if (r == 0)
		r = rm_tree(bc, APPLIED_DIR);
	if (r < 0)
		bootcfg_errf(err, "cannot remove %s: %s", BOOTCFG_STATE_DIR, strerror(-r));
	return r;
}
