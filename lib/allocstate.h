/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * allocstate: isol-alloc's state file, the grants it made and the hugepages
 * it recorded, written by isol-alloc and read by it and by isol-verify's
 * grants check:
 *
 *   {"format":"quietcore-isol-alloc","version":1,"boot_id":"...","pool":"2-7",
 *    "grants":[{"service":"nova","cpus":"2-5","explicit":"","lost":"",
 *               "uid":0,"pid":0,"starttime":0}],
 *    "hugepages":[{"service":"dpdk","node_id":0,"size_kb":2048,"count":4,"uid":0}],
 *    "cgroups":[{"service":"nova","mount":"unified","pid":4242,"cpus":"2-5",
 *                "from":"/system.slice/nova.service","dir":"/quietcore-alloc-nova",
 *                "slice":"","scope":"","enabled_cpuset":false}]}
 *
 * "cgroups" (isol-alloc serve --cgroup: what enforcing a grant made, struct
 * cgroup_task, recorded before it is made) may be absent: none.
 *
 * Read back strictly: a file that is not ours (-EMEDIUMTYPE) or damaged
 * (-EBADMSG: a CPU in two grants, a bad name, a second grant of a service)
 * is refused, with struct allocstate_err saying where. Never prints.
 */
#ifndef QC_ALLOCSTATE_H
#define QC_ALLOCSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "cpualloc.h"
#include "cpuset.h"
#include "path.h"

/* The default state file, below the root. */
#define ALLOCSTATE_PATH "/var/lib/quietcore/alloc.json"
#define ALLOCSTATE_BOOT_ID_MAX 64

/* A hugepage reservation isol-alloc recorded for a service. */
struct allocstate_hp {
	char service[CPUALLOC_NAME_MAX + 1];
	int64_t node_id;
	int64_t size_kb;
	int64_t count;
	uint32_t uid;
};

/* The cgroup a grant's process was given (isol-alloc serve --cgroup). */
struct allocstate_cg {
	char service[CPUALLOC_NAME_MAX + 1];
	struct cgroup_task t;
};

struct allocstate {
	struct cpualloc_grants grants; /* no CPU in two of them, one per service */
	struct allocstate_hp *hp;
	size_t nhp;
	size_t caphp;
	struct allocstate_cg *cg; /* at most one per service */
	size_t ncg;
	cpuset_t pool;	 /* the pool when the file was written (allocstate_parse()) */
	bool pool_known; /* false: the file had no valid "pool" */
};

/* Why a state file was refused. */
enum allocstate_bad {
	ALLOCSTATE_NOT_JSON,  /* -EBADMSG: json_err says why */
	ALLOCSTATE_FOREIGN,   /* -EMEDIUMTYPE: no "format":"quietcore-isol-alloc" */
	ALLOCSTATE_VERSION,   /* -EBADMSG: not version 1 */
	ALLOCSTATE_BOOT_ID,   /* -EBADMSG: boot_id not a string (of a boot id's length) */
	ALLOCSTATE_ARRAYS,    /* -EBADMSG: grants or hugepages not an array */
	ALLOCSTATE_GRANT,     /* -EBADMSG: grant index malformed */
	ALLOCSTATE_OVERLAP,   /* -EBADMSG: grant index (service) has a CPU of an earlier one */
	ALLOCSTATE_DUPLICATE, /* -EBADMSG: grant index (service) is a second one of a service */
	ALLOCSTATE_HUGEPAGES, /* -EBADMSG: hugepage record index malformed */
	ALLOCSTATE_NUL,	      /* -EBADMSG: a NUL byte in the file (allocstate_read()) */
	ALLOCSTATE_CGROUP, /* -EBADMSG: cgroup record index malformed, or a second of a service */
};

struct allocstate_err {
	enum allocstate_bad bad;
	size_t index;			     /* 1-based, of the grant or hugepage record */
	char service[CPUALLOC_NAME_MAX + 1]; /* ALLOCSTATE_OVERLAP, _DUPLICATE */
	int json_err; /* ALLOCSTATE_NOT_JSON: json-c's enum json_tokener_error */
};

/*
 * allocstate_parse() flags. A CPU in two grants damages the file for
 * isol-alloc; isol-verify keeps both grants to report them.
 */
#define ALLOCSTATE_KEEP_OVERLAP 0x1U

/* The refusal as text: "grant 2 (b): a CPU already in another grant". */
void allocstate_err_format(const struct allocstate_err *e, char *buf, size_t len);

/*
 * Parse a state file's text into *ret (replacing what it held: free it with
 * allocstate_free()) and its boot id into boot_id. flags: ALLOCSTATE_*.
 * 0; -EMEDIUMTYPE or -EBADMSG with *ret_err (ret, boot_id untouched); -ENOMEM.
 */
int allocstate_parse(const char *text, unsigned int flags, struct allocstate *ret, char *boot_id,
		     size_t boot_len, struct allocstate_err *ret_err);

/*
 * Read and parse the state file at path (absolute, below pc's root). -ENOENT
 * absent, a read's -errno (path_last(pc) names the file), or allocstate_parse()'s.
 */
int allocstate_read(struct path_cxt *pc, const char *path, unsigned int flags,
		    struct allocstate *ret, char *boot_id, size_t boot_len,
		    struct allocstate_err *ret_err);

/* The state as the file's text (malloc'ed, ending in a newline); NULL: ENOMEM. */
char *allocstate_format(const struct allocstate *st, const char *boot_id, const cpuset_t *pool);

/*
 * Add (or replace) service's cgroup record, or remove it. 0, -ENOMEM (st
 * unchanged); remove: -ENOENT none.
 */
int allocstate_cg_set(struct allocstate *st, const char *service, const struct cgroup_task *t);
int allocstate_cg_remove(struct allocstate *st, const char *service);
/* service's cgroup record, NULL none. */
struct allocstate_cg *allocstate_cg_find(const struct allocstate *st, const char *service);

/* A deep copy into *dst (what it held replaced). 0 or -ENOMEM (dst untouched). */
int allocstate_copy(struct allocstate *dst, const struct allocstate *src);
/* Free what st holds; st is empty after. */
void allocstate_free(struct allocstate *st);

#endif
