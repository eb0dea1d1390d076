// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bootcfg: the object behind bootcfg.h (init/free, the list of changes,
 * back-end names) and the helpers its parts share (bootcfg-internal.h).
 * Detection, edit, transaction and inspection live in lib/boot*.c.
 */
#include "bootcfg.h"
#include "bootcfg-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "bls.h"
#include "path.h"

int bootcfg_errf(struct bootcfg_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return 0;
}

const char *bootcfg_backend_name(enum bootcfg_backend b)
{
	switch (b) {
	case BOOTCFG_GRUB:
		return "grub";
	case BOOTCFG_GRUB2:
		return "grub2";
	case BOOTCFG_BLS:
		return "bls";
	case BOOTCFG_KERNEL_INSTALL:
		return "kernel-install";
	case BOOTCFG_RUNTIME:
		return "runtime";
	default:
		return "none";
	}
}

int bootcfg_backend_parse(const char *s, enum bootcfg_backend *ret)
{
	static const struct {
		const char *name;
		enum bootcfg_backend b;
	} names[] = {
		{ "grub", BOOTCFG_GRUB },
		{ "grub2", BOOTCFG_GRUB2 },
		{ "bls", BOOTCFG_BLS },
		{ "kernel-install", BOOTCFG_KERNEL_INSTALL },
		{ "systemd-boot", BOOTCFG_KERNEL_INSTALL },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*ret = names[i].b;
			return 0;
		}
	return -EINVAL;
}

/* The transaction's files in its state directory (one per plan). */
static void bootcfg_state_init(struct bootcfg *bc, const char *dir)
{
	snprintf(bc->state_dir, sizeof(bc->state_dir), "%s", dir);
	snprintf(bc->manifest_path, sizeof(bc->manifest_path), "%s/manifest", dir);
	snprintf(bc->lock_path, sizeof(bc->lock_path), "%s/lock", dir);
	snprintf(bc->orig_dir, sizeof(bc->orig_dir), "%s/orig", dir);
	snprintf(bc->applied_dir, sizeof(bc->applied_dir), "%s/applied", dir);
}

int bootcfg_init(struct bootcfg *bc, const char *root)
{
	memset(bc, 0, sizeof(*bc));
	bc->lockfd = -1;
	bc->real_root = !root || !*root || strcmp(root, "/") == 0;
	bootcfg_state_init(bc, BOOTCFG_STATE_DIR);
	return path_cxt_init(&bc->pc, root);
}

int bootcfg_init_runtime(struct bootcfg *bc, const char *root)
{
	int r = bootcfg_init(bc, root);

	bc->backend = BOOTCFG_RUNTIME;
	bootcfg_state_init(bc, BOOTCFG_RUNTIME_STATE_DIR);
	return r;
}

static void change_free(struct bootcfg_change *c)
{
	free(c->path);
	free(c->old);
	free(c->new);
}

void bootcfg_changes_clear(struct bootcfg *bc)
{
	for (size_t i = 0; i < bc->nch; i++)
		change_free(&bc->ch[i]);
	free(bc->ch);
	bc->ch = NULL;
	bc->nch = 0;
}

/* Takes ownership of old and new. */
int bootcfg_change_add(struct bootcfg *bc, const char *path, char *old, size_t oldlen,
		       const struct stat *st, char *new, size_t newlen)
{
	struct bootcfg_change *nc, *c;

	nc = realloc(bc->ch, (bc->nch + 1) * sizeof(*nc));
	if (!nc)
		goto nomem;
	bc->ch = nc;
	c = &bc->ch[bc->nch];
	memset(c, 0, sizeof(*c));
	c->path = strdup(path);
	if (!c->path)
		goto nomem;
	c->old = old;
	c->oldlen = oldlen;
	if (st)
		c->st = *st;
	c->new = new;
	c->newlen = newlen;
	bc->nch++;
	return 0;
nomem:
	free(old);
	free(new);
	return -ENOMEM;
}

bool bootcfg_exists(struct bootcfg *bc, const char *path)
{
	return path_exists(&bc->pc, "/%s", path + strspn(path, "/"));
}

bool bootcfg_isdir(struct bootcfg *bc, const char *path)
{
	const char *p = path_get(&bc->pc, "/%s", path + strspn(path, "/"));
	struct stat st;

	return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

DIR *bootcfg_opendir(struct bootcfg *bc, const char *path)
{
	return path_opendir(&bc->pc, "/%s", path + strspn(path, "/"));
}

static int name_cmp(const void *a, const void *b)
{
	return bls_version_cmp(*(char *const *)a, *(char *const *)b);
}

int bootcfg_list_entries(struct bootcfg *bc, const char *dir, char ***ret, size_t *ret_n)
{
	DIR *d = bootcfg_opendir(bc, dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char **nv;

		if (l < 6 || strcmp(de->d_name + l - 5, ".conf") != 0 || de->d_name[0] == '.')
			continue;
		nv = realloc(v, (n + 1) * sizeof(*nv));
		if (!nv || !(nv[n] = strdup(de->d_name))) {
			closedir(d);
			v = nv ? nv : v;
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return -ENOMEM;
		}
		v = nv;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), name_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

void bootcfg_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

bool bootcfg_has_entries(struct bootcfg *bc, const char *dir)
{
	char **v;
	size_t n;

	if (bootcfg_list_entries(bc, dir, &v, &n) < 0)
		return false;
	bootcfg_strv_free(v, n);
	return n > 0;
}

int bootcfg_grub_load_err(int r, const struct grubdefault_error *ge, const char *path,
			  struct bootcfg_error *err)
{
	if (r == -EINVAL)
		bootcfg_errf(err, "cannot parse %s line %u: %s", path, ge->line,
			     ge->what ? ge->what : "syntax error");
	else
		bootcfg_errf(err, "cannot read %s: %s%s", path, path_strerror(r),
			     r == -ELOOP ? " (a symlink: refusing to edit through it)" : "");
	return r;
}
