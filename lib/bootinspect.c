// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bootinspect: what the boot configuration says (--check): the command line
 * of the next boot, where it comes from, whether it carries the wanted values.
 */
#include "bootcfg.h"
#include "bootcfg-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "bls.h"
#include "cmdedit.h"
#include "cpuset.h"
#include "grubdefault.h"
#include "kparam.h"

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

		if (snprintf(path, sizeof(path), "%s/%s", bc->entries, names[i]) >=
		    (int)sizeof(path))
			continue;
		if (atomicfile_read(&bc->pc, path, &buf, &len, NULL) < 0)
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
	r = atomicfile_read(&bc->pc, best, &buf, &len, NULL);
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
	r = atomicfile_read(&bc->pc, bc->grubcfg, &buf, &len, NULL);
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
			a += strcspn(a, " \t\n"); /* the kernel image */
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

		r = grubdefault_load(&bc->pc, bc->backend == BOOTCFG_GRUB, &gd, &ge);
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
		*ret_where = strdup(gd.nfiles > 1 ? "/etc/default/grub and grub.d" :
						    "/etc/default/grub");
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
		int r = atomicfile_read(&bc->pc, "/etc/kernel/cmdline", &buf, &len, NULL);

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
					have->value ? have->value : "", w->name,
					w->value ? w->value : "");
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
