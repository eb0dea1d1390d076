// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bootdetect: which boot loader this root uses (Debian grub, Fedora/RHEL
 * grub2-mkconfig, BLS with grubby, kernel-install, systemd-boot).
 */
#include "bootcfg.h"
#include "pathnames.h"
#include "bootcfg-internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "grubdefault.h"

static void read_os_id(struct bootcfg *bc)
{
	static const char *const files[] = { "/etc/os-release", "/usr/lib/os-release" };

	bc->os_id[0] = '\0';
	for (size_t i = 0; i < 2; i++) {
		char *buf, *p;
		size_t len;

		if (atomicfile_read(&bc->pc, files[i], &buf, &len, NULL) < 0)
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

		if (atomicfile_read(&bc->pc, path, &buf, &len, NULL) == 0) {
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

	if (grubdefault_load(&bc->pc, false, &gd, NULL) < 0)
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
			snprintf(bc->entries, sizeof(bc->entries), "%s/loader/entries",
				 esp_dirs[i]);
			return true;
		}
	}
	return false;
}

/* What the host shows of each bootloader, probed once by bootcfg_detect(). */
struct boot_probe {
	bool dgrub;
	bool grub2;
	bool grub;
	bool bls;
	bool sdboot;
};

/* With no --bootloader, pick the backend the host's files point at. */
static int boot_probe_pick(const struct boot_probe *pr, struct bootcfg *bc, enum bootcfg_backend *b,
			   struct bootcfg_error *err)
{
	if (pr->bls && pr->grub2 && (!pr->dgrub || grub_blscfg_enabled(bc)))
		*b = BOOTCFG_BLS;
	else if (pr->sdboot)
		*b = BOOTCFG_KERNEL_INSTALL;
	else if (pr->grub2)
		*b = BOOTCFG_GRUB2;
	else if (pr->grub)
		*b = BOOTCFG_GRUB;
	else if (pr->bls)
		*b = BOOTCFG_BLS;
	if (*b == BOOTCFG_NONE) {
		bootcfg_errf(
			err,
			"cannot tell how this host boots: no /etc/default/grub with /boot/grub or /boot/grub2, no /boot/loader/entries, no systemd-boot loader.conf; name one with --bootloader");
		return -ENOENT;
	}
	return 0;
}

/* Check that grub or grub2 fits this host and find its grub.cfg. */
static int boot_probe_apply_grub(const struct boot_probe *pr, struct bootcfg *bc,
				 enum bootcfg_backend b, struct bootcfg_error *err)
{
	if (!pr->dgrub) {
		bootcfg_errf(err, "bootloader %s: /etc/default/grub: %s", bootcfg_backend_name(b),
			     strerror(ENOENT));
		return -ENOENT;
	}
	if (b == BOOTCFG_GRUB && !pr->grub) {
		bootcfg_errf(
			err,
			"bootloader grub does not fit this host: no /boot/grub and no grub-mkconfig%s",
			pr->grub2 ? " (it has /boot/grub2: try --bootloader grub2)" : "");
		return -EINVAL;
	}
	if (b == BOOTCFG_GRUB2 && !pr->grub2) {
		bootcfg_errf(
			err,
			"bootloader grub2 does not fit this host: no /boot/grub2 and no grub2-mkconfig%s",
			pr->grub ? " (it has /boot/grub: try --bootloader grub)" : "");
		return -EINVAL;
	}
	if (b == BOOTCFG_GRUB)
		snprintf(bc->grubcfg, sizeof(bc->grubcfg), "/boot/grub/grub.cfg");
	else
		find_grub2_cfg(bc);
	return 0;
}

/* Check that backend b fits this host and fill in the paths it edits. */
static int boot_probe_apply(const struct boot_probe *pr, struct bootcfg *bc, enum bootcfg_backend b,
			    struct bootcfg_error *err)
{
	switch (b) {
	case BOOTCFG_GRUB:
	case BOOTCFG_GRUB2:
		return boot_probe_apply_grub(pr, bc, b, err);
	case BOOTCFG_BLS:
		if (!pr->bls) {
			bootcfg_errf(
				err,
				"bootloader bls does not fit this host: no entries in /boot/loader/entries");
			return -EINVAL;
		}
		snprintf(bc->entries, sizeof(bc->entries), "/boot/loader/entries");
		if (pr->grub2)
			find_grub2_cfg(bc);
		return 0;
	case BOOTCFG_KERNEL_INSTALL:
		if (!pr->sdboot && !pr->bls && !bootcfg_isdir(bc, "/etc/kernel")) {
			bootcfg_errf(
				err,
				"bootloader kernel-install does not fit this host: no systemd-boot loader.conf, no /boot/loader/entries, no /etc/kernel");
			return -EINVAL;
		}
		if (!pr->sdboot)
			snprintf(bc->entries, sizeof(bc->entries), "/boot/loader/entries");
		return 0;
	default:
		return -EINVAL;
	}
}

int bootcfg_detect(struct bootcfg *bc, enum bootcfg_backend forced, struct bootcfg_error *err)
{
	struct boot_probe pr;
	enum bootcfg_backend b = forced;
	int r;

	/* Probe in the same order as ever: dgrub, grub2, grub, bls. */
	pr.dgrub = bootcfg_exists(bc, "/etc/default/grub");
	pr.grub2 = bootcfg_isdir(bc, "/boot/grub2") ||
		   bootcfg_exists(bc, "/usr/sbin/grub2-mkconfig");
	pr.grub = bootcfg_isdir(bc, "/boot/grub") || bootcfg_exists(bc, "/usr/sbin/grub-mkconfig");
	pr.bls = bootcfg_has_entries(bc, "/boot/loader/entries");
	bc->efi = bootcfg_exists(bc, PATH_SYS_EFI);
	bc->grubby = bootcfg_exists(bc, "/usr/sbin/grubby") || bootcfg_exists(bc, "/sbin/grubby") ||
		     bootcfg_exists(bc, "/usr/bin/grubby");
	read_os_id(bc);
	pr.sdboot = find_sdboot(bc);

	if (b == BOOTCFG_NONE) {
		r = boot_probe_pick(&pr, bc, &b, err);
		if (r)
			return r;
	}
	r = boot_probe_apply(&pr, bc, b, err);
	if (r)
		return r;
	bc->backend = b;
	return 0;
}
