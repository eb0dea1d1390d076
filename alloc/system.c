// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-alloc: what the daemon reads of the machine, all of it below --root
 * through lib/path: hugepages per node, a PCI device's locality,
 * a process's identity.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "pathnames.h"
#include "taskstat.h"

void alloc_hugepages_free(struct alloc_hp_node *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].sizes);
	free(v);
}

static int cmp_size(const void *a, const void *b)
{
	const struct alloc_hp_size *x = a, *y = b;

	return x->size_kb < y->size_kb ? -1 : x->size_kb > y->size_kb;
}

/* "hugepages-2048kB" -> 2048; false for anything else. */
static bool hp_dirname(const char *name, int64_t *ret)
{
	const char *p = name + strlen("hugepages-");
	char num[24];
	size_t n;

	if (strncmp(name, "hugepages-", strlen("hugepages-")))
		return false;
	n = strspn(p, "0123456789");
	if (n == 0 || n >= sizeof(num) || strcmp(p + n, "kB"))
		return false;
	memcpy(num, p, n);
	num[n] = '\0';
	return parse_s64(num, ret) == 0 && *ret > 0;
}

static int read_node_hugepages(struct path_cxt *pc, struct alloc_hp_node *node)
{
	struct dirent *d;
	size_t cap = 0;
	int r = 0;
	DIR *dir;

	dir = path_opendir(pc, PATH_SYS_NODE "/node%lld/hugepages", (long long)node->id);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	node->has_dir = true;
	while ((errno = 0, d = readdir(dir))) {
		struct alloc_hp_size s = { 0 };
		uint64_t v;

		if (!hp_dirname(d->d_name, &s.size_kb))
			continue;
		r = path_read_u64(pc, &v, PATH_SYS_NODE "/node%lld/hugepages/%s/nr_hugepages",
				  (long long)node->id, d->d_name);
		if (r == -ENOENT) {
			r = 0;
			continue; /* not a pool of pages */
		}
		if (r < 0 || v > INT64_MAX)
			goto out;
		s.total = (int64_t)v;
		r = path_read_u64(pc, &v, PATH_SYS_NODE "/node%lld/hugepages/%s/free_hugepages",
				  (long long)node->id, d->d_name);
		if (r < 0 && r != -ENOENT)
			goto out;
		s.free = r == 0 && v <= INT64_MAX ? (int64_t)v : 0;
		r = 0;
		if (node->nsizes == cap) {
			struct alloc_hp_size *nv;

			cap = cap ? cap * 2 : 4;
			nv = realloc(node->sizes, cap * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				goto out;
			}
			node->sizes = nv;
		}
		node->sizes[node->nsizes++] = s;
	}
	if (errno)
		r = -errno;
	if (node->nsizes > 1)
		qsort(node->sizes, node->nsizes, sizeof(*node->sizes), cmp_size);
out:
	closedir(dir);
	return r;
}

int alloc_read_hugepages(struct path_cxt *pc, struct alloc_hp_node **ret, size_t *ret_n)
{
	struct topo_numa_node *nodes = NULL;
	struct alloc_hp_node *v;
	size_t n = 0;
	int r;

	r = topology_read_numa_nodes(pc, &nodes, &n);
	if (r < 0)
		return r;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		free(nodes);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		v[i].id = nodes[i].id;
		r = read_node_hugepages(pc, &v[i]);
	}
	free(nodes);
	if (r < 0) {
		alloc_hugepages_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int alloc_read_pci(struct path_cxt *pc, const struct topology *topo, const char *addr,
		   cpuset_t *ret_cpus, int *ret_node)
{
	int32_t node = -1;
	cpuset_t cpus;
	int r;

	if (!path_exists(pc, PATH_SYS_PCI_DEVICES "/%s", addr))
		return -ENOENT;
	r = path_read_s32(pc, &node, PATH_SYS_PCI_DEVICES "/%s/numa_node", addr);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r < 0 || node < -1)
		node = -1;
	cpuset_zero(ret_cpus);
	r = path_read_cpulist(pc, 0, &cpus, PATH_SYS_PCI_DEVICES "/%s/local_cpulist", addr);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0)
		cpuset_and(ret_cpus, &cpus, &topo->online);
	if (cpuset_empty(ret_cpus) && node >= 0)
		for (size_t i = 0; i < topo->nodes.n; i++)
			if (topo->nodes.v[i].id == node)
				*ret_cpus = topo->nodes.v[i].cpus;
	/* a device local to every CPU says nothing */
	if (cpuset_equal(ret_cpus, &topo->online))
		cpuset_zero(ret_cpus);
	*ret_node = node;
	return 0;
}

int alloc_read_process(struct path_cxt *pc, pid_t pid, uint64_t *ret_starttime, uid_t *ret_uid)
{
	struct taskstat ts;
	struct stat st;
	int fd, r;

	r = taskstat_read(pc, pid, 0, &ts);
	if (r < 0)
		return r;
	fd = path_open(pc, O_RDONLY | O_DIRECTORY | O_CLOEXEC, PATH_PROC "/%d", (int)pid);
	if (fd < 0)
		return fd == -ENOENT ? -ESRCH : fd;
	r = fstat(fd, &st) < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	*ret_starttime = ts.starttime;
	*ret_uid = st.st_uid;
	return 0;
}
