// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bootcfg: back-end detection, the edit transaction, originals and revert.
 */
#include "bootcfg.h"
#include "bootcfg-internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "bls.h"
#include "cmdedit.h"
#include "cpuset.h"
#include "grubdefault.h"
#include "path.h"

/* What GRUB adds in front of GRUB_CMDLINE_LINUX: "BOOT_IMAGE=/vmlinuz-... root=UUID=... ro" */
#define GRUB_PREFIX_RESERVE	128

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
	default:
		return "none";
	}
}

int bootcfg_backend_parse(const char *s, enum bootcfg_backend *ret)
{
	static const struct {
		const char		*name;
		enum bootcfg_backend	b;
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

int bootcfg_init(struct bootcfg *bc, const char *root)
{
	memset(bc, 0, sizeof(*bc));
	bc->lockfd = -1;
	bc->real_root = !root || !*root || strcmp(root, "/") == 0;
	bc->rootfd = rootdir_open(root);
	return bc->rootfd < 0 ? bc->rootfd : 0;
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
	if (bc->rootfd >= 0)
		close(bc->rootfd);
	bc->rootfd = -1;
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
	struct stat st;

	while (*path == '/')
		path++;
	return fstatat(bc->rootfd, *path ? path : ".", &st, 0) == 0;
}

bool bootcfg_isdir(struct bootcfg *bc, const char *path)
{
	struct stat st;

	while (*path == '/')
		path++;
	return fstatat(bc->rootfd, path, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

DIR *bootcfg_opendir(struct bootcfg *bc, const char *path)
{
	DIR *d;
	int fd;

	while (*path == '/')
		path++;
	fd = openat(bc->rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
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

static void read_os_id(struct bootcfg *bc)
{
	static const char *const files[] = { "/etc/os-release", "/usr/lib/os-release" };

	bc->os_id[0] = '\0';
	for (size_t i = 0; i < 2; i++) {
		char *buf, *p;
		size_t len;

		if (atomicfile_read(bc->rootfd, files[i], &buf, &len, NULL) < 0)
			continue;
		for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
			if (strncmp(p, "ID=", 3) == 0) {
				size_t n;

				p += 3;
				if (*p == '"' || *p == '\'')
					p++;
				n = strcspn(p, "\"'\n");
				if (n >= sizeof(bc->os_id))
					n = sizeof(bc->os_id) - 1;
				memcpy(bc->os_id, p, n);
				bc->os_id[n] = '\0';
				break;
			}
		}
		free(buf);
		return;
	}
}

/* A grub.cfg that only finds and loads another one (Fedora 34+, RHEL 9 EFI stub). */
static bool grubcfg_is_stub(const char *buf)
{
	return strstr(buf, "configfile") && !strstr(buf, "menuentry") && !strstr(buf, "blscfg") &&
	       !strstr(buf, "linux");
}

static void find_grub2_cfg(struct bootcfg *bc)
{
	char path[PATH_MAX];

	snprintf(bc->grubcfg, sizeof(bc->grubcfg), "/boot/grub2/grub.cfg");
	if (!bc->efi)
		return;
	path[0] = '\0';
	if (bc->os_id[0]) {
		snprintf(path, sizeof(path), "/boot/efi/EFI/%s/grub.cfg", bc->os_id);
		if (!bootcfg_exists(bc, path))
			path[0] = '\0';
	}
	if (!path[0]) {
		DIR *d = bootcfg_opendir(bc, "/boot/efi/EFI");
		struct dirent *de;

		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.' || strcasecmp(de->d_name, "BOOT") == 0)
				continue;
			snprintf(path, sizeof(path), "/boot/efi/EFI/%s/grub.cfg", de->d_name);
			if (bootcfg_exists(bc, path))
				break;
			path[0] = '\0';
		}
		if (d)
			closedir(d);
	}
	if (path[0]) {
		char *buf;
		size_t len;

		if (atomicfile_read(bc->rootfd, path, &buf, &len, NULL) == 0) {
			if (!grubcfg_is_stub(buf))
				snprintf(bc->grubcfg, sizeof(bc->grubcfg), "%s", path);
			free(buf);
		}
	}
}

static bool grub_blscfg_enabled(struct bootcfg *bc)
{
	struct grubdefault gd;
	char *v = NULL;
	bool on = false;

	if (grubdefault_load(bc->rootfd, false, &gd, NULL) < 0)
		return false;
	if (grubdefault_value(&gd, "GRUB_ENABLE_BLSCFG", &v, NULL) == 0)
		on = strcmp(v, "true") == 0;
	free(v);
	grubdefault_free(&gd);
	return on;
}

static const char *const esp_dirs[] = { "/efi", "/boot/efi", "/boot" };

static bool find_sdboot(struct bootcfg *bc)
{
	for (size_t i = 0; i < 3; i++) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/loader/loader.conf", esp_dirs[i]);
		if (bootcfg_exists(bc, p)) {
			snprintf(bc->entries, sizeof(bc->entries), "%s/loader/entries", esp_dirs[i]);
			return true;
		}
	}
	return false;
}

int bootcfg_detect(struct bootcfg *bc, enum bootcfg_backend forced, struct bootcfg_error *err)
{
	bool dgrub = bootcfg_exists(bc, "/etc/default/grub");
	bool grub2 =
	    bootcfg_isdir(bc, "/boot/grub2") || bootcfg_exists(bc, "/usr/sbin/grub2-mkconfig");
	bool grub =
	    bootcfg_isdir(bc, "/boot/grub") || bootcfg_exists(bc, "/usr/sbin/grub-mkconfig");
	bool bls = bootcfg_has_entries(bc, "/boot/loader/entries");
	bool sdboot;
	enum bootcfg_backend b = forced;

	bc->efi = bootcfg_exists(bc, "/sys/firmware/efi");
	bc->grubby = bootcfg_exists(bc, "/usr/sbin/grubby") || bootcfg_exists(bc, "/sbin/grubby") ||
		     bootcfg_exists(bc, "/usr/bin/grubby");
	read_os_id(bc);
	sdboot = find_sdboot(bc);

	if (b == BOOTCFG_NONE) {
		if (bls && grub2 && (!dgrub || grub_blscfg_enabled(bc)))
			b = BOOTCFG_BLS;
		else if (sdboot)
			b = BOOTCFG_KERNEL_INSTALL;
		else if (grub2)
			b = BOOTCFG_GRUB2;
		else if (grub)
			b = BOOTCFG_GRUB;
		else if (bls)
			b = BOOTCFG_BLS;
		if (b == BOOTCFG_NONE) {
			bootcfg_errf(
			    err,
			    "cannot tell how this host boots: no /etc/default/grub with /boot/grub or /boot/grub2, no /boot/loader/entries, no systemd-boot loader.conf; name one with --bootloader");
			return -ENOENT;
		}
	}
	switch (b) {
	case BOOTCFG_GRUB:
	case BOOTCFG_GRUB2:
		if (!dgrub) {
			bootcfg_errf(err, "bootloader %s: /etc/default/grub: %s",
				     bootcfg_backend_name(b), strerror(ENOENT));
			return -ENOENT;
		}
		if (b == BOOTCFG_GRUB && !grub) {
			bootcfg_errf(
			    err,
			    "bootloader grub does not fit this host: no /boot/grub and no grub-mkconfig%s",
			    grub2 ? " (it has /boot/grub2: try --bootloader grub2)" : "");
			return -EINVAL;
		}
		if (b == BOOTCFG_GRUB2 && !grub2) {
			bootcfg_errf(
			    err,
			    "bootloader grub2 does not fit this host: no /boot/grub2 and no grub2-mkconfig%s",
			    grub ? " (it has /boot/grub: try --bootloader grub)" : "");
			return -EINVAL;
		}
		if (b == BOOTCFG_GRUB)
			snprintf(bc->grubcfg, sizeof(bc->grubcfg), "/boot/grub/grub.cfg");
		else
			find_grub2_cfg(bc);
		break;
	case BOOTCFG_BLS:
		if (!bls) {
			bootcfg_errf(
			    err,
			    "bootloader bls does not fit this host: no entries in /boot/loader/entries");
			return -EINVAL;
		}
		snprintf(bc->entries, sizeof(bc->entries), "/boot/loader/entries");
		if (grub2)
			find_grub2_cfg(bc);
		break;
	case BOOTCFG_KERNEL_INSTALL:
		if (!sdboot && !bls && !bootcfg_isdir(bc, "/etc/kernel")) {
			bootcfg_errf(
			    err,
			    "bootloader kernel-install does not fit this host: no systemd-boot loader.conf, no /boot/loader/entries, no /etc/kernel");
			return -EINVAL;
		}
		if (!sdboot)
			snprintf(bc->entries, sizeof(bc->entries), "/boot/loader/entries");
		break;
	default:
		return -EINVAL;
	}
	bc->backend = b;
	return 0;
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

/* Edit GRUB's defaults (main file and, for Debian's grub, the drop-ins). */
static int prepare_grub(struct bootcfg *bc, bool dropins, const struct kparams *wanted,
			const char *const *managed, struct bootcfg_error *err)
{
	struct grubdefault_error ge = { 0 };
	struct grubdefault gd, gd2 = { 0 };
	char **bufs = NULL;
	size_t *lens = NULL;
	char *l1 = NULL, *l2 = NULL;
	int r;

	r = grubdefault_load(bc->rootfd, dropins, &gd, &ge);
	if (r < 0)
		return bootcfg_grub_load_err(r, &ge, r == -EINVAL ? ge.path : "/etc/default/grub",
					     err);
	r = grubdefault_edit(&gd, wanted, managed, &bufs, &lens, &ge);
	if (r < 0) {
		if (r == -EINVAL)
			bootcfg_errf(err, "cannot edit %s line %u: %s", gd.files[ge.file].path,
				     ge.line, ge.what);
		grubdefault_free(&gd);
		return r;
	}
	/* The resulting command line, as the shell will see it, must fit. */
	for (size_t f = 0; f < gd.nfiles && r == 0; f++) {
		const char *b = bufs[f] ? bufs[f] : gd.files[f].buf;
		size_t l = bufs[f] ? lens[f] : gd.files[f].len;

		r = grubdefault_add_file(&gd2, gd.files[f].path, b, l, &ge);
	}
	if (r == 0) {
		size_t total;

		if (grubdefault_value(&gd2, "GRUB_CMDLINE_LINUX", &l1, NULL) < 0)
			l1 = NULL;
		if (grubdefault_value(&gd2, "GRUB_CMDLINE_LINUX_DEFAULT", &l2, NULL) < 0)
			l2 = NULL;
		total = (l1 ? strlen(l1) : 0) + (l2 ? strlen(l2) : 0) + 1 + GRUB_PREFIX_RESERVE;
		if (total >= BOOTCFG_CMDLINE_MAX) {
			bootcfg_errf(
			    err,
			    "the kernel command line would be about %zu bytes, over the %d-byte limit (COMMAND_LINE_SIZE); use fewer parameters or shorter CPU lists",
			    total, BOOTCFG_CMDLINE_MAX);
			r = -E2BIG;
		}
	} else {
		bootcfg_errf(err, "internal error: edited %s does not parse",
			     gd.files[ge.file].path);
	}
	for (size_t f = 0; f < gd.nfiles; f++) {
		if (r == 0 && bufs[f]) {
			char *old = malloc(gd.files[f].len + 1);

			if (!old) {
				r = -ENOMEM;
				break;
			}
			memcpy(old, gd.files[f].buf, gd.files[f].len + 1);
			r = bootcfg_change_add(bc, gd.files[f].path, old, gd.files[f].len,
					       &gd.files[f].st, bufs[f], lens[f]);
			bufs[f] = NULL;
		}
		free(bufs[f]);
	}
	free(bufs);
	free(lens);
	free(l1);
	free(l2);
	grubdefault_free(&gd2);
	grubdefault_free(&gd);
	return r;
}

static int read_opt(struct bootcfg *bc, const char *path, char **buf, size_t *len, struct stat *st,
		    struct bootcfg_error *err)
{
	int r = atomicfile_read(bc->rootfd, path, buf, len, st);

	if (r < 0 && r != -ENOENT)
		bootcfg_errf(err, "cannot read %s: %s%s", path, path_strerror(r),
			     r == -ELOOP ? " (a symlink: refusing to edit through it)" : "");
	return r;
}

/*
 * RHEL 8 style entries say "options $kernelopts": the value lives in grubenv.
 * Managed parameters there would be duplicated by an edit of the entry: refuse.
 */
static int check_grubenv_refs(struct bootcfg *bc, const char *entry, const char *opts,
			      const struct kparams *wanted, const char *const *managed,
			      struct bootcfg_error *err)
{
	static const char *const envs[] = { "boot/grub2/grubenv", "boot/grub/grubenv" };
	const char *p = opts;

	while ((p = strchr(p, '$'))) {
		char var[128];
		size_t n = 0;

		p++;
		if (*p == '{')
			p++;
		while (n + 1 < sizeof(var) && (isalnum((unsigned char)p[n]) || p[n] == '_'))
			n++;
		memcpy(var, p, n);
		var[n] = '\0';
		p += n;
		for (size_t i = 0; n && i < 2; i++) {
			char buf[4096], *line;
			struct kparams kp = { 0 };
			ssize_t len;
			int fd = openat(bc->rootfd, envs[i], O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				continue;
			len = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (len <= 0)
				continue;
			buf[len] = '\0';
			for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
				if (strncmp(line, var, n) != 0 || line[n] != '=')
					continue;
				if (kparams_parse(line + n + 1, &kp) < 0)
					break;
				for (size_t k = 0; k < kp.n; k++) {
					if (!cmdedit_is_managed(kp.v[k].name, wanted, managed))
						continue;
					bootcfg_errf(
					    err,
					    "%s: its options use $%s from /%s, which has %s: a managed parameter there would be duplicated; remove it from %s (grubby --update-kernel=ALL --remove-args=%s) and run again",
					    entry, var, envs[i], kp.v[k].name, var, kp.v[k].name);
					kparams_free(&kp);
					return -EINVAL;
				}
				kparams_free(&kp);
				break;
			}
			break;
		}
	}
	return 0;
}

/* BLS entries and /etc/kernel/cmdline. */
static int prepare_bls(struct bootcfg *bc, const struct kparams *wanted, const char *const *managed,
		       struct bootcfg_error *err)
{
	char **names = NULL;
	size_t n = 0;
	char *newest = NULL;	/* options of the newest entry after the edit */
	int r;

	r = bootcfg_list_entries(bc, bc->entries, &names, &n);
	if (r < 0) {
		bootcfg_errf(err, "cannot list %s: %s", bc->entries, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX], *buf = NULL, *nb = NULL, *opts = NULL;
		size_t len, nl = 0;
		struct stat st;

		if (snprintf(path, sizeof(path), "%s/%s", bc->entries, names[i]) >= (int)sizeof(path)) {
			r = -ENAMETOOLONG;
			bootcfg_errf(err, "%s/%s: %s", bc->entries, names[i], strerror(-r));
			goto out;
		}
		r = read_opt(bc, path, &buf, &len, &st, err);
		if (r < 0)
			goto out;
		r = bls_entry_edit(buf, len, wanted, managed, &nb, &nl);
		if (r == -EBADMSG) {
			bootcfg_errf(
			    err,
			    "cannot edit %s: double quotes or a \"--\" on its options line would keep the kernel from reading the plan; edit it by hand",
			    path);
			free(buf);
			goto out;
		}
		if (r < 0) {
			bootcfg_errf(err, "cannot edit %s: %s", path, strerror(-r));
			free(buf);
			goto out;
		}
		r = bls_entry_options(nb ? nb : buf, nb ? nl : len, &opts);
		if (r == 0)
			r = check_grubenv_refs(bc, path, opts, wanted, managed, err);
		if (r == 0 && strlen(opts) + GRUB_PREFIX_RESERVE >= BOOTCFG_CMDLINE_MAX) {
			bootcfg_errf(
			    err,
			    "%s: the kernel command line would be about %zu bytes, over the %d-byte limit (COMMAND_LINE_SIZE)",
			    path, strlen(opts) + GRUB_PREFIX_RESERVE, BOOTCFG_CMDLINE_MAX);
			r = -E2BIG;
		}
		if (r < 0) {
			free(opts);
			free(buf);
			free(nb);
			goto out;
		}
		free(newest);
		newest = opts;	/* sorted ascending: the last one is the newest */
		if (nb) {
			r = bootcfg_change_add(bc, path, buf, len, &st, nb, nl);
			if (r < 0)
				goto out;
			bc->ch[bc->nch - 1].predicted = bc->grubby && bc->backend == BOOTCFG_BLS;
		} else {
			free(buf);
		}
	}

	/* /etc/kernel/cmdline: what kernel-install gives kernels installed later. */
	{
		char *buf = NULL, *nb = NULL;
		size_t len = 0, nl = 0;
		struct stat st;

		r = read_opt(bc, "/etc/kernel/cmdline", &buf, &len, &st, err);
		if (r == 0) {
			r = kcmdline_edit(buf, len, wanted, managed, &nb, &nl);
			if (r == -EBADMSG) {
				bootcfg_errf(
				    err,
				    "cannot edit %s: double quotes or a \"--\" in it would keep the kernel from reading the plan; edit it by hand",
				    "/etc/kernel/cmdline");
				free(buf);
				goto out;
			}
			if (r < 0) {
				bootcfg_errf(err, "cannot edit /etc/kernel/cmdline: %s",
					     strerror(-r));
				free(buf);
				goto out;
			}
			if (nb)
				r = bootcfg_change_add(bc, "/etc/kernel/cmdline", buf, len, &st, nb,
						       nl);
			else
				free(buf);
		} else if (r == -ENOENT && newest) {
			/* Not there: later kernels would get /proc/cmdline; pin the newest entry's line. */
			if (asprintf(&nb, "%s\n", newest) < 0) {
				r = -ENOMEM;
				goto out;
			}
			r = bootcfg_change_add(bc, "/etc/kernel/cmdline", NULL, 0, NULL, nb,
					       strlen(nb));
		} else if (r == -ENOENT) {
			r = 0;
		}
		if (r < 0)
			goto out;
	}

	/* grub2-mkconfig rewrites BLS options from /etc/default/grub: keep it in line. */
	if (bc->backend == BOOTCFG_BLS && bootcfg_exists(bc, "/etc/default/grub")) {
		if (bc->grubby) {
			char *buf;
			size_t len;
			struct stat st;

			/* grubby --update-kernel=ALL edits it itself: keep the original only. */
			r = read_opt(bc, "/etc/default/grub", &buf, &len, &st, err);
			if (r < 0)
				goto out;
			r = bootcfg_change_add(bc, "/etc/default/grub", buf, len, &st, NULL, 0);
			if (r < 0)
				goto out;
			bc->ch[bc->nch - 1].backup_only = true;
		} else {
			r = prepare_grub(bc, false, wanted, managed, err);
			if (r < 0)
				goto out;
		}
	}
	if (bc->backend == BOOTCFG_BLS && bc->grubby) {
		static const char *const envs[] = { "/boot/grub2/grubenv", "/boot/efi/EFI/grubenv" };

		for (size_t i = 0; i < 2; i++) {
			char *buf;
			size_t len;
			struct stat st;

			if (read_opt(bc, envs[i], &buf, &len, &st, NULL) < 0)
				continue;
			r = bootcfg_change_add(bc, envs[i], buf, len, &st, NULL, 0);
			if (r < 0)
				goto out;
			bc->ch[bc->nch - 1].backup_only = true;
		}
	}
	r = 0;
out:
	free(newest);
	bootcfg_strv_free(names, n);
	return r;
}

int bootcfg_prepare_apply(struct bootcfg *bc, const struct kparams *wanted,
			  const char *const *managed, struct bootcfg_error *err)
{
	size_t bad = 0;
	bool any;
	int r;

	bootcfg_changes_clear(bc);
	if (cmdedit_params_check(wanted, &bad) < 0) {
		bootcfg_errf(
		    err,
		    "refusing parameter '%s%s%s': only letters, digits and _-.,:=/+@%% are written to a boot configuration (no quotes, $, backticks, spaces, newlines or ;)",
		    wanted->v[bad].name, wanted->v[bad].value ? "=" : "",
		    wanted->v[bad].value ? wanted->v[bad].value : "");
		return -EINVAL;
	}
	switch (bc->backend) {
	case BOOTCFG_GRUB:
		r = prepare_grub(bc, true, wanted, managed, err);
		break;
	case BOOTCFG_GRUB2:
		r = prepare_grub(bc, false, wanted, managed, err);
		break;
	case BOOTCFG_BLS:
	case BOOTCFG_KERNEL_INSTALL:
		r = prepare_bls(bc, wanted, managed, err);
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0) {
		bootcfg_changes_clear(bc);
		return r;
	}
	/* Only backups and nothing else: nothing to do. */
	any = false;
	for (size_t i = 0; i < bc->nch; i++)
		any |= !bc->ch[i].backup_only;
	if (!any)
		bootcfg_changes_clear(bc);
	return 0;
}

char *bootcfg_update_command(const struct bootcfg *bc, const struct kparams *wanted,
			     const char *const *managed)
{
	char *s = NULL;

	switch (bc->backend) {
	case BOOTCFG_GRUB:
		if (faccessat(bc->rootfd, "usr/sbin/update-grub", X_OK, 0) == 0)
			return strdup("update-grub");
		if (asprintf(&s, "grub-mkconfig -o %s", bc->grubcfg) < 0)
			return NULL;
		return s;
	case BOOTCFG_GRUB2:
		if (asprintf(&s, "grub2-mkconfig -o %s", bc->grubcfg) < 0)
			return NULL;
		return s;
	case BOOTCFG_BLS: {
		char *args, *rm = NULL;
		size_t rl = 0;

		if (!bc->grubby || !wanted)
			return NULL;
		args = kparams_format(wanted);
		if (!args)
			return NULL;
		for (size_t i = 0; managed && managed[i]; i++) {
			bool w = false;
			char *nr;

			for (size_t k = 0; k < wanted->n; k++)
				w |= kparam_name_eq(wanted->v[k].name, managed[i]);
			if (w)
				continue;
			nr = realloc(rm, rl + strlen(managed[i]) + 2);
			if (!nr)
				break;
			rm = nr;
			rl += (size_t)sprintf(rm + rl, "%s%s", rl ? " " : "", managed[i]);
		}
		if (asprintf(&s, "grubby --update-kernel=ALL%s%s%s --args=\"%s\"",
			     rm ? " --remove-args=\"" : "", rm ? rm : "", rm ? "\"" : "", args) < 0)
			s = NULL;
		free(args);
		free(rm);
		return s;
	}
	default:
		return NULL;
	}
}

int bootcfg_check_writable(struct bootcfg *bc, struct bootcfg_error *err)
{
	for (size_t i = 0; i < bc->nch; i++) {
		int r;

		if (bc->ch[i].backup_only)
			continue;
		r = atomicfile_dir_writable(bc->rootfd, bc->ch[i].path);
		if (r < 0) {
			bootcfg_errf(err, "cannot write %s: %s%s", bc->ch[i].path, strerror(-r),
				     r == -ELOOP
					 ? " (a symlink on the way: refusing to write through it)"
					 : "");
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
			r = atomicfile_read(bc->rootfd, c->path, &cur, &len, &st);
			if (r == -ENOENT) {
				r = atomicfile_unlink(bc->rootfd, ap);
				if (r == -ENOENT)
					r = 0;
			} else if (r == 0) {
				snprintf(dir, sizeof(dir), "%s", ap);
				*strrchr(dir, '/') = '\0';
				r = atomicfile_mkdirs(bc->rootfd, dir, 0700);
				if (r == 0)
					r = atomicfile_write(bc->rootfd, ap, cur, len, &st);
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

	r = atomicfile_open_parent(bc->rootfd, path, &dfd, &base);
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
	r = atomicfile_mkdirs(bc->rootfd, BOOTCFG_STATE_DIR, 0700);
	if (r < 0) {
		bootcfg_errf(err, "cannot create %s: %s", BOOTCFG_STATE_DIR, strerror(-r));
		return r;
	}
	r = atomicfile_lock(bc->rootfd, LOCK_PATH, &bc->lockfd);
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

static void undo_state(struct bootcfg *bc)
{
	for (size_t i = 0; i < bc->nsaved; i++) {
		char op[PATH_MAX];

		if (orig_path(bc->saved[i], op, sizeof(op)) == 0)
			atomicfile_unlink(bc->rootfd, op);
	}
	if (!bc->did_save)
		return;
	if (bc->manifest_old)
		atomicfile_write(bc->rootfd, MANIFEST_PATH, bc->manifest_old, bc->manifest_oldlen,
				 NULL);
	else
		atomicfile_unlink(bc->rootfd, MANIFEST_PATH);
	if (bc->state_created && bc->created_top[0]) {
		bootcfg_unlock(bc);
		rm_tree(bc, bc->created_top);
	}
}

static int save_originals(struct bootcfg *bc, struct bootcfg_error *err)
{
	char *man = NULL, *nm;
	size_t len = 0, ml;
	bool changed = false;
	int r;

	r = atomicfile_read(bc->rootfd, MANIFEST_PATH, &man, &len, NULL);
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
		char op[PATH_MAX], **ns, *grown;

		if (manifest_state(nm, c->path))
			continue;
		grown = realloc(nm, ml + strlen(c->path) + 16);
		if (!grown) {
			r = -ENOMEM;
			goto fail;
		}
		nm = grown;
		if (c->old) {
			r = orig_path(c->path, op, sizeof(op));
			if (r == 0) {
				char dir[PATH_MAX];

				snprintf(dir, sizeof(dir), "%s", op);
				*strrchr(dir, '/') = '\0';
				r = atomicfile_mkdirs(bc->rootfd, dir, 0700);
			}
			if (r == 0)
				r = atomicfile_write(bc->rootfd, op, c->old, c->oldlen, &c->st);
			if (r < 0) {
				bootcfg_errf(err, "cannot save the original of %s in %s: %s",
					     c->path, op, strerror(-r));
				goto fail;
			}
			ns = realloc(bc->saved, (bc->nsaved + 1) * sizeof(*ns));
			if (!ns || !(ns[bc->nsaved] = strdup(c->path))) {
				if (ns)
					bc->saved = ns;
				r = -ENOMEM;
				goto fail;
			}
			bc->saved = ns;
			bc->nsaved++;
			ml += (size_t)sprintf(nm + ml, "saved %s\n", c->path);
		} else {
			ml += (size_t)sprintf(nm + ml, "absent %s\n", c->path);
		}
		changed = true;
	}
	r = 0;
	if (changed) {
		r = atomicfile_write(bc->rootfd, MANIFEST_PATH, nm, ml, NULL);
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
		int r = atomicfile_unlink(bc->rootfd, path);

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
			r = atomicfile_mkdirs(bc->rootfd, dir, 0755);
			if (r < 0)
				return r;
		}
	}
	return atomicfile_write(bc->rootfd, path, buf, len, like);
}

/* Put back c->old when the file no longer holds it. */
static int restore_change(struct bootcfg *bc, struct bootcfg_change *c)
{
	char *cur = NULL;
	size_t len = 0;
	int r = atomicfile_read(bc->rootfd, c->path, &cur, &len, NULL);

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
				 c->have_newst ? &c->newst : c->old ? &c->st : NULL);
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
		if ((r = atomicfile_remove_stale(bc->rootfd, fixed[i], ret_removed, ret_n)) > 0)
			total += r;
	if (r >= 0 && bc->grubcfg[0] && (r = atomicfile_remove_stale(bc->rootfd, bc->grubcfg,
								     ret_removed, ret_n)) > 0)
		total += r;
	for (size_t i = 0; i < bc->nch && r >= 0; i++) {
		char op[PATH_MAX], ap[PATH_MAX];

		if ((r = atomicfile_remove_stale(bc->rootfd, bc->ch[i].path, ret_removed, ret_n)) > 0)
			total += r;
		if (r >= 0 && orig_path(bc->ch[i].path, op, sizeof(op)) == 0 &&
		    (r = atomicfile_remove_stale(bc->rootfd, op, ret_removed, ret_n)) > 0)
			total += r;
		if (r >= 0 && applied_path(bc->ch[i].path, ap, sizeof(ap)) == 0 &&
		    (r = atomicfile_remove_stale(bc->rootfd, ap, ret_removed, ret_n)) > 0)
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
		size_t skip = strncmp(p, "saved /", 7) == 0 ? 6 : strncmp(p, "absent /", 8) == 0 ? 7 : 0;

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

int bootcfg_prepare_revert(struct bootcfg *bc, struct bootcfg_error *err)
{
	char *man = NULL, *p, *files = NULL;
	size_t len;
	int r;

	bootcfg_changes_clear(bc);
	r = atomicfile_read(bc->rootfd, MANIFEST_PATH, &man, &len, NULL);
	if (r == -ENOENT) {
		bootcfg_errf(
		    err, "nothing to revert: no %s (cmdline-gen --apply never changed this host)",
		    MANIFEST_PATH);
		return r;
	}
	if (r < 0) {
		bootcfg_errf(err, "cannot read %s: %s", MANIFEST_PATH, path_strerror(r));
		return r;
	}
	if (len < strlen(MANIFEST_MAGIC) || memcmp(man, MANIFEST_MAGIC, strlen(MANIFEST_MAGIC)) != 0) {
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
		char *nl = strchr(p, '\n'), *path, *cur = NULL, *orig = NULL;
		size_t curlen = 0, origlen = 0;
		struct stat cst, ost;
		bool saved, drifted;

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
			    MANIFEST_PATH, p, files[0] ? files : "the files", BOOTCFG_STATE_DIR);
			r = -EINVAL;
			goto out;
		}
		path = p + (saved ? 6 : 7);
		r = atomicfile_read(bc->rootfd, path, &cur, &curlen, &cst);
		if (r < 0 && r != -ENOENT) {
			bootcfg_errf(err, "cannot read %s: %s", path, path_strerror(r));
			goto out;
		}
		if (r == -ENOENT)
			cur = NULL;
		if (saved) {
			char op[PATH_MAX];

			r = orig_path(path, op, sizeof(op));
			if (r == 0)
				r = atomicfile_read(bc->rootfd, op, &orig, &origlen, &ost);
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
				goto out;
			}
			if (cur && curlen == origlen && memcmp(cur, orig, curlen) == 0 &&
			    (cst.st_mode & 07777) == (ost.st_mode & 07777)) {
				free(cur);
				free(orig);
				goto next;
			}
		} else if (!cur) {
			goto next;
		}
		/* old = what is there now (for rollback), new = the original */
		{
			char ap[PATH_MAX], *app = NULL;
			size_t applen = 0;

			drifted = false;
			if (applied_path(path, ap, sizeof(ap)) == 0 &&
			    atomicfile_read(bc->rootfd, ap, &app, &applen, NULL) == 0) {
				drifted = !cur || applen != curlen || memcmp(app, cur, curlen) != 0;
				free(app);
			}
		}
		r = bootcfg_change_add(bc, path, cur, curlen, cur ? &cst : NULL, orig, origlen);
		if (r < 0)
			goto out;
		bc->ch[bc->nch - 1].drifted = drifted;
		if (orig) {
			bc->ch[bc->nch - 1].newst = ost;
			bc->ch[bc->nch - 1].have_newst = true;
		}
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

	if ((bc->backend != BOOTCFG_BLS && bc->backend != BOOTCFG_KERNEL_INSTALL) || !bc->entries[0])
		return 0;
	r = atomicfile_read(bc->rootfd, MANIFEST_PATH, &man, &mlen, NULL);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = bootcfg_list_entries(bc, bc->entries, &names, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char path[PATH_MAX], *buf = NULL, *nb = NULL;
		size_t len, nl = 0;
		struct stat st;
		bool known = false;

		if (snprintf(path, sizeof(path), "%s/%s", bc->entries, names[i]) >= (int)sizeof(path))
			continue;
		if (manifest_state(man, path))
			continue;
		for (size_t k = 0; k < bc->nch; k++)
			known |= strcmp(bc->ch[k].path, path) == 0;
		if (known || atomicfile_read(bc->rootfd, path, &buf, &len, &st) < 0)
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
	int r = atomicfile_unlink(bc->rootfd, MANIFEST_PATH);

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

/* ---- what is configured ---------------------------------------------------- */

static int newest_entry(struct bootcfg *bc, char **ret_options, char **ret_where)
{
	char **names = NULL, *buf = NULL, *best = NULL, *bestver = NULL;
	size_t n = 0, len;
	int r;

	r = bootcfg_list_entries(bc, bc->entries, &names, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX], *ver = NULL;

		if (snprintf(path, sizeof(path), "%s/%s", bc->entries, names[i]) >= (int)sizeof(path))
			continue;
		if (atomicfile_read(bc->rootfd, path, &buf, &len, NULL) < 0)
			continue;
		if (bls_entry_get(buf, len, "version", &ver) < 0)
			ver = strdup(names[i]);
		free(buf);
		if (!ver)
			continue;
		if (!bestver || bls_version_cmp(ver, bestver) >= 0) {
			free(bestver);
			free(best);
			bestver = ver;
			best = strdup(path);
		} else {
			free(ver);
		}
	}
	bootcfg_strv_free(names, n);
	free(bestver);
	if (!best)
		return -ENOENT;
	r = atomicfile_read(bc->rootfd, best, &buf, &len, NULL);
	if (r == 0) {
		r = bls_entry_options(buf, len, ret_options);
		free(buf);
	}
	if (r == 0)
		*ret_where = best;
	else
		free(best);
	return r;
}

int bootcfg_next_boot(struct bootcfg *bc, char **ret_cmdline, char **ret_where)
{
	char *buf, *p;
	size_t len;
	int r;

	if (bc->backend == BOOTCFG_BLS || bc->backend == BOOTCFG_KERNEL_INSTALL)
		return newest_entry(bc, ret_cmdline, ret_where);
	r = atomicfile_read(bc->rootfd, bc->grubcfg, &buf, &len, NULL);
	if (r < 0)
		return r;
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *q = p;
		size_t kw;

		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "blscfg", 6) == 0 && (q[6] == '\n' || q[6] == ' ' || !q[6])) {
			/* GRUB reads the BLS entries itself (Fedora). */
			free(buf);
			snprintf(bc->entries, sizeof(bc->entries), "/boot/loader/entries");
			return newest_entry(bc, ret_cmdline, ret_where);
		}
		kw = strcspn(q, " \t\n");
		if ((kw == 5 && strncmp(q, "linux", 5) == 0) ||
		    (kw == 8 && strncmp(q, "linuxefi", 8) == 0) ||
		    (kw == 7 && strncmp(q, "linux16", 7) == 0)) {
			const char *a = q + kw;
			size_t l;

			a += strspn(a, " \t");
			a += strcspn(a, " \t\n");	/* the kernel image */
			a += strspn(a, " \t");
			l = strcspn(a, "\n");
			while (l && (a[l - 1] == ' ' || a[l - 1] == '\t'))
				l--;
			*ret_cmdline = strndup(a, l);
			*ret_where = strdup(bc->grubcfg);
			free(buf);
			if (!*ret_cmdline || !*ret_where) {
				free(*ret_cmdline);
				free(*ret_where);
				return -ENOMEM;
			}
			return 0;
		}
	}
	free(buf);
	return -ENOENT;
}

int bootcfg_source_cmdline(struct bootcfg *bc, char **ret_cmdline, char **ret_where,
			   struct bootcfg_error *err)
{
	if (bc->backend == BOOTCFG_GRUB || bc->backend == BOOTCFG_GRUB2) {
		struct grubdefault_error ge = { 0 };
		struct grubdefault gd;
		char *a = NULL, *b = NULL, *s = NULL;
		int r;

		r = grubdefault_load(bc->rootfd, bc->backend == BOOTCFG_GRUB, &gd, &ge);
		if (r < 0)
			return bootcfg_grub_load_err(
			    r, &ge, r == -EINVAL ? ge.path : "/etc/default/grub", err);
		r = grubdefault_value(&gd, "GRUB_CMDLINE_LINUX", &a, &ge);
		if (r == -ENOENT)
			r = 0;
		if (r == 0) {
			r = grubdefault_value(&gd, "GRUB_CMDLINE_LINUX_DEFAULT", &b, &ge);
			if (r == -ENOENT)
				r = 0;
		}
		if (r == -EINVAL) {
			/* the shell's reading is not certain: never a value */
			bootcfg_errf(err, "cannot tell what the shell makes of %s line %u: %s",
				     gd.files[ge.file].path, ge.line, ge.what);
			grubdefault_free(&gd);
			free(a);
			return r;
		}
		if (r == 0)
			r = asprintf(&s, "%s %s", a ? a : "", b ? b : "") < 0 ? -ENOMEM : 0;
		free(a);
		free(b);
		if (r < 0) {
			grubdefault_free(&gd);
			return r;
		}
		*ret_where = strdup(gd.nfiles > 1 ? "/etc/default/grub and grub.d" : "/etc/default/grub");
		grubdefault_free(&gd);
		if (!*ret_where) {
			free(s);
			return -ENOMEM;
		}
		*ret_cmdline = s;
		return 0;
	} else {
		char *buf;
		size_t len;
		int r = atomicfile_read(bc->rootfd, "/etc/kernel/cmdline", &buf, &len, NULL);

		if (r < 0)
			return r;
		for (size_t i = 0; i < len; i++)
			if (buf[i] == '\n' || buf[i] == '\t')
				buf[i] = ' ';
		*ret_cmdline = buf;
		*ret_where = strdup("/etc/kernel/cmdline");
		return *ret_where ? 0 : -ENOMEM;
	}
}

static bool value_eq(const char *name, const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	if (strcmp(a, b) == 0)
		return true;
	if (kparam_name_eq(name, "isolcpus")) {
		struct isolcpus x, y;

		return isolcpus_parse(a, 0, &x) == 0 && isolcpus_parse(b, 0, &y) == 0 &&
		       x.flags == y.flags && cpuset_equal(&x.cpus, &y.cpus);
	} else {
		cpuset_t x, y;

		/* cpulists compare as sets ("2-3" == "2,3"), never as strings */
		return (*a >= '0' && *a <= '9') && cpuset_parse_list(a, 0, &x) == 0 &&
		       cpuset_parse_list(b, 0, &y) == 0 && cpuset_equal(&x, &y);
	}
}

bool bootcfg_params_match(const struct kparams *kp, const struct kparams *wanted,
			  const char *const *managed, char **ret_diff)
{
	char *d = NULL;
	size_t dl = 0;
	FILE *f = open_memstream(&d, &dl);
	bool ok = true;

	for (size_t i = 0; i < wanted->n; i++) {
		const struct kparam *w = &wanted->v[i];
		size_t cnt = kparams_count(kp, w->name);
		const struct kparam *have = kparams_find(kp, w->name);

		if (cnt == 0) {
			if (f)
				fprintf(f, "%s%s missing", ok ? "" : "; ", w->name);
			ok = false;
		} else if (!value_eq(w->name, w->value, have->value)) {
			if (f)
				fprintf(f, "%s%s=%s instead of %s=%s", ok ? "" : "; ", have->name,
					have->value ? have->value : "", w->name, w->value ? w->value : "");
			ok = false;
		} else if (cnt > 1) {
			if (f)
				fprintf(f, "%s%s given %zu times", ok ? "" : "; ", w->name, cnt);
			ok = false;
		}
	}
	for (size_t i = 0; i < kp->n; i++) {
		const struct kparam *p = &kp->v[i];
		bool wantedp = false;

		for (size_t k = 0; k < wanted->n; k++)
			wantedp |= kparam_name_eq(wanted->v[k].name, p->name);
		if (wantedp || !cmdedit_is_managed(p->name, NULL, managed))
			continue;
		if (f)
			fprintf(f, "%s%s%s%s not in the plan", ok ? "" : "; ", p->name,
				p->value ? "=" : "", p->value ? p->value : "");
		ok = false;
	}
	if (f)
		fclose(f);
	if (ret_diff)
		*ret_diff = d ? d : strdup("");
	else
		free(d);
	return ok;
}
