// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * early-pin: keep the isolated CPUs quiet from the first moment of boot, or
 * for the length of a benchmark run with an exact restore afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "early-pin.h"
#include "irqrecord.h"
#include "pathnames.h"
#include "isolation.h"

#define PROG EP_PROG

static const char *const skip_names[] = { "irq", "tasks", "wq", "freq" };

static void __attribute__((noreturn)) usage(void)
{
	printf("Usage:\n"
	       " " PROG " [options]\n"
	       " " PROG " --save STATE [options]\n"
	       " " PROG " --restore STATE [--root DIR]\n"
	       " " PROG " run [--cpus LIST] [options] -- COMMAND [ARG...]\n"
	       " " PROG " --save STATE --partition [--cpus LIST] [options]\n"
	       " " PROG " run --partition [--cpus LIST] [options] -- COMMAND [ARG...]\n"
	       "\n"
	       "Move IRQs, tasks and unbound workqueues off the isolated CPUs and lock CPU\n"
	       "frequency: in the initramfs, or for a benchmark run with an exact restore.\n"
	       "\n"
	       "Options:\n"
	       " -H, --housekeeping LIST  the housekeeping CPUs (default: rd.earlypin.cpus=,\n"
	       "                            irqaffinity=, isolcpus=/nohz_full=, sysfs)\n"
	       " -c, --cpus LIST          run, --partition: the CPUs to isolate\n"
	       " -P, --partition          make the isolated CPUs a cgroup-v2 isolated partition\n"
	       "                            (a systemd slice when systemd runs), then pin\n"
	       " -s, --skip LIST          leave irq,tasks,wq,freq alone\n"
	       " -g, --governor NAME      set this cpufreq governor on every policy\n"
	       " -t, --no-turbo           turn turbo/boost off\n"
	       " -m, --freq-max           lock every policy to its maximum frequency\n"
	       " -S, --save STATE         record every original first, then change it\n"
	       " -R, --restore STATE      put back what STATE recorded\n"
	       " -e, --enforce SECONDS    re-scan every SECONDS until SIGTERM/SIGINT\n"
	       "     --force              --save: replace an existing STATE\n"
	       " -b, --boot, --initramfs  boot mode: never fail, summary to /dev/kmsg\n"
	       " -r, --root DIR           read and write /proc, /sys, /run under DIR\n"
	       " -n, --dry-run            print what would change, change nothing\n"
	       " -v, --verbose            list every action\n"
	       " -q, --quiet              print errors only\n"
	       " -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\n"
	       "A STATE without '/' is kept in " EP_STATE_DIR "/.\n"
	       "For more details see early-pin(8).\n");
	exit(EXIT_SUCCESS);
}

static unsigned int parse_skip(const char *arg)
{
	unsigned int skip = 0;
	char *copy = strdup(arg), *save = NULL;

	if (!copy)
		cli_usage_error(PROG, "out of memory");
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(skip_names) / sizeof(skip_names[0]); i++)
			if (strcmp(w, skip_names[i]) == 0)
				break;
		if (i == sizeof(skip_names) / sizeof(skip_names[0]))
			cli_usage_error(PROG, "unknown --skip item '%s' (irq, tasks, wq, freq)", w);
		skip |= 1U << i;
	}
	free(copy);
	return skip;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- summaries ------------------------------------------------------------- */

static void summary(struct earlypin *ep, double ms)
{
	const struct ep_stats *st = &ep->st;
	char line[1024], hk[256];
	size_t n = 0;

#define ADD(...) \
	n += (size_t)snprintf(line + n, n < sizeof(line) ? sizeof(line) - n : 0, __VA_ARGS__)
	if (cpuset_format_list(&ep->hk, hk, sizeof(hk)) >= sizeof(hk))
		strcpy(hk + sizeof(hk) - 4, "...");
	ADD(PROG ": housekeeping=%s", hk);
	if (ep->skip & EP_SKIP_IRQ) {
		ADD(" irqs skipped");
	} else {
		ADD(" irqs moved=%u immovable=%u", st->irq_moved, st->irq_immovable);
		if (st->irq_failed)
			ADD(" failed=%u", st->irq_failed);
		if (st->irq_default == 0)
			ADD(" default=failed");
	}
	if (ep->skip & EP_SKIP_TASKS) {
		ADD(" tasks skipped");
	} else {
		ADD(" tasks moved=%u per-cpu=%u", st->task_moved, st->task_percpu);
		if (ep->partition)
			ADD(" by-cpuset=%u", st->task_kernel);
		if (st->task_failed)
			ADD(" failed=%u", st->task_failed);
	}
	if (ep->skip & EP_SKIP_WQ)
		ADD(" wq=skipped");
	else
		ADD(" wq=%s", st->wq_failed ? "failed" : st->wq_seen ? "ok" : "none");
	if (!(ep->skip & EP_SKIP_FREQ)) {
		if (st->freq_nopolicy)
			ADD(" cpufreq=none");
		if (ep->governor[0] && !st->freq_nopolicy)
			ADD(" governor=%s", ep->governor);
		if (ep->freq_max && !st->freq_nopolicy)
			ADD(" freq=max");
		if (ep->no_turbo)
			ADD(" turbo=off");
		if (st->freq_failed)
			ADD(" freq-failed=%u", st->freq_failed);
	}
	ADD(" %.1f ms", ms);
#undef ADD
	if (ep->boot)
		ep_kmsg(ep, LOG_INFO, line);
	else if (!ep->quiet)
		printf("%s\n", line);
}

/* After --save or run: what moved, what could not and why, what is left on the isolated CPUs. */
static void diagnose(struct earlypin *ep)
{
	const struct ep_stats *st = &ep->st;
	char iso[256];

	if (ep->quiet)
		return;
	cpuset_format_list(&ep->isolated, iso, sizeof(iso));
	printf(PROG ": moved: %u tasks, %u IRQs%s, %u workqueue masks\n", st->task_moved,
	       st->irq_moved, st->irq_default == 1 ? ", the default IRQ affinity" : "",
	       st->wq_moved);
	printf(PROG
	       ": could not move: %u per-CPU kthreads (PF_NO_SETAFFINITY), %u immovable IRQs (managed or per-CPU), %u failed\n",
	       st->task_percpu, st->irq_immovable,
	       st->task_failed + st->irq_failed + st->wq_failed);
	if (!st->nimmovable && !st->task_percpu && !st->task_failed) {
		printf(PROG ": still allowed on isolated CPUs %s: nothing\n", iso);
		return;
	}
	printf(PROG ": still allowed on isolated CPUs %s:", iso);
	if (st->nimmovable) {
		printf(" IRQs");
		for (size_t i = 0; i < st->nimmovable && i < 32; i++)
			printf("%s%u", i ? "," : " ", st->immovable[i].irq);
		if (st->nimmovable > 32)
			printf(",...");
		printf(";");
	}
	if (st->task_percpu)
		printf(" per-CPU kthreads %s;", st->percpu_names);
	if (st->task_failed)
		printf(" tasks that failed %s;", st->failed_names);
	printf("\n");
}

/* ---- the record of immovable IRQs ------------------------------------------ */

/*
 * Before 6.12 a managed IRQ has a writable-looking smp_affinity: only the
 * EIO of a write tells it apart, and isol-verify does not write. Leave it
 * what this pass learnt in IRQRECORD_PATH (/run survives switch_root). Every
 * pass re-tries each IRQ still on the isolated CPUs, so the IRQs it found
 * immovable are all there are: the record is replaced (or removed when
 * there are none), never merged with an older one that may name IRQ numbers
 * freed and reused since. Failing to write it never fails the pass.
 */
static void record_immovable(struct earlypin *ep)
{
	const struct ep_stats *st = &ep->st;
	struct irqrecord rec = { 0 };
	bool changed = false;
	int r;

	if ((ep->skip & EP_SKIP_IRQ) || ep->dry_run)
		return;
	if (!st->nimmovable) {
		r = irqrecord_remove(&ep->pc);
		if (r < 0)
			ep_log(ep, LOG_WARNING,
			       "cannot remove the record of immovable IRQs: %s: %s, ignoring",
			       path_last(&ep->pc), strerror(-r));
		return;
	}
	r = isolation_boot_id(&ep->pc, rec.boot_id, sizeof(rec.boot_id));
	if (r < 0) {
		ep_log(ep, LOG_WARNING, "cannot record the immovable IRQs: %s: %s, ignoring",
		       path_last(&ep->pc), strerror(-r));
		return;
	}
	for (size_t i = 0; i < st->nimmovable && r == 0; i++) {
		char actions[IRQRECORD_ACTIONS_MAX];

		if (irqrecord_read_actions(&ep->pc, st->immovable[i].irq, actions,
					   sizeof(actions)) < 0)
			actions[0] = '\0'; /* gone meanwhile: the number is what counts */
		r = irqrecord_add(&rec, st->immovable[i].irq, st->immovable[i].err, actions);
	}
	if (r == 0)
		r = irqrecord_write(&ep->pc, &rec, &changed);
	else
		path_get(&ep->pc, IRQRECORD_PATH);
	if (r < 0)
		ep_log(ep, LOG_WARNING, "cannot record the immovable IRQs: %s: %s, ignoring",
		       path_last(&ep->pc), strerror(-r));
	else if (changed && ep->verbose)
		printf("recorded %zu immovable IRQs in %s\n", rec.n, path_last(&ep->pc));
	irqrecord_free(&rec);
}

/* ---- the modes ------------------------------------------------------------- */

enum {
	OPT_FORCE = 0x100
};

struct opts {
	const char *root; /* --root */
	const char *housekeeping;
	const char *cpus;
	const char *save;
	const char *restore;
	unsigned int enforce;
	bool force;
	bool run;
	bool partition;
	char **command;
};

static int save_state(struct earlypin *ep, struct statefile *sf, const char *file, bool replace)
{
	return ep_state_save(ep, sf, file, replace);
}

static int do_restore(struct earlypin *ep, const char *arg)
{
	struct statefile sf;
	char *file = ep_state_path(ep, arg, false);
	unsigned int failed;
	int r;

	if (!file) {
		ep_log(ep, LOG_ERR, "out of memory");
		return 1;
	}
	r = ep_state_load(ep, file, &sf);
	if (r < 0) {
		free(file);
		return 1;
	}
	failed = ep_restore(ep, &sf);
	if (!failed)
		ep_state_release(ep, file);
	statefile_free(&sf);
	free(file);
	return failed ? 1 : 0;
}

/*
 * A re-scan's changes (a sweep, an --enforce round): the originals of what
 * is new go into the state file first (runtime), then the changes are made.
 * Returns <0 when the state could not be saved (nothing was changed).
 */
static int record_and_apply(struct earlypin *ep, struct statefile *sf, const char *file,
			    struct ep_changes *changes)
{
	int r = 0;

	if (!changes->n)
		return 0;
	if (sf) {
		r = ep_state_record(sf, changes);
		if (r > 0)
			r = save_state(ep, sf, file, true);
		if (r < 0)
			return r;
	}
	ep_apply(ep, changes);
	return 0;
}

/*
 * A process that forks after the scan listed the tasks and before its own
 * mask is narrowed hands its old mask to a child the scan never saw: a shell
 * loop or a forking daemon leaks onto the isolated CPUs (three children of
 * sleep loops did in a 6.12 guest, 157 ms after the scan). So scan the tasks
 * again after the pass, recording (runtime) and moving what is new, until a
 * scan moves nothing, at most EP_SWEEPS times: a fork storm ends it, and
 * diagnose() then names what is left. The counts of the summary stay those
 * of the first scan plus the tasks the sweeps moved.
 */
#define EP_SWEEPS 5

static int sweep_tasks(struct earlypin *ep, struct statefile *sf, const char *file)
{
	for (int i = 0; i < EP_SWEEPS; i++) {
		struct ep_stats keep = ep->st;
		struct ep_changes changes = { 0 };
		unsigned int moved = ep->st.task_moved;
		int r = ep_changes_tasks(ep, &changes);

		if (r == 0)
			r = record_and_apply(ep, sf, file, &changes);
		ep_changes_free(&changes);
		/*
		 * The scan recounts what the first one counted: keep only the moves
		 * (a task scan and its moves touch no IRQ field of the stats).
		 */
		keep.task_moved = ep->st.task_moved;
		ep->st = keep;
		if (r < 0)
			return r;
		if (ep->verbose && ep->st.task_moved > moved)
			printf("sweep %d: moved %u tasks started during the pass\n", i + 1,
			       ep->st.task_moved - moved);
		if (ep->st.task_moved == moved)
			break;
	}
	return 0;
}

/* One re-scan of --enforce: re-pin what reached the isolated CPUs since. */
static int enforce_once(struct earlypin *ep, struct statefile *sf, const char *file)
{
	struct ep_changes changes = { 0 };
	int r;

	ep_stats_free(&ep->st);
	memset(&ep->st, 0, sizeof(ep->st));
	ep->st.irq_default = -1;
	ep->enforcing = true;
	ep->skip |= EP_SKIP_FREQ;
	r = ep_changes_all(ep, &changes);
	if (r == 0)
		r = record_and_apply(ep, sf, file, &changes);
	if (r >= 0 && changes.n && (ep->verbose || ep->st.task_moved || ep->st.irq_moved))
		ep_log(ep, LOG_NOTICE, "enforce: re-pinned tasks=%u irqs=%u", ep->st.task_moved,
		       ep->st.irq_moved);
	if (r >= 0 && !sf)
		record_immovable(ep); /* rewritten only when it changed */
	ep_changes_free(&changes);
	return r < 0 ? r : 0;
}

static int enforce_loop(struct earlypin *ep, unsigned int seconds, struct statefile *sf,
			const char *file)
{
	struct timespec ts = { .tv_sec = seconds };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	for (;;) {
		int sig = sigtimedwait(&set, NULL, &ts);

		if (sig > 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if (errno == EAGAIN)
			enforce_once(ep, sf, file);
	}
	return 0;
}

/*
 * --partition: the child waits on gate until the parent has moved it into
 * the partition ('g'), or gives up (anything else, or the parent's death).
 */
static void child_wait_gate(int gate[2], const char *command)
{
	char c = 0;
	ssize_t n;

	close(gate[1]);
	do
		n = read(gate[0], &c, 1);
	while (n < 0 && errno == EINTR);
	close(gate[0]);
	if (n != 1 || c != 'g') {
		fprintf(stderr, PROG ": %s not started: it could not be moved into the partition\n",
			command);
		_exit(126);
	}
}

/* The parent's half: move pid into the partition and open the gate (logged). */
static void parent_open_gate(struct earlypin *ep, struct statefile *sf, const char *file,
			     int gate[2], pid_t pid)
{
	/* recorded first: a SIGKILL from here on still leaves the scope stoppable */
	int r = ep_partition_record_run(ep, sf, pid);
	char c;

	if (r > 0)
		r = ep_state_save(ep, sf, file, true);
	if (r >= 0)
		r = ep_partition_enter(ep, pid);
	c = r == 0 ? 'g' : 'x';

	close(gate[0]);
	if (write(gate[1], &c, 1) != 1)
		ep_log(ep, LOG_ERR, "cannot signal the command to start: %s", strerror(errno));
	close(gate[1]);
}

/*
 * Fork COMMAND on the isolated CPUs (--partition: in the partition) and
 * wait for it, forwarding signals.
 */
static int run_command(struct earlypin *ep, char **command, const sigset_t *blocked,
		       struct statefile *sf, const char *file)
{
	cpuset_t cpus;
	siginfo_t si;
	pid_t pid;
	int status = 0, forwarded = 0, gate[2] = { -1, -1 };

	cpuset_and(&cpus, &ep->isolated, &ep->online);
	if (ep->partition && pipe2(gate, O_CLOEXEC) < 0) {
		ep_log(ep, LOG_ERR, "cannot make a pipe: %s", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		ep_log(ep, LOG_ERR, "cannot fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
		sigset_t none;

		if (ep->partition)
			child_wait_gate(gate, command[0]);

		/*
		 * A shell starts background jobs with SIGINT and SIGQUIT ignored,
		 * and exec keeps that: COMMAND could then never be interrupted.
		 */
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (sched_setaffinity(0, sizeof(cpus.bits), (cpu_set_t *)cpus.bits) < 0) {
			fprintf(stderr, PROG ": cannot pin %s to the isolated CPUs: %s\n",
				command[0], strerror(errno));
			_exit(126);
		}
		execvp(command[0], command);
		fprintf(stderr, PROG ": cannot run %s: %s\n", command[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (ep->partition)
		parent_open_gate(ep, sf, file, gate, pid); /* closed: the child exits 126 */
	for (;;) {
		int sig = sigwaitinfo(blocked, &si);

		if (sig < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (sig == SIGCHLD) {
			pid_t w = waitpid(pid, &status, WNOHANG);

			if (w == pid)
				break;
			continue;
		}
		/* forward; the child decides -- unless it ignored the last two */
		kill(pid, ++forwarded > 2 ? SIGKILL : sig);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/*
 * --cpus LIST: the housekeeping CPUs are the online ones outside LIST and
 * outside what the boot already isolated (isolcpus=, nohz_full=, ...: the
 * housekeeping set a --save without --cpus would use), so that a run-time
 * partition beside boot-isolated CPUs moves nothing onto them.
 * 1, or -EINVAL (logged).
 */
static int housekeeping_from_cpus(struct earlypin *ep, const char *cpus)
{
	cpuset_t iso, base;
	int r;

	if (!*cpus)
		cli_usage_error(PROG, "--cpus is empty: give the CPUs to isolate as a cpulist");
	if (cpuset_parse_list(cpus, 0, &iso) < 0)
		cli_usage_error(PROG, "invalid cpulist for --cpus: '%s'", cpus);
	if (ep->partition && !cpuset_subset(&iso, &ep->online)) {
		cpuset_t off;
		char *list;

		cpuset_andnot(&off, &iso, &ep->online);
		list = cpuset_to_list(&off);
		ep_log(ep, LOG_ERR, "--cpus %s: CPUs %s are not online (%s" PATH_SYS_CPU "/online)",
		       cpus, list ? list : "?", ep->pc.root);
		free(list);
		return -EINVAL;
	}
	cpuset_and(&iso, &iso, &ep->online);
	if (cpuset_empty(&iso)) {
		ep_log(ep, LOG_ERR, "--cpus %s names no online CPU", cpus);
		return -EINVAL;
	}
	ep->cpus_opt = iso;
	r = ep_housekeeping(ep, NULL);
	if (r < 0)
		return -EINVAL;
	base = r > 0 ? ep->hk : ep->online;
	cpuset_andnot(&ep->hk, &base, &iso);
	cpuset_andnot(&ep->isolated, &ep->possible, &ep->hk);
	if (cpuset_empty(&ep->hk)) {
		if (r > 0)
			ep_log(ep, LOG_ERR,
			       "--cpus %s leaves no housekeeping CPU: the others are isolated at boot (housekeeping from %s)",
			       cpus, ep->hk_source);
		else
			ep_log(ep, LOG_ERR, "--cpus %s leaves no housekeeping CPU", cpus);
		return -EINVAL;
	}
	ep->hk_source = "--cpus";
	return 1;
}

/*
 * Which CPUs keep house and which are isolated for this pass, and whether
 * there is anything to do: 1 go on, 0 nothing to do (exit 0), -1 failed
 * (logged).
 */
static int pin_housekeeping(struct earlypin *ep, const struct opts *o)
{
	bool runtime = o->save || o->run;
	int r;

	if (ep_read_cpus(ep) < 0)
		return -1;
	if (!runtime && !o->housekeeping && ep_disabled(ep)) {
		ep_log(ep, LOG_NOTICE, "disabled by rd.earlypin=0");
		return 0;
	}
	r = o->cpus ? housekeeping_from_cpus(ep, o->cpus) : ep_housekeeping(ep, o->housekeeping);
	if (r < 0)
		return -1;
	if (r == 0) {
		if (!o->run) {
			if (o->save) {
				ep_log(ep, LOG_ERR,
				       "no housekeeping set: nothing isolated on the command line or in sysfs; use --housekeeping");
				return -1;
			}
			ep_log(ep, LOG_NOTICE,
			       "no housekeeping set (no --housekeeping, rd.earlypin.cpus=, irqaffinity=, isolcpus=, nohz_full=), nothing to do");
			return 0;
		}
		/* run on a host booted without isolation: keep the first CPU for the rest */
		cpuset_zero(&ep->hk);
		cpuset_set(&ep->hk, (unsigned int)cpuset_first(&ep->online));
		cpuset_andnot(&ep->isolated, &ep->possible, &ep->hk);
		ep->hk_source = "default";
	}
	if (!cpuset_intersects(&ep->isolated, &ep->online)) {
		if (runtime) {
			ep_log(ep, LOG_ERR,
			       "the housekeeping set is every online CPU: nothing to isolate");
			return -1;
		}
		ep_log(ep, LOG_NOTICE, "the housekeeping set is every online CPU, nothing to do");
		return 0;
	}
	ep_freq_from_cmdline(ep);
	if (path_is_real_root(&ep->pc) && !ep->dry_run && geteuid() != 0) {
		ep_log(ep, LOG_ERR, "changing IRQ and task affinity needs root");
		return -1;
	}
	ep->need_stat = runtime;
	if (ep->verbose) {
		char *hk = cpuset_to_list(&ep->hk), *iso = cpuset_to_list(&ep->isolated);

		printf("housekeeping %s (from %s), isolated %s, ops %s\n", hk ? hk : "?",
		       ep->hk_source, iso ? iso : "?", ep->ops.name);
		free(hk);
		free(iso);
	}
	return 1;
}

/*
 * --save and run: every original into the state file before anything
 * changes, and the claim that this sequestering is the one in force.
 * *ret_file is the state file's path (the caller frees it). 0 or -1 (logged).
 */
static int pin_save(struct earlypin *ep, const struct opts *o, const struct ep_changes *changes,
		    struct statefile *sf, uint64_t saved_at, char **ret_file)
{
	char name[64], *file;

	if (o->run)
		snprintf(name, sizeof(name), "run.%d.state", (int)getpid());
	file = ep_state_path(ep, o->run ? name : o->save, true);
	*ret_file = file;
	if (!file || ep_state_init(ep, sf, saved_at) < 0 || ep_state_record(sf, changes) < 0 ||
	    (ep->partition && ep_partition_record(ep, sf) < 0)) {
		ep_log(ep, LOG_ERR, "out of memory");
		return -1;
	}
	if (save_state(ep, sf, file, o->force) < 0)
		return -1; /* nothing changed yet */
	if (ep_state_claim(ep, file, o->force) < 0) {
		unlink(file); /* ours, just written: the other one stays in force */
		return -1;
	}
	if (ep->verbose)
		printf("saved %zu originals to %s\n", sf->n, file);
	return 0;
}

/*
 * The partition could not be made, and undid itself: put back what the
 * kernel may have re-affined meanwhile (nothing of the partition: a cgroup
 * or slice that made it refuse is someone else's), then forget the state.
 */
static void pin_abandon(struct earlypin *ep, struct statefile *sf, const char *file)
{
	bool quiet = ep->quiet;

	if (!file)
		return;
	ep_partition_forget(sf);
	if (ep_state_save(ep, sf, file, true) < 0)
		ep_log(ep, LOG_ERR, "%s may still name a partition that is not ours", file);
	ep->quiet = true;
	if (ep_restore(ep, sf) == 0) {
		ep_state_release(ep, file);
		unlink(file);
	} else {
		ep_log(ep, LOG_ERR, "not everything was restored; the originals stay in %s", file);
	}
	ep->quiet = quiet;
}

/* From here on, a signal must lead to a restore, not to death. */
static void block_signals(const struct opts *o, sigset_t *blocked)
{
	sigemptyset(blocked);
	sigaddset(blocked, SIGINT);
	sigaddset(blocked, SIGTERM);
	sigaddset(blocked, SIGHUP);
	if (o->run)
		sigaddset(blocked, SIGCHLD);
	sigprocmask(SIG_BLOCK, blocked, NULL);
}

/*
 * Carry out the changes, sweep the tasks forked meanwhile, then seal the
 * state (runtime) or record the immovable IRQs (--boot, the plain apply:
 * what isol-verify reads), and summarise. Returns the number of failures.
 */
static unsigned int pin_apply(struct earlypin *ep, struct ep_changes *changes, struct statefile *sf,
			      const char *file, double t0)
{
	unsigned int failed = ep_apply(ep, changes);

	if (!(ep->skip & EP_SKIP_TASKS) && sweep_tasks(ep, sf, file) < 0)
		failed++;
	if (sf)
		ep_state_seal(sf);
	/*
	 * What isol-verify reads to tell an immovable IRQ from a movable one
	 * left behind; a partition cannot move managed IRQs either.
	 */
	if (!sf || ep->partition)
		record_immovable(ep);
	summary(ep, now_ms() - t0);
	if (sf)
		diagnose(ep);
	return failed;
}

/* run: COMMAND on the isolated CPUs, then everything put back. Its exit status. */
static int pin_run(struct earlypin *ep, const struct opts *o, struct statefile *sf,
		   const char *file, const sigset_t *blocked)
{
	int ret = run_command(ep, o->command, blocked, sf, file);

	if (ep_restore(ep, sf) == 0) {
		ep_state_release(ep, file);
		unlink(file);
	} else {
		ep_log(ep, LOG_ERR, "not everything was restored; the originals stay in %s", file);
	}
	return ret;
}

/* --enforce: re-pin until a signal, then (with --save) put everything back. 0 or 1. */
static int pin_enforce(struct earlypin *ep, const struct opts *o, struct statefile *sf,
		       const char *file)
{
	int ret = 0;

	if (enforce_loop(ep, o->enforce, o->save ? sf : NULL, file) < 0)
		ret = 1;
	if (o->save) {
		if (ep_restore(ep, sf) != 0)
			ret = 1;
		else
			ep_state_release(ep, file);
	}
	return ret;
}

/* --boot, the plain apply, --save, run and --enforce: one pass, then each its own tail. */
static int do_pin(struct earlypin *ep, const struct opts *o)
{
	struct ep_changes changes = { 0 };
	struct statefile sf = { 0 };
	bool runtime = o->save || o->run;
	char *file = NULL;
	unsigned int failed;
	sigset_t blocked;
	double t0 = now_ms();
	uint64_t saved_at = 0;
	int r, ret = 1;

	r = pin_housekeeping(ep, o);
	if (r <= 0)
		return r < 0 ? 1 : 0;
	if (ep->partition && ep_partition_prepare(ep) < 0)
		return 1;
	if (runtime && !ep->dry_run)
		saved_at = ep_state_mark();
	/*
	 * A partition makes the kernel re-affine every task outside it, and
	 * again when it goes. A task whose mask is its cgroup's whole cpuset
	 * comes back exactly, and is left to the kernel (changes.c,
	 * kernel_places); every other movable task's mask is recorded first,
	 * the ones early-pin leaves alone too (never again in later scans).
	 */
	ep->record_all = ep->partition;
	r = ep_changes_all(ep, &changes);
	ep->record_all = false;
	if (r < 0)
		goto out;
	if (ep->dry_run) {
		if (ep->partition)
			ep_partition_print(ep);
		ep_changes_print(ep, &changes);
		if (!ep->quiet)
			printf(PROG ": dry run: %zu changes planned, nothing changed\n", changes.n);
		ret = 0;
		goto out;
	}
	if (runtime && pin_save(ep, o, &changes, &sf, saved_at, &file) < 0)
		goto out;
	if (o->run || o->enforce)
		block_signals(o, &blocked);
	/* the workqueue mask before the partition: why, at ep_partition_make */
	failed = ep->partition ? ep_apply_kind(ep, &changes, SF_WQ) : 0;
	if (ep->partition && ep_partition_make(ep) < 0) {
		pin_abandon(ep, &sf, file);
		goto out;
	}
	failed += pin_apply(ep, &changes, runtime ? &sf : NULL, file, t0);
	ret = failed && !o->run ? 1 : 0;
	ep_changes_free(&changes);

	if (o->run)
		ret = pin_run(ep, o, &sf, file, &blocked);
	else if (o->enforce && pin_enforce(ep, o, &sf, file))
		ret = 1;
out:
	ep_changes_free(&changes);
	statefile_free(&sf);
	free(file);
	return ret;
}

static const struct option longopts[] = {
	{ "housekeeping", required_argument, NULL, 'H' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "skip", required_argument, NULL, 's' },
	{ "governor", required_argument, NULL, 'g' },
	{ "no-turbo", no_argument, NULL, 't' },
	{ "freq-max", no_argument, NULL, 'm' },
	{ "save", required_argument, NULL, 'S' },
	{ "restore", required_argument, NULL, 'R' },
	{ "enforce", required_argument, NULL, 'e' },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "partition", no_argument, NULL, 'P' },
	{ "boot", no_argument, NULL, 'b' },
	{ "initramfs", no_argument, NULL, 'b' },
	{ "root", required_argument, NULL, 'r' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* One option of getopt_long into ep or o. */
static void parse_option(int c, struct earlypin *ep, struct opts *o)
{
	uint32_t v;

	switch (c) {
	case 'H':
		o->housekeeping = optarg;
		break;
	case 'c':
		o->cpus = optarg;
		break;
	case 's':
		ep->skip |= parse_skip(optarg);
		break;
	case 'g':
		if (ep_set_governor(ep, optarg) < 0)
			cli_usage_error(PROG, "invalid governor name '%s'", optarg);
		break;
	case 't':
		ep->no_turbo = true;
		break;
	case 'm':
		ep->freq_max = true;
		break;
	case 'S':
		o->save = optarg;
		break;
	case 'R':
		o->restore = optarg;
		break;
	case 'e':
		if (parse_u32(optarg, &v) < 0 || v == 0 || v > 86400)
			cli_usage_error(PROG, "invalid --enforce interval '%s' (1-86400 seconds)",
					optarg);
		o->enforce = v;
		break;
	case OPT_FORCE:
		o->force = true;
		break;
	case 'P':
		o->partition = true;
		break;
	case 'b':
		ep->boot = true;
		break;
	case 'r':
		o->root = optarg;
		break;
	case 'n':
		ep->dry_run = true;
		break;
	case 'v':
		ep->verbose = true;
		break;
	case 'q':
		ep->quiet = true;
		break;
	case 'h':
		usage();
	case 'V':
		printf(PROG " from quietcore %s\n", QC_VERSION);
		exit(EXIT_SUCCESS);
	default:
		cli_try_help(PROG);
	}
}

/* "[run] [options] [run] [-- COMMAND...]": every option, then the combinations allowed. */
static void parse_args(int argc, char **argv, struct earlypin *ep, struct opts *o)
{
	int c;

	if (argc > 1 && strcmp(argv[1], "run") == 0) {
		o->run = true;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
again:
	while ((c = getopt_long(argc, argv, "+H:c:s:g:tmS:R:e:Pbr:nvqhV", longopts, NULL)) != -1)
		parse_option(c, ep, o);
	if (!o->run && optind < argc && strcmp(argv[optind], "run") == 0) {
		/* "early-pin --root DIR run ...": options may come first */
		o->run = true;
		optind++;
		goto again;
	}
	if (o->run) {
		if (optind >= argc)
			cli_usage_error(PROG, "run: no COMMAND given");
		o->command = argv + optind;
		if (o->save || o->restore || o->enforce || ep->boot)
			cli_usage_error(
				PROG,
				"run does not combine with --save, --restore, --enforce or --boot");
	} else {
		if (optind < argc)
			cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
		if (o->cpus && !(o->save && o->partition))
			cli_usage_error(
				PROG,
				"--cpus is for 'run' and --save --partition; use --housekeeping");
		if (o->partition && !o->save)
			cli_usage_error(PROG, "--partition goes with --save or 'run'");
		if (o->partition && o->enforce)
			cli_usage_error(PROG, "--partition and --enforce do not combine");
		if (o->restore && (o->save || o->enforce || o->housekeeping || ep->dry_run))
			cli_usage_error(PROG, "--restore takes no other action options");
		if (o->save && ep->boot)
			cli_usage_error(PROG, "--save is for run time, not --boot");
		if (o->enforce && ep->dry_run)
			cli_usage_error(PROG, "--enforce and --dry-run do not combine");
	}
	if (o->housekeeping && o->cpus)
		cli_usage_error(
			PROG,
			"--housekeeping and --cpus are two ways to say the same thing: give one");
	if (ep->verbose && ep->quiet)
		cli_usage_error(PROG, "--verbose and --quiet do not combine");
	ep->partition = o->partition;
}

/* --restore STATE: put back what it recorded. 0 or 1. */
static int mode_restore(struct earlypin *ep, const char *state)
{
	if (path_is_real_root(&ep->pc) && geteuid() != 0) {
		ep_log(ep, LOG_ERR, "restoring IRQ and task affinity needs root");
		return 1;
	}
	return do_restore(ep, state);
}

int main(int argc, char **argv)
{
	struct earlypin ep = { .st.irq_default = -1 };
	struct opts o = { 0 };
	int r, ret;

	parse_args(argc, argv, &ep, &o);
	r = path_cxt_init(&ep.pc, o.root);
	if (r < 0) {
		fprintf(stderr, PROG ": cannot use root: %s: %s\n", o.root, strerror(-r));
		return ep.boot ? 0 : 1;
	}
	if (path_is_real_root(&ep.pc))
		ops_init_real(&ep.ops, &ep.pc);
	else
		ops_init_recording(&ep.ops, &ep.pc);

	if (o.restore)
		ret = mode_restore(&ep, o.restore);
	else
		ret = do_pin(&ep, &o); /* --boot, the plain apply, --save, run, --enforce */

	if (ep.verbose && !path_is_real_root(&ep.pc)) {
		for (size_t i = 0; i < ep.ops.nlog; i++) {
			char line[512];

			ops_record_format(&ep.ops.log[i], line, sizeof(line));
			printf("op: %s\n", line);
		}
	}
	ops_done(&ep.ops);
	kparams_free(&ep.kp);
	ep_stats_free(&ep.st);
	free(ep.nodes);
	if (ep.boot)
		return 0; /* never fail the boot */
	return ret;
}
