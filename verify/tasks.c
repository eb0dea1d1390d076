// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify: one pass over every thread in /proc.
 *
 * This is the hot path with 10,000 threads. The walk is lib/tasklist's
 * getdents64 enumeration; per thread, stat is read with openat() relative to
 * a /proc directory fd and one read(2), and on the real root the allowed CPUs
 * come from sched_getaffinity() instead of generating and parsing the status
 * file (which fake roots provide: "Cpus_allowed_list:").
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tasklist.h"
#include "pathnames.h"
#include "taskstat.h"
#include "verify.h"

void tasks_free(struct tasklist_v *tl)
{
	if (!tl)
		return;
	for (size_t i = 0; i < tl->n; i++)
		free(tl->v[i].allowed);
	free(tl->v);
	memset(tl, 0, sizeof(*tl));
}

static ssize_t read_at(int dirfd, const char *name, char *buf, size_t len)
{
	ssize_t n;
	int fd = openat_regular(dirfd, name, O_RDONLY);

	if (fd < 0)
		return fd;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* "Cpus_allowed_list:\t0-3" from a status file (fake roots). */
static int status_allowed(int procfd, const struct taskid *id, unsigned int nbits, cpuset_t *ret)
{
	char path[64], buf[8192];
	const char *p;
	char *nl;
	ssize_t n;

	snprintf(path, sizeof(path), "%d/task/%d/status", (int)id->pid, (int)id->tid);
	n = read_at(procfd, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	p = strstr(buf, "\nCpus_allowed_list:");
	if (!p)
		return -ENODATA;
	p += strlen("\nCpus_allowed_list:");
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	return cpuset_parse_list(p, nbits, ret);
}

int tasks_allowed(struct path_cxt *pc, int pid, int tid, cpuset_t *ret)
{
	struct taskid id = { .pid = pid, .tid = tid };
	int fd, r;

	if (path_is_real_root(pc)) {
		cpuset_zero(ret);
		r = sched_getaffinity(tid, sizeof(*ret), (cpu_set_t *)(void *)ret->bits);
		return r < 0 ? -errno : 0;
	}
	fd = path_open(pc, O_RDONLY | O_DIRECTORY, PATH_PROC);
	if (fd < 0)
		return fd;
	r = status_allowed(fd, &id, CPUSET_MAX, ret);
	close(fd);
	path_get(pc, PATH_PROC "/%d/task/%d/status", pid, tid);
	return r;
}

static int tasks_add(struct tasklist_v *tl, const struct vtask *t)
{
	if (tl->n == tl->cap) {
		size_t ncap = tl->cap ? tl->cap * 2 : 1024;
		struct vtask *nv = realloc(tl->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		tl->v = nv;
		tl->cap = ncap;
	}
	tl->v[tl->n++] = *t;
	return 0;
}

static bool is_rcu_offload_thread(const char *comm)
{
	return strncmp(comm, "rcuo", 4) == 0;
}

struct scan {
	struct path_cxt *pc;
	struct tasklist_v tl;
	int procfd;
	bool real;
	int exclude_tgid;
	const cpuset_t *isolated, *housekeeping;
};

/*
 * A thread whose stat (or status) exists but cannot be read or parsed: not an
 * exited thread. Counted, and the first one named, so the checks say UNKNOWN.
 */
static void tasks_unreadable(struct scan *sc, const char *relpath, int err)
{
	const char *p;

	if (sc->tl.unreadable++)
		return;
	p = path_get(sc->pc, PATH_PROC "/%s", relpath);
	snprintf(sc->tl.unreadable_path, sizeof(sc->tl.unreadable_path), "%s", p ? p : relpath);
	sc->tl.unreadable_err = err;
}

static int scan_one(const struct taskid *id, void *data)
{
	struct scan *sc = data;
	struct vtask t = { .pid = (int)id->pid, .tid = (int)id->tid };
	struct taskstat st;
	cpuset_t allowed;
	char path[64], buf[4096]; /* as taskstat_read: a stat line may pass 1 KiB */
	ssize_t n;
	int ar;

	if (id->pid == sc->exclude_tgid)
		return 0;
	sc->tl.threads_total++;
	snprintf(path, sizeof(path), "%d/task/%d/stat", (int)id->pid, (int)id->tid);
	n = read_at(sc->procfd, path, buf, sizeof(buf));
	if (n == -ENOENT || n == -ESRCH) {
		sc->tl.vanished++; /* exited since the listing */
		return 0;
	}
	if (n == 0)
		n = -ENODATA;
	else if (n == (ssize_t)sizeof(buf) - 1)
		n = -EFBIG; /* "cut" is not "parsed": the fields past 1 KiB matter */
	else if (n > 0 && (strlen(buf) != (size_t)n || taskstat_parse(buf, &st) < 0))
		n = -EINVAL;
	if (n < 0) {
		tasks_unreadable(sc, path, (int)n);
		return 0;
	}
	if (st.state == 'Z' || st.state == 'X')
		return 0;
	memcpy(t.comm, st.comm, sizeof(t.comm));
	t.state = st.state;
	t.flags = st.flags;
	t.cpu = st.processor;

	cpuset_zero(&allowed);
	if (sc->real) {
		ar = sched_getaffinity(id->tid, sizeof(allowed), (cpu_set_t *)(void *)allowed.bits);
		ar = ar < 0 ? -errno : 0;
	} else {
		ar = status_allowed(sc->procfd, id, CPUSET_MAX, &allowed);
	}
	if (ar == -ESRCH || ar == -ENOENT) {
		sc->tl.vanished++;
		return 0;
	}
	t.affinity_ok = ar == 0;
	if (!t.affinity_ok && !sc->real) {
		snprintf(path, sizeof(path), "%d/task/%d/status", (int)id->pid, (int)id->tid);
		tasks_unreadable(sc, path, ar);
	}
	if (t.affinity_ok) {
		t.allowed_isolated = cpuset_intersects(&allowed, sc->isolated);
		t.allowed_housekeeping_only = cpuset_subset(&allowed, sc->housekeeping);
		if (t.allowed_isolated || is_rcu_offload_thread(t.comm)) {
			t.allowed = cpuset_to_list(&allowed);
			if (!t.allowed)
				return -ENOMEM;
		}
	}
	if (tasks_add(&sc->tl, &t) < 0) {
		free(t.allowed);
		return -ENOMEM;
	}
	return 0;
}

int tasks_scan(struct path_cxt *pc, const cpuset_t *isolated, const cpuset_t *housekeeping,
	       int exclude_tgid, struct tasklist_v *ret)
{
	struct scan sc = {
		.pc = pc,
		.real = path_is_real_root(pc),
		.exclude_tgid = exclude_tgid,
		.isolated = isolated,
		.housekeeping = housekeeping,
	};
	struct tasklist_unreadable unr = { 0 };
	int r;

	sc.procfd = path_open(pc, O_RDONLY | O_DIRECTORY, PATH_PROC);
	if (sc.procfd < 0)
		return sc.procfd;
	r = tasklist_foreach_report(pc, scan_one, &sc, &unr);
	close(sc.procfd);
	if (r < 0) {
		tasks_free(&sc.tl);
		return r;
	}
	if (unr.n) { /* their threads were never seen: as many unreadable tasks at least */
		char rel[32];

		snprintf(rel, sizeof(rel), "%d/task", (int)unr.first_pid);
		tasks_unreadable(&sc, rel, unr.first_err);
		sc.tl.unreadable += unr.n - 1;
		sc.tl.threads_total += unr.n;
	}
	*ret = sc.tl;
	return 0;
}
