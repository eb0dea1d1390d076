// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bootedit: plan the change to each boot loader file for --apply, and the
 * command that regenerates the boot configuration afterwards.
 */
#include "bootcfg.h"
#include "bootcfg-internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "bls.h"
#include "cmdedit.h"
#include "grubdefault.h"
#include "kparam.h"
#include "path.h"

/* What GRUB adds in front of GRUB_CMDLINE_LINUX: "BOOT_IMAGE=/vmlinuz-... root=UUID=... ro" */
#define GRUB_PREFIX_RESERVE 128

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

	r = grubdefault_load(&bc->pc, dropins, &gd, &ge);
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
	int r = atomicfile_read(&bc->pc, path, buf, len, st);

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
			int fd = path_open(&bc->pc, O_RDONLY | O_CLOEXEC, "/%s", envs[i]);

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
						entry, var, envs[i], kp.v[k].name, var,
						kp.v[k].name);
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
/* Edit one BLS entry; *ret_opts gets its options line as it will be. */
static int prepare_bls_entry(struct bootcfg *bc, const char *path, const struct kparams *wanted,
			     const char *const *managed, char **ret_opts, struct bootcfg_error *err)
{
	char *buf = NULL, *nb = NULL, *opts = NULL;
	size_t len, nl = 0;
	struct stat st;
	int r;

	r = read_opt(bc, path, &buf, &len, &st, err);
	if (r < 0)
		return r;
	r = bls_entry_edit(buf, len, wanted, managed, &nb, &nl);
	if (r == -EBADMSG) {
		bootcfg_errf(
			err,
			"cannot edit %s: double quotes or a \"--\" on its options line would keep the kernel from reading the plan; edit it by hand",
			path);
		goto out;
	}
	if (r < 0) {
		bootcfg_errf(err, "cannot edit %s: %s", path, strerror(-r));
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
	if (r < 0)
		goto out;
	if (nb) {
		r = bootcfg_change_add(bc, path, buf, len, &st, nb, nl); /* owns buf, nb */
		buf = nb = NULL;
		if (r < 0)
			goto out;
		bc->ch[bc->nch - 1].predicted = bc->grubby && bc->backend == BOOTCFG_BLS;
	}
	*ret_opts = opts;
	opts = NULL;
out:
	free(opts);
	free(buf);
	free(nb);
	return r;
}

/*
 * /etc/kernel/cmdline: what kernel-install gives kernels installed later.
 * newest: the newest entry's options after the edit (NULL: no entry).
 */
static int prepare_kernel_cmdline(struct bootcfg *bc, const char *newest,
				  const struct kparams *wanted, const char *const *managed,
				  struct bootcfg_error *err)
{
	char *buf = NULL, *nb = NULL;
	size_t len = 0, nl = 0;
	struct stat st;
	int r;

	r = read_opt(bc, "/etc/kernel/cmdline", &buf, &len, &st, err);
	if (r == -ENOENT && newest) {
		/* Not there: later kernels would get /proc/cmdline; pin the newest entry's line. */
		if (asprintf(&nb, "%s\n", newest) < 0)
			return -ENOMEM;
		return bootcfg_change_add(bc, "/etc/kernel/cmdline", NULL, 0, NULL, nb, strlen(nb));
	}
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = kcmdline_edit(buf, len, wanted, managed, &nb, &nl);
	if (r == -EBADMSG) {
		bootcfg_errf(
			err,
			"cannot edit %s: double quotes or a \"--\" in it would keep the kernel from reading the plan; edit it by hand",
			"/etc/kernel/cmdline");
		free(buf);
		return r;
	}
	if (r < 0) {
		bootcfg_errf(err, "cannot edit /etc/kernel/cmdline: %s", strerror(-r));
		free(buf);
		return r;
	}
	if (!nb) {
		free(buf);
		return 0;
	}
	return bootcfg_change_add(bc, "/etc/kernel/cmdline", buf, len, &st, nb, nl);
}

/*
 * BLS with GRUB: grub2-mkconfig rewrites BLS options from /etc/default/grub,
 * keep it in line; grubby edits it (and grubenv) itself: keep the originals.
 */
static int prepare_bls_grub(struct bootcfg *bc, const struct kparams *wanted,
			    const char *const *managed, struct bootcfg_error *err)
{
	static const char *const envs[] = { "/boot/grub2/grubenv", "/boot/efi/EFI/grubenv" };
	char *buf;
	size_t len;
	struct stat st;
	int r;

	if (bc->backend != BOOTCFG_BLS)
		return 0;
	if (bootcfg_exists(bc, "/etc/default/grub")) {
		if (!bc->grubby)
			r = prepare_grub(bc, false, wanted, managed, err);
		else if ((r = read_opt(bc, "/etc/default/grub", &buf, &len, &st, err)) == 0 &&
			 (r = bootcfg_change_add(bc, "/etc/default/grub", buf, len, &st, NULL,
						 0)) == 0)
			bc->ch[bc->nch - 1].backup_only = true;
		if (r < 0)
			return r;
	}
	if (!bc->grubby)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		if (read_opt(bc, envs[i], &buf, &len, &st, NULL) < 0)
			continue;
		r = bootcfg_change_add(bc, envs[i], buf, len, &st, NULL, 0);
		if (r < 0)
			return r;
		bc->ch[bc->nch - 1].backup_only = true;
	}
	return 0;
}

static int prepare_bls(struct bootcfg *bc, const struct kparams *wanted, const char *const *managed,
		       struct bootcfg_error *err)
{
	char **names = NULL;
	size_t n = 0;
	char *newest = NULL; /* options of the newest entry after the edit */
	int r;

	r = bootcfg_list_entries(bc, bc->entries, &names, &n);
	if (r < 0) {
		bootcfg_errf(err, "cannot list %s: %s", bc->entries, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX], *opts = NULL;

		if (snprintf(path, sizeof(path), "%s/%s", bc->entries, names[i]) >=
		    (int)sizeof(path)) {
			r = -ENAMETOOLONG;
			bootcfg_errf(err, "%s/%s: %s", bc->entries, names[i], strerror(-r));
			goto out;
		}
		r = prepare_bls_entry(bc, path, wanted, managed, &opts, err);
		if (r < 0)
			goto out;
		free(newest);
		newest = opts; /* sorted ascending: the last one is the newest */
	}
	r = prepare_kernel_cmdline(bc, newest, wanted, managed, err);
	if (r == 0)
		r = prepare_bls_grub(bc, wanted, managed, err);
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
	char *s = NULL, ug[PATH_MAX];

	switch (bc->backend) {
	case BOOTCFG_GRUB:
		/* bc is const: path_access() would record its path in bc->pc */
		if (snprintf(ug, sizeof(ug), "%s/usr/sbin/update-grub", bc->pc.root) <
			    (int)sizeof(ug) &&
		    access(ug, X_OK) == 0)
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
