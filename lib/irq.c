// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * irq: reading and writing IRQ affinities.
 */
#include "irq.h"
#include "pathnames.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

int irq_list(struct path_cxt *pc, unsigned int **ret, size_t *ret_n)
{
	unsigned int *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dir;

	dir = path_opendir(pc, PATH_PROC_IRQ);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		uint32_t irq;

		if (d->d_name[0] < '0' || d->d_name[0] > '9' || parse_u32(d->d_name, &irq) < 0)
			continue;
		if (d->d_name[0] == '0' && d->d_name[1]) /* "01": not a kernel name */
			continue;
		if (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			unsigned int *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv) {
				free(v);
				closedir(dir);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		v[n++] = irq;
	}
	closedir(dir);
	if (n)
		qsort(v, n, sizeof(*v), cmp_uint);
	*ret = v;
	*ret_n = n;
	return 0;
}

static int read_list_or_mask(struct path_cxt *pc, unsigned int irq, const char *base, cpuset_t *ret)
{
	int r = path_read_cpulist(pc, 0, ret, PATH_PROC_IRQ "/%u/%s_list", irq, base);

	if (r != -ENOENT)
		return r;
	r = path_read_cpumask(pc, ret, PATH_PROC_IRQ "/%u/%s", irq, base);
	if (r == -ENOENT && !path_exists(pc, PATH_PROC_IRQ "/%u", irq))
		return -ENOENT;
	return r;
}

int irq_read_affinity(struct path_cxt *pc, unsigned int irq, cpuset_t *ret)
{
	return read_list_or_mask(pc, irq, "smp_affinity", ret);
}

int irq_read_effective_affinity(struct path_cxt *pc, unsigned int irq, cpuset_t *ret)
{
	return read_list_or_mask(pc, irq, "effective_affinity", ret);
}

int irq_read_node(struct path_cxt *pc, unsigned int irq, int *ret)
{
	int32_t node;
	int r = path_read_s32(pc, &node, PATH_PROC_IRQ "/%u/node", irq);

	if (r == -ENOENT || r == -ENODATA) {
		*ret = -1;
		return 0;
	}
	if (r < 0)
		return r;
	*ret = node < 0 ? -1 : node;
	return 0;
}

int irq_read_default_affinity(struct path_cxt *pc, cpuset_t *ret)
{
	return path_read_cpumask(pc, ret, PATH_PROC_IRQ_DEFAULT_AFFINITY);
}

int irq_write_affinity(struct qc_ops *ops, unsigned int irq, const cpuset_t *set)
{
	char path[64], *s;
	int r;

	if (cpuset_empty(set))
		return -EINVAL;
	snprintf(path, sizeof(path), PATH_PROC_IRQ "/%u/smp_affinity_list", irq);
	s = cpuset_to_list(set);
	if (!s)
		return -ENOMEM;
	r = ops->file_write(ops, path, s);
	free(s);
	if (r != -ENOENT)
		return r;
	/* Only the mask file (very old kernels, captured trees): write a mask. */
	snprintf(path, sizeof(path), PATH_PROC_IRQ "/%u/smp_affinity", irq);
	s = cpuset_to_mask(set, 0);
	if (!s)
		return -ENOMEM;
	r = ops->file_write(ops, path, s);
	free(s);
	return r;
}

int irq_write_default_affinity(struct qc_ops *ops, const cpuset_t *set, unsigned int nbits)
{
	char *s;
	int r;

	if (cpuset_empty(set))
		return -EINVAL;
	s = cpuset_to_mask(set, nbits);
	if (!s)
		return -ENOMEM;
	r = ops->file_write(ops, PATH_PROC_IRQ_DEFAULT_AFFINITY, s);
	free(s);
	return r;
}

enum irq_err_class irq_errno_class(int err)
{
	switch (err) {
	case 0:
		return IRQ_ERR_NONE;
	case -EIO:
	case -EPERM:
		return IRQ_ERR_IMMOVABLE;
	case -ENOSPC:
	case -EINVAL:
		return IRQ_ERR_RETRY;
	case -ENOENT:
		return IRQ_ERR_GONE;
	default:
		return IRQ_ERR_FAILED;
	}
}

const char *irq_err_class_str(enum irq_err_class c)
{
	switch (c) {
	case IRQ_ERR_NONE:
		return "ok";
	case IRQ_ERR_IMMOVABLE:
		return "immovable";
	case IRQ_ERR_RETRY:
		return "retry";
	case IRQ_ERR_GONE:
		return "gone";
	case IRQ_ERR_FAILED:
		break;
	}
	return "failed";
}
