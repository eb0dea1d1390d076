// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which CPUs are isolated and which keep house (see isolation.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "isolation.h"
#include "pathnames.h"

/* A cpulist file of PATH_SYS_CPU; an empty one is -ENODATA. */
static int read_cpu_file(struct path_cxt *pc, const char *name, cpuset_t *ret)
{
	int r = path_read_cpulist(pc, 0, ret, PATH_SYS_CPU "/%s", name);

	if (r == 0 && cpuset_empty(ret))
		r = -ENODATA;
	if (r < 0)
		cpuset_zero(ret);
	return r;
}

int isolation_read_cpus(struct path_cxt *pc, struct isolation_cpus *ret)
{
	const char *failed = NULL;
	int last;

	memset(ret, 0, sizeof(*ret));
	ret->online_err = read_cpu_file(pc, "online", &ret->online);
	if (ret->online_err)
		failed = "online";
	ret->possible_err = read_cpu_file(pc, "possible", &ret->possible);
	if (ret->possible_err == -ENOENT) {
		cpuset_t present;

		ret->present_err = path_read_cpulist(pc, 0, &present, PATH_SYS_CPU "/present");
		cpuset_or(&ret->possible, &ret->online,
			  ret->present_err ? &ret->possible : &present);
		if (ret->present_err == -ENOENT)
			ret->present_err = 0;
		if (ret->present_err && !failed)
			failed = "present";
	} else if (ret->possible_err && !failed) {
		failed = "possible";
	}
	last = cpuset_last(&ret->possible);
	ret->nbits = last < 0 ? 0 : (unsigned int)last + 1;
	if (!failed)
		return 0;
	path_get(pc, PATH_SYS_CPU "/%s", failed);
	if (!strcmp(failed, "online"))
		return ret->online_err;
	return !strcmp(failed, "possible") ? ret->possible_err : ret->present_err;
}

int isolation_read_isolated(struct path_cxt *pc, cpuset_t *ret)
{
	cpuset_t set;
	int r = path_read_cpulist(pc, 0, &set, PATH_SYS_CPU "/isolated");

	if (r == -ENOENT) {
		cpuset_zero(ret);
		return 0;
	}
	if (r < 0)
		return r;
	*ret = set;
	return 0;
}

static void parse_param(const struct kparams *kp, const char *name, unsigned int nbits,
			struct isolation_param *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->has = kparams_has(kp, name);
	if (!ret->has)
		return;
	ret->value = kparams_get(kp, name);
	ret->err = ret->value ? cpuset_parse_list(ret->value, nbits, &ret->cpus) : -EINVAL;
	ret->ok = ret->err == 0;
	if (!ret->ok)
		cpuset_zero(&ret->cpus);
}

void isolation_parse_cmdline(const struct kparams *kp, unsigned int nbits,
			     struct isolation_cmdline *ret)
{
	struct isolation_param *ic = &ret->isolcpus;

	memset(ret, 0, sizeof(*ret));
	ic->has = kparams_has(kp, "isolcpus");
	if (ic->has) {
		ic->value = kparams_get(kp, "isolcpus");
		ic->err = ic->value ? isolcpus_parse(ic->value, nbits, &ret->iso) : -EINVAL;
		ic->ok = ic->err == 0;
		if (ic->ok)
			ic->cpus = ret->iso.cpus;
		else
			memset(&ret->iso, 0, sizeof(ret->iso));
	}
	parse_param(kp, "nohz_full", nbits, &ret->nohz_full);
	parse_param(kp, "rcu_nocbs", nbits, &ret->rcu_nocbs);
	parse_param(kp, "irqaffinity", nbits, &ret->irqaffinity);

	/* kernel-facts: without flags isolcpus= means domain; with flags, only if named */
	if (ic->ok && (ret->iso.flags & ISOL_FLAG_DOMAIN))
		ret->domain = ic->cpus;
	if (ret->nohz_full.ok)
		ret->nohz = ret->nohz_full.cpus;
	else if (ic->ok && (ret->iso.flags & ISOL_FLAG_NOHZ))
		ret->nohz = ic->cpus;
	cpuset_or(&ret->isolated, &ic->cpus, &ret->nohz_full.cpus);
}

static struct isolation_note *note_add(struct isolation_hk *hk, enum isolation_note_kind kind,
				       const char *what, const char *value, int err)
{
	struct isolation_note *n;

	if (hk->nnotes >= ISOLATION_NOTES_MAX)
		return NULL;
	n = &hk->notes[hk->nnotes++];
	n->kind = kind;
	n->what = what;
	n->value = value;
	n->err = err;
	cpuset_zero(&n->offline);
	return n;
}

/* A housekeeping cpulist: 0 and *ret (online CPUs only), or -EINVAL; noted. */
static int parse_hk(struct isolation_hk *hk, const cpuset_t *online, const char *what,
		    const char *value, cpuset_t *ret)
{
	cpuset_t set, off;
	int r = cpuset_parse_list(value, 0, &set);

	if (r < 0) {
		note_add(hk, ISOLATION_NOTE_INVALID, what, value, r);
		return r;
	}
	cpuset_andnot(&off, &set, online);
	if (!cpuset_empty(&off)) {
		struct isolation_note *n = note_add(hk, ISOLATION_NOTE_OFFLINE, what, value, 0);

		if (n)
			n->offline = off;
		cpuset_and(&set, &set, online);
	}
	*ret = set;
	return 0;
}

/* The union of isolcpus= and nohz_full= that parse (bad ones noted). 1 if any. */
static int cmdline_isolated(const struct kparams *kp, struct isolation_hk *hk, cpuset_t *ret)
{
	struct isolation_cmdline cl;

	isolation_parse_cmdline(kp, 0, &cl);
	if (cl.isolcpus.value && !cl.isolcpus.ok)
		note_add(hk, ISOLATION_NOTE_ISOLCPUS, "isolcpus=", cl.isolcpus.value,
			 cl.isolcpus.err);
	if (cl.nohz_full.value && !cl.nohz_full.ok)
		note_add(hk, ISOLATION_NOTE_NOHZ_FULL, "nohz_full=", cl.nohz_full.value,
			 cl.nohz_full.err);
	if (cpuset_empty(&cl.isolated))
		return 0;
	*ret = cl.isolated;
	return 1;
}

/* cpu/isolated ∪ cpu/nohz_full; unreadable ones count as empty. 1 if any. */
static int sysfs_isolated(struct path_cxt *pc, cpuset_t *ret)
{
	static const char *const files[] = { "isolated", "nohz_full" };
	cpuset_t iso, set;

	cpuset_zero(&iso);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (path_read_cpulist(pc, 0, &set, PATH_SYS_CPU "/%s", files[i]) == 0)
			cpuset_or(&iso, &iso, &set);
	if (cpuset_empty(&iso))
		return 0;
	*ret = iso;
	return 1;
}

int isolation_housekeeping(struct path_cxt *pc, const struct kparams *kp, const cpuset_t *online,
			   const char *opt, struct isolation_hk *ret)
{
	static const struct {
		const char *name, *what;
	} list_params[] = {
		{ "rd.earlypin.cpus", "rd.earlypin.cpus=" },
		{ "irqaffinity", "irqaffinity=" },
	};
	cpuset_t iso;

	memset(ret, 0, sizeof(*ret));
	if (opt) {
		if (parse_hk(ret, online, "--housekeeping", opt, &ret->hk) < 0)
			return -EINVAL;
		ret->source = "--housekeeping";
	}
	for (size_t i = 0; !ret->source && i < sizeof(list_params) / sizeof(list_params[0]); i++) {
		const char *v = kparams_get(kp, list_params[i].name);

		if (v && parse_hk(ret, online, list_params[i].what, v, &ret->hk) == 0)
			ret->source = list_params[i].name;
	}
	if (!ret->source && cmdline_isolated(kp, ret, &iso)) {
		cpuset_andnot(&ret->hk, online, &iso);
		ret->source = "isolcpus/nohz_full";
	}
	if (!ret->source && sysfs_isolated(pc, &iso)) {
		cpuset_andnot(&ret->hk, online, &iso);
		ret->source = "sysfs isolated/nohz_full";
	}
	if (!ret->source)
		return 0;
	return cpuset_empty(&ret->hk) ? -ENODATA : 1;
}

bool isolation_boot_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= ISOLATION_BOOT_ID_MAX)
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

int isolation_boot_id(struct path_cxt *pc, char *buf, size_t len)
{
	char id[ISOLATION_BOOT_ID_MAX];
	ssize_t n = path_read_buf(pc, id, sizeof(id), PATH_PROC_BOOT_ID);

	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ENODATA;
	if (!isolation_boot_id_valid(id))
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENOBUFS;
	memcpy(buf, id, (size_t)n + 1);
	return 0;
}

bool isolation_partition_valid(const struct cgroup_part_info *part)
{
	return part->state.type == CGROUP_P_ISOLATED && part->state.invalid == CGROUP_VALID;
}

void isolation_runtime_free(struct isolation_runtime *rt)
{
	if (!rt)
		return;
	free(rt->parts);
	rt->parts = NULL;
	rt->nparts = 0;
}

const struct cgroup_part_info *isolation_runtime_owner(const struct isolation_runtime *rt,
						       unsigned int cpu)
{
	for (size_t i = 0; i < rt->nparts; i++)
		if (isolation_partition_valid(&rt->parts[i]) &&
		    cpuset_test(&rt->parts[i].effective, cpu))
			return &rt->parts[i];
	return NULL;
}

/* Keep the "isolated" partitions of parts (valid or not), in their order. */
static size_t keep_isolated(struct cgroup_part_info *parts, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (parts[i].state.type != CGROUP_P_ISOLATED)
			continue;
		if (k != i)
			parts[k] = parts[i];
		k++;
	}
	return k;
}

/* The root's cpuset.cpus.isolated (6.8+); an empty file is no CPU. */
static int read_root_isolated(struct path_cxt *pc, struct isolation_runtime *rt)
{
	int r = path_read_cpulist(pc, 0, &rt->root_isolated, "%s/cpuset.cpus.isolated",
				  cgroup_mount_path(rt->fs.mount));

	if (r == -ENODATA) {
		cpuset_zero(&rt->root_isolated);
		r = 0;
	}
	if (r < 0)
		return r;
	rt->root_isolated_read = true;
	return 0;
}

int isolation_runtime_read(struct path_cxt *pc, struct isolation_runtime *ret)
{
	struct cgroup_part_info *parts = NULL;
	size_t n = 0;
	cpuset_t named, boot, extra;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = cgroup_fs_probe(pc, &ret->fs);
	if (r == -ENOENT && ret->fs.mount == CGROUP_MOUNT_NONE)
		return 0; /* cgroup v1 only */
	if (r == -EOPNOTSUPP)
		return 0; /* v2 without the cpuset controller */
	if (r < 0)
		return r;
	ret->cpuset = true;
	r = cgroup_partitions(pc, &ret->fs, &parts, &n);
	if (r < 0)
		return r;
	ret->nparts = keep_isolated(parts, n);
	ret->parts = parts;
	if (ret->fs.root_isolated) {
		r = read_root_isolated(pc, ret);
		if (r < 0) {
			isolation_runtime_free(ret);
			return r;
		}
	}
	cpuset_zero(&named);
	for (size_t i = 0; i < ret->nparts; i++)
		if (isolation_partition_valid(&ret->parts[i]))
			cpuset_or(&named, &named, &ret->parts[i].effective);
	/*
	 * cpuset.cpus.isolated lists the CPUs isolated at boot (isolcpus=
	 * domain, cpu/isolated) as well (Debian's 6.12): those are not run time
	 */
	r = isolation_read_isolated(pc, &boot);
	if (r < 0) {
		isolation_runtime_free(ret);
		return r;
	}
	cpuset_andnot(&extra, &ret->root_isolated, &boot);
	cpuset_or(&ret->isolated, &named, &extra);
	cpuset_andnot(&ret->unnamed, &ret->isolated, &named);
	return 0;
}

bool isolation_partition_own(const char *name)
{
	return !strcmp(name, CGROUP_PARTITION_SLICE) || !strcmp(name, CGROUP_PARTITION_NAME);
}

int isolation_pool(struct path_cxt *pc, const cpuset_t *online, cpuset_t *ret)
{
	struct isolation_runtime rt;
	cpuset_t pool;
	int r;

	r = isolation_read_isolated(pc, &pool);
	if (r < 0)
		return r;
	r = isolation_runtime_read(pc, &rt);
	if (r < 0) {
		isolation_runtime_free(&rt);
		return r;
	}
	for (size_t i = 0; i < rt.nparts; i++)
		if (isolation_partition_valid(&rt.parts[i]) &&
		    isolation_partition_own(rt.parts[i].name))
			cpuset_or(&pool, &pool, &rt.parts[i].effective);
	isolation_runtime_free(&rt);
	cpuset_and(ret, &pool, online);
	return 0;
}
