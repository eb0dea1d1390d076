// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * early-pin: --save and --restore.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "early-pin.h"
#include "pathnames.h"
#include "irq.h"
#include "isolation.h"
#include "tasklist.h"
#include "taskstat.h"

int ep_boot_id(struct earlypin *ep, char *buf, size_t len)
{
	int r = isolation_boot_id(&ep->pc, buf, len);

	if (r < 0)
		snprintf(buf, len, "unknown");
	return r;
}

uint64_t ep_boottime_ticks(void)
{
	struct timespec ts;
	long hz = sysconf(_SC_CLK_TCK);

	if (hz <= 0)
		hz = 100;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * (uint64_t)hz +
	       (uint64_t)ts.tv_nsec / (1000000000ULL / (uint64_t)hz);
}

static void tick_wait_past(uint64_t tick)
{
	const struct timespec ms = { .tv_sec = 0, .tv_nsec = 1000000 };

	while (ep_boottime_ticks() <= tick)
		nanosleep(&ms, NULL);
}

/*
 * A process's start time in /proc/<pid>/stat has clock-tick resolution
 * (USER_HZ, 10 ms), and the restore tells the tasks that were there when the
 * scan ran (start <= saved_at) from the ones started since. Both ends of
 * that line must be exact, or a task lands on the wrong side of it:
 *
 * - ep_state_mark(), before the scan: the tick it returns has ended, so
 *   everything started in it or before was there for the scan to see. Taken
 *   after the scan instead, children forked during the pass in the same tick
 *   (a 6.12 guest saw six of a forking parent) looked as if they had been
 *   there before, and kept the sequestered mask after --restore.
 * - ep_state_seal(), before --save returns: the tick has moved past saved_at,
 *   so a process the caller starts next, or a reused PID, does not look like
 *   one that was there before the save.
 */
uint64_t ep_state_mark(void)
{
	uint64_t t = ep_boottime_ticks();

	tick_wait_past(t);
	return t;
}

void ep_state_seal(const struct statefile *sf)
{
	tick_wait_past(sf->saved_at);
}

/*
 * The root a state belongs to, absolute and resolved: "--root r1" from one
 * directory and "--root /abs/r1" (or "--root ./r1/") name the same machine.
 */
static int root_name(const struct earlypin *ep, char *buf, size_t len)
{
	char abs[PATH_MAX];

	if (path_is_real_root(&ep->pc)) {
		snprintf(buf, len, "/");
		return 0;
	}
	if (!realpath(ep->pc.root, abs))
		return -errno;
	if ((size_t)snprintf(buf, len, "%s", abs) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int ep_state_init(struct earlypin *ep, struct statefile *sf, uint64_t saved_at)
{
	int r;

	memset(sf, 0, sizeof(*sf));
	ep_boot_id(ep, sf->boot_id, sizeof(sf->boot_id));
	r = root_name(ep, sf->root, sizeof(sf->root));
	if (r < 0)
		return r;
	sf->nbits = ep->nbits;
	sf->saved_at = saved_at;
	if (cpuset_format_list(&ep->hk, sf->housekeeping, sizeof(sf->housekeeping)) >=
	    sizeof(sf->housekeeping))
		return -E2BIG;
	return 0;
}

/* ---- a small map (tid, process start time) -> record ------------------------- */

struct taskkeys {
	uint64_t *key; /* 0 = empty slot */
	size_t *idx;
	size_t cap; /* power of two */
};

static uint64_t task_key(pid_t tid, uint64_t start)
{
	return ((uint64_t)(uint32_t)tid << 40 ^ start) | 1; /* never 0 */
}

/* splitmix64's finalizer: every key bit reaches the slot bits. */
static size_t key_slot(uint64_t key, size_t cap)
{
	key ^= key >> 30;
	key *= 0xbf58476d1ce4e5b9ULL;
	key ^= key >> 27;
	key *= 0x94d049bb133111ebULL;
	key ^= key >> 31;
	return (size_t)key & (cap - 1);
}

static void taskkeys_free(struct taskkeys *tk)
{
	free(tk->key);
	free(tk->idx);
	memset(tk, 0, sizeof(*tk));
}

static int taskkeys_build(struct taskkeys *tk, const struct statefile *sf)
{
	size_t cap = 64;

	while (cap < sf->n * 2)
		cap *= 2;
	tk->key = calloc(cap, sizeof(*tk->key));
	tk->idx = calloc(cap, sizeof(*tk->idx));
	if (!tk->key || !tk->idx) {
		taskkeys_free(tk);
		return -ENOMEM;
	}
	tk->cap = cap;
	for (size_t i = 0; i < sf->n; i++) {
		uint64_t key;
		size_t s;

		if (sf->v[i].kind != SF_TASK)
			continue;
		key = task_key(sf->v[i].tid, sf->v[i].starttime);
		for (s = key_slot(key, cap); tk->key[s] && tk->key[s] != key;
		     s = (s + 1) & (cap - 1))
			;
		tk->key[s] = key;
		tk->idx[s] = i;
	}
	return 0;
}

/* The record of (tid, start), or NULL. Keys can collide: the record is checked. */
static const struct statefile_rec *
taskkeys_find(const struct taskkeys *tk, const struct statefile *sf, pid_t tid, uint64_t start)
{
	uint64_t key = task_key(tid, start);

	for (size_t s = key_slot(key, tk->cap); tk->key[s]; s = (s + 1) & (tk->cap - 1)) {
		const struct statefile_rec *rec = &sf->v[tk->idx[s]];

		if (tk->key[s] == key && rec->tid == tid && rec->starttime == start)
			return rec;
	}
	return NULL;
}

static bool state_has(const struct statefile *sf, const struct ep_change *ch)
{
	for (size_t i = 0; i < sf->n; i++) {
		const struct statefile_rec *rec = &sf->v[i];

		if (rec->kind != ch->kind)
			continue;
		if (rec->kind == SF_IRQ_DEFAULT || (rec->kind == SF_IRQ && rec->irq == ch->irq) ||
		    (rec->name && ch->name && rec->policy == ch->policy &&
		     strcmp(rec->name, ch->name) == 0))
			return true;
	}
	return false;
}

int ep_state_record(struct statefile *sf, const struct ep_changes *changes)
{
	struct taskkeys tk = { 0 };
	bool check = sf->n > 0;
	int added = 0, r = 0;

	if (check && (r = taskkeys_build(&tk, sf)) < 0)
		return r;
	for (size_t i = 0; i < changes->n; i++) {
		const struct ep_change *ch = &changes->v[i];
		struct statefile_rec rec = {
			.kind = ch->kind,
			.pid = ch->pid,
			.tid = ch->tid,
			.starttime = ch->starttime,
			.irq = ch->irq,
			.policy = ch->policy,
			.name = ch->name,
			.value = ch->old,
		};

		if (check &&
		    (ch->kind == SF_TASK ? taskkeys_find(&tk, sf, ch->tid, ch->starttime) != NULL :
					   state_has(sf, ch)))
			continue;
		r = statefile_add(sf, &rec);
		if (r < 0)
			break;
		added++;
	}
	taskkeys_free(&tk);
	return r < 0 ? r : added;
}

char *ep_state_path(struct earlypin *ep, const char *arg, bool create_dir)
{
	const char *dir;
	char *p;

	if (strchr(arg, '/'))
		return strdup(arg);
	dir = path_get(&ep->pc, EP_STATE_DIR);
	if (!dir)
		return NULL;
	if (create_dir) {
		char parent[PATH_MAX];

		snprintf(parent, sizeof(parent), "%s/run", ep->pc.root);
		mkdir(parent, 0755);
		/*
		 * 0755: the directory also holds immovable-irqs, which isol-verify
		 * reads without root; the state files themselves are 0600.
		 */
		mkdir(dir, 0755);
	}
	if (asprintf(&p, "%s/%s", dir, arg) < 0)
		return NULL;
	return p;
}

/*
 * <root>/run/quietcore/active names the state of the sequestering in force.
 * A second --save on top of it would record sequestered masks as originals,
 * and restoring the two in the wrong order would lose the real ones.
 */
/* The state named by <root>/run/quietcore/active, read only if it is to be trusted. */
static ssize_t active_read(struct earlypin *ep, char *buf, size_t len)
{
	const char *p = path_get(&ep->pc, "%s/active", EP_STATE_DIR), *why = NULL;
	ssize_t n;
	int fd;

	if (!p)
		return -ENAMETOOLONG;
	fd = path_open_trusted(p, &why);
	if (fd == -EPERM)
		ep_log(ep, LOG_WARNING, "%s: %s, not trusted", p, why);
	if (fd < 0)
		return fd;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return (ssize_t)strlen(buf);
}

int ep_state_claim(struct earlypin *ep, const char *file, bool force)
{
	char *marker = ep_state_path(ep, "active", true), *tmp = NULL, cur[PATH_MAX];
	const char *why = "?";
	char abs[PATH_MAX];
	ssize_t n;
	int r = 0;

	if (!marker)
		return -ENOMEM;
	if (!realpath(file, abs)) {
		r = -errno;
		goto out;
	}
	n = force ? 0 : active_read(ep, cur, sizeof(cur));
	if (n == -EPERM) {
		r = -EACCES; /* logged */
		goto out;
	}
	if (n > 0 && strcmp(cur, abs) != 0 && access(cur, F_OK) == 0) {
		ep_log(ep, LOG_ERR,
		       "another sequestering is in force (state %s): restore it first, or use --force",
		       cur);
		r = -EBUSY;
		goto out;
	}
	/* --force too: the marker is written only where it will be believed */
	r = path_open_dir_trusted(marker, &why);
	if (r == -EPERM) {
		ep_log(ep, LOG_ERR, "cannot record the active state in %s: %s", marker, why);
		r = -EACCES; /* logged */
		goto out;
	}
	if (r < 0)
		goto out;
	close(r);
	r = 0;
	if (asprintf(&tmp, "%s.tmp", marker) < 0) {
		tmp = NULL;
		r = -ENOMEM;
		goto out;
	}
	{
		FILE *f = fopen(tmp, "we");

		if (!f) {
			r = -errno;
			goto out;
		}
		fprintf(f, "%s\n", abs);
		if (fclose(f) != 0 || rename(tmp, marker) < 0)
			r = -errno;
	}
out:
	if (r < 0 && r != -EBUSY && r != -EACCES)
		ep_log(ep, LOG_ERR, "cannot record the active state in %s: %s",
		       marker ? marker : EP_STATE_DIR, strerror(-r));
	free(tmp);
	free(marker);
	return r;
}

/* After a complete restore of file: the sequestering is over. */
void ep_state_release(struct earlypin *ep, const char *file)
{
	char cur[PATH_MAX], abs[PATH_MAX];

	if (!realpath(file, abs))
		return;
	if (active_read(ep, cur, sizeof(cur)) > 0 && strcmp(cur, abs) == 0) {
		const char *p = path_get(&ep->pc, "%s/active", EP_STATE_DIR);

		if (p)
			unlink(p);
	}
}

int ep_state_load(struct earlypin *ep, const char *file, struct statefile *sf)
{
	char boot_id[64], root[PATH_MAX];
	const char *why = "?";
	unsigned int line = 0;
	struct path_cxt host = { 0 }; /* the real root: file already holds --root */
	int r = statefile_read(&host, file, sf, &line, &why);

	switch (r) {
	case 0:
		break;
	case -EPERM:
		ep_log(ep, LOG_ERR,
		       "%s: %s, refusing to restore: whoever can write it could make root write anything",
		       file, why);
		return r;
	case -EMEDIUMTYPE:
		ep_log(ep, LOG_ERR, "%s: not an early-pin state file, refusing to restore", file);
		return r;
	case -EPROTONOSUPPORT:
		ep_log(ep, LOG_ERR,
		       "%s: unsupported state file version %u, saved by %s early-pin (this one reads version %d), refusing to restore",
		       file, line, line < STATEFILE_VERSION ? "an older" : "a newer",
		       STATEFILE_VERSION);
		return r;
	case -EBADMSG:
		if (line)
			ep_log(ep, LOG_ERR, "%s: corrupt state file (line %u), refusing to restore",
			       file, line);
		else
			ep_log(ep, LOG_ERR,
			       "%s: corrupt state file (checksum mismatch), refusing to restore",
			       file);
		return r;
	default:
		ep_log(ep, LOG_ERR, "cannot read state file: %s: %s", file, strerror(-r));
		return r;
	}
	ep_boot_id(ep, boot_id, sizeof(boot_id));
	if (strcmp(boot_id, sf->boot_id) != 0) {
		ep_log(ep, LOG_ERR,
		       "%s: saved in another boot (boot_id %s, now %s), refusing to restore: the tasks and IRQs it names are gone",
		       file, sf->boot_id, boot_id);
		statefile_free(sf);
		return -ESTALE;
	}
	r = root_name(ep, root, sizeof(root));
	if (r < 0 || strcmp(sf->root, root) != 0) {
		ep_log(ep, LOG_ERR, "%s: saved for root %s, not %s, refusing to restore", file,
		       sf->root, r < 0 ? ep->pc.root : root);
		statefile_free(sf);
		return -EXDEV;
	}
	return 0;
}

int ep_state_save(struct earlypin *ep, const struct statefile *sf, const char *file, bool replace)
{
	struct path_cxt host = { 0 }; /* the real root: file already holds --root */
	const char *why = "?";
	int r = path_open_dir_trusted(file, &why);

	if (r == -EPERM) {
		ep_log(ep, LOG_ERR,
		       "cannot write state file: %s: %s, and --restore would not trust it", file,
		       why);
		return r;
	}
	if (r >= 0) {
		close(r);
		r = statefile_write(&host, sf, file, replace);
	}
	if (r == -EEXIST)
		ep_log(ep, LOG_ERR,
		       "state file %s exists: restore it (or remove it, or use --force) first",
		       file);
	else if (r < 0)
		ep_log(ep, LOG_ERR, "cannot write state file: %s: %s", file, strerror(-r));
	return r;
}

int ep_read_irq_affinity(struct earlypin *ep, unsigned int irq, cpuset_t *ret)
{
	char raw[CPUSET_MAX / 4 + CPUSET_MAX / 32 + 16];
	ssize_t n;

	n = path_read_buf_beneath(&ep->pc, raw, sizeof(raw), PATH_PROC_IRQ "/%u/smp_affinity_list",
				  irq);
	if (n >= 0)
		return strlen(raw) != (size_t)n ? -EINVAL : cpuset_parse_list(raw, 0, ret);
	if (n != -ENOENT)
		return (int)n;
	/* only the mask file (very old kernels, captured trees) */
	n = path_read_buf_beneath(&ep->pc, raw, sizeof(raw), PATH_PROC_IRQ "/%u/smp_affinity", irq);
	if (n >= 0)
		return strlen(raw) != (size_t)n ? -EINVAL : cpuset_parse_mask(raw, ret);
	return (int)n;
}

/* ---- restore --------------------------------------------------------------- */

struct restore_stats {
	unsigned int tasks, exited, reused, irqs, files, unchanged, failed, inherited;
};

/* What restore knows about the process of the records it is working through. */
struct proc_check {
	pid_t pid;
	int state; /* 0 same process, -ESRCH gone, -EEXIST pid reused, <0 error */
	struct taskstat st;
	struct tasklist threads; /* sorted by tid */
};

static int cmp_tid(const void *a, const void *b)
{
	const struct taskid *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

static int collect_thread(const struct taskid *id, void *data)
{
	struct tasklist *tl = data;

	if (tl->n == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 64;
		struct taskid *v = realloc(tl->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		tl->v = v;
		tl->cap = cap;
	}
	tl->v[tl->n++] = *id;
	return 0;
}

/*
 * Is pid still the process that was saved (same start time), and which
 * threads does it have? One stat read and one directory listing per process.
 */
static void proc_check_load(struct earlypin *ep, struct proc_check *pc, pid_t pid, uint64_t start)
{
	int r;

	pc->pid = pid;
	pc->threads.n = 0;
	r = taskstat_read(&ep->pc, pid, 0, &pc->st);
	if (r == -ENOENT)
		r = -ESRCH;
	if (r == 0 && pc->st.starttime != start)
		r = -EEXIST;
	if (r == 0) {
		r = tasklist_foreach_thread(&ep->pc, pid, collect_thread, &pc->threads);
		if (r == 0 && pc->threads.n > 1)
			qsort(pc->threads.v, pc->threads.n, sizeof(*pc->threads.v), cmp_tid);
	}
	pc->state = r;
}

static unsigned int restore_task(struct earlypin *ep, const struct statefile_rec *rec,
				 struct proc_check *pc, struct restore_stats *rs)
{
	struct taskid key = { .pid = rec->pid, .tid = rec->tid };
	struct taskstat st;
	cpuset_t set;
	int r;

	if (pc->pid != rec->pid)
		proc_check_load(ep, pc, rec->pid, rec->starttime);
	else if (pc->state == 0 && pc->st.starttime != rec->starttime)
		proc_check_load(ep, pc, rec->pid, rec->starttime);
	if (pc->state == -ESRCH) {
		rs->exited++;
		return 0;
	}
	if (pc->state == -EEXIST) {
		/* The pid was reused: never hand the old mask to a new task. */
		rs->reused++;
		if (ep->verbose)
			printf("task %d/%d: process started at %llu, saved %llu: a new process, skipped\n",
			       (int)rec->pid, (int)rec->tid, (unsigned long long)pc->st.starttime,
			       (unsigned long long)rec->starttime);
		return 0;
	}
	if (pc->state < 0) {
		ep_log(ep, LOG_WARNING, "cannot check process %d: %s, not restoring it",
		       (int)rec->pid, strerror(-pc->state));
		rs->failed++;
		return 1;
	}
	/* bsearch() wants a valid array even for zero elements (glibc: nonnull). */
	if (!pc->threads.n || !bsearch(&key, pc->threads.v, pc->threads.n, sizeof(key), cmp_tid)) {
		rs->exited++; /* the thread ended; its tid may belong to someone else now */
		return 0;
	}
	if (cpuset_parse_list(rec->value, 0, &set) < 0)
		return 1;
	r = ep->ops.task_set_affinity(&ep->ops, rec->pid, rec->tid, &set);
	if (r == -ESRCH) {
		rs->exited++;
		return 0;
	}
	if (r == -EINVAL && taskstat_read(&ep->pc, rec->pid, rec->tid, &st) == 0 &&
	    taskstat_is_percpu(&st)) {
		rs->unchanged++; /* per-CPU: it was never moved */
		return 0;
	}
	if (r < 0) {
		ep_log(ep, LOG_WARNING, "cannot restore task %d/%d (%s) to %s: %s", (int)rec->pid,
		       (int)rec->tid, pc->st.comm, rec->value, strerror(-r));
		rs->failed++;
		return 1;
	}
	rs->tasks++;
	if (ep->verbose)
		printf("task %d/%d: restored %s\n", (int)rec->pid, (int)rec->tid, rec->value);
	return 0;
}

static unsigned int restore_irq(struct earlypin *ep, const struct statefile_rec *rec,
				struct restore_stats *rs)
{
	cpuset_t want, cur;
	int r;

	if (cpuset_parse_list(rec->value, 0, &want) < 0)
		return 1;
	r = ep_read_irq_affinity(ep, rec->irq, &cur);
	if (r == -ENOENT) {
		rs->exited++;
		return 0;
	}
	if (r == 0 && cpuset_equal(&cur, &want)) {
		rs->unchanged++;
		return 0;
	}
	r = irq_write_affinity(&ep->ops, rec->irq, &want);
	if (r < 0) {
		if (irq_errno_class(r) == IRQ_ERR_IMMOVABLE) {
			rs->unchanged++; /* it never moved either */
			return 0;
		}
		ep_log(ep, LOG_WARNING, "cannot restore IRQ %u to %s: %s: %s", rec->irq, rec->value,
		       path_last(&ep->pc), path_strerror(r));
		rs->failed++;
		return 1;
	}
	rs->irqs++;
	if (ep->verbose)
		printf("irq %u: restored %s\n", rec->irq, rec->value);
	return 0;
}

static unsigned int restore_file(struct earlypin *ep, const struct statefile_rec *rec,
				 struct restore_stats *rs)
{
	char cur[CPUSET_MAX / 4 + CPUSET_MAX / 32 + 16], path[PATH_MAX];
	bool mask = rec->kind == SF_WQ || rec->kind == SF_IRQ_DEFAULT;
	ssize_t n;
	int r = statefile_rec_path(rec, path, sizeof(path));

	if (r < 0) /* not reached: the reader checked the record */
		return 1;
	n = path_read_buf_beneath(&ep->pc, cur, sizeof(cur), "%s", path);
	if (n >= 0) {
		cpuset_t a, b;

		if (strcmp(cur, rec->value) == 0 ||
		    (mask && cpuset_parse_mask(cur, &a) == 0 &&
		     cpuset_parse_mask(rec->value, &b) == 0 && cpuset_equal(&a, &b))) {
			rs->unchanged++;
			return 0;
		}
	}
	r = ep->ops.file_write(&ep->ops, path, rec->value);
	if (r < 0) {
		ep_log(ep, LOG_WARNING, "cannot restore '%s' to %s%s: %s", rec->value, ep->pc.root,
		       path, path_strerror(r));
		rs->failed++;
		return 1;
	}
	rs->files++;
	if (ep->verbose)
		printf("%s: restored %s\n", path, rec->value);
	return 0;
}

/*
 * Tasks started after the save inherited the narrowed mask of a sequestered
 * parent; left alone they would keep it for good, and the host would not be
 * back as it was. A task that is not in the state, started after saved_at,
 * and still has exactly narrow(original of its nearest recorded ancestor)
 * gets that original. Anything else was set on purpose and is left alone.
 */
struct repair {
	struct earlypin *ep;
	const struct statefile *sf;
	struct taskkeys tk;
	cpuset_t hk;
	struct restore_stats *rs;
	pid_t pid; /* process stat cache */
	int err;
	struct taskstat st;
};

/* The original mask of the recorded process (pid, start), or NULL. */
static const char *recorded_leader(struct repair *rp, pid_t pid, uint64_t start)
{
	const struct statefile_rec *rec = taskkeys_find(&rp->tk, rp->sf, pid, start);

	return rec && rec->pid == pid ? rec->value : NULL;
}

static int repair_task(const struct taskid *id, void *data)
{
	struct repair *rp = data;
	struct earlypin *ep = rp->ep;
	const char *orig = NULL;
	struct taskstat tst;
	cpuset_t cur, want, narrowed;
	uint64_t start;

	/* One stat read per process; recorded tasks cost a lookup, no syscall. */
	if (rp->pid != id->pid) {
		rp->pid = id->pid;
		rp->err = taskstat_read(&ep->pc, id->pid, 0, &rp->st);
	}
	if (rp->err < 0 || taskstat_is_percpu(&rp->st) ||
	    taskkeys_find(&rp->tk, rp->sf, id->tid, rp->st.starttime))
		return 0; /* gone, per-CPU, or restored from its own record */
	if (ep->ops.task_get_affinity(&ep->ops, id->pid, id->tid, &cur) < 0 ||
	    !cpuset_subset(&cur, &rp->hk))
		return 0; /* sequestered masks are within the housekeeping set */
	if (id->tid == id->pid) {
		start = rp->st.starttime;
	} else {
		if (taskstat_read(&ep->pc, id->pid, id->tid, &tst) < 0)
			return 0;
		start = tst.starttime;
	}
	if (start <= rp->sf->saved_at)
		return 0; /* there before the save, and not moved by it */
	/* a new thread of a recorded process inherited from it */
	if (id->tid != id->pid)
		orig = recorded_leader(rp, id->pid, rp->st.starttime);
	if (!orig && (id->tid == id->pid || rp->st.starttime > rp->sf->saved_at)) {
		/* a new process: its nearest recorded ancestor */
		pid_t p = rp->st.ppid;

		for (int depth = 0; !orig && p > 0 && depth < 64; depth++) {
			struct taskstat pst;

			if (taskstat_read(&ep->pc, p, 0, &pst) < 0)
				break;
			orig = recorded_leader(rp, p, pst.starttime);
			if (orig || pst.starttime <= rp->sf->saved_at)
				break;
			p = pst.ppid; /* a parent that is new too: look further up */
		}
	}
	if (!orig || cpuset_parse_list(orig, 0, &want) < 0)
		return 0;
	cpuset_and(&narrowed, &want, &rp->hk);
	if (cpuset_empty(&narrowed))
		narrowed = rp->hk;
	if (!cpuset_equal(&cur, &narrowed) || cpuset_equal(&cur, &want))
		return 0;
	if (ep->ops.task_set_affinity(&ep->ops, id->pid, id->tid, &want) == 0) {
		rp->rs->inherited++;
		if (ep->verbose)
			printf("task %d/%d: started after the save with the sequestered mask: given %s\n",
			       (int)id->pid, (int)id->tid, orig);
	}
	return 0;
}

static void repair_inherited(struct earlypin *ep, const struct statefile *sf,
			     struct restore_stats *rs)
{
	struct repair rp = { .ep = ep, .sf = sf, .rs = rs };

	if (cpuset_parse_list(sf->housekeeping, 0, &rp.hk) < 0 || taskkeys_build(&rp.tk, sf) < 0)
		return;
	tasklist_foreach(&ep->pc, repair_task, &rp);
	taskkeys_free(&rp.tk);
}

unsigned int ep_restore(struct earlypin *ep, const struct statefile *sf)
{
	struct restore_stats rs = { 0 };
	struct proc_check pc = { .pid = 0 };
	unsigned int failed;

	/*
	 * The partition first: its end re-affines every task outside it, and
	 * only then do the recorded masks go back.
	 */
	failed = ep_partition_undo(ep, sf);
	/* Undo in reverse order: min frequency before max, and so on. */
	for (size_t i = sf->n; i-- > 0;) {
		const struct statefile_rec *rec = &sf->v[i];

		switch (rec->kind) {
		case SF_TASK:
			failed += restore_task(ep, rec, &pc, &rs);
			break;
		case SF_IRQ:
			failed += restore_irq(ep, rec, &rs);
			break;
		case SF_IRQ_DEFAULT:
		case SF_WQ:
		case SF_CPUFREQ:
		case SF_TURBO:
			failed += restore_file(ep, rec, &rs);
			break;
		case SF_CGROUP_CPUSET:
		case SF_CGROUP_DIR:
		case SF_CGROUP_CPUS:
		case SF_CGROUP_PARTITION:
		case SF_UNIT:
			break; /* undone first, by ep_partition_undo */
		}
	}
	tasklist_free(&pc.threads);
	repair_inherited(ep, sf, &rs);
	if (!ep->quiet)
		printf("early-pin: restored tasks=%u irqs=%u files=%u unchanged=%u exited=%u pid-reused=%u inherited=%u failed=%u\n",
		       rs.tasks, rs.irqs, rs.files, rs.unchanged, rs.exited, rs.reused,
		       rs.inherited, rs.failed);
	return failed;
}
