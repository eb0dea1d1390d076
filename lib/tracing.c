// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tracing: an instance of our own in tracefs, through libtracefs.
 */
#include "tracing.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tracefs.h>

#include "atomicfile.h"
#include "strv.h"
#include "taskstat.h"

static int failf(struct tracing *t, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* t->err = the message and strerror(err); returns -err. */
static int failf(struct tracing *t, int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	n = strlen(t->err);
	if (err && n < sizeof(t->err))
		snprintf(t->err + n, sizeof(t->err) - n, ": %s", strerror(err));
	return -err;
}

/* libtracefs sets errno on most failures, not all. */
static int errno_or(int fallback)
{
	return errno > 0 ? errno : fallback;
}

static void quiet(void)
{
	tracefs_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
}

int tracing_find(struct tracing *t)
{
	const char *dir = NULL;

	quiet();
	/* false: never mount it (libtracefs would, as a side effect of any call) */
	if (tracefs_tracing_dir_is_mounted(false, &dir) < 0 || !dir)
		return failf(t, ENOENT,
			     "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)");
	/* a copy the caller owns (libtracefs 1.6 strdup's it; the const is its prototype's) */
	if (strlen(dir) >= sizeof(t->dir)) {
		failf(t, ENAMETOOLONG, "%s", dir);
		free((char *)dir);
		return -ENAMETOOLONG;
	}
	strcpy(t->dir, dir);
	free((char *)dir);
	return 0;
}

bool tracing_has_tracer(struct tracing *t, const char *tracer)
{
	char **list = tracefs_tracers(t->dir);
	bool found = false;

	for (size_t i = 0; list && list[i]; i++)
		if (!strcmp(list[i], tracer))
			found = true;
	tracefs_list_free(list);
	return found;
}

/* Is pid a live isol-verify (its comm), not a recycled PID? */
static bool run_alive(struct tracing *t, pid_t pid)
{
	struct taskstat st;

	if (pid <= 0 || pid == getpid() || !t->pc || taskstat_read(t->pc, pid, 0, &st) < 0)
		return false;
	return !strcmp(st.comm, "isol-verify");
}

/* --- the osnoise tracer's globals ------------------------------------------------ */

/* In this order: period before runtime when restoring (runtime <= period). */
static const char *const globals[TRACING_NSAVED] = {
	"osnoise/cpus",
	"osnoise/period_us",
	"osnoise/runtime_us",
	"osnoise/stop_tracing_us",
	"osnoise/stop_tracing_total_us",
	"tracing_thresh",
	"osnoise/options",
};

static void saved_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, TRACING_SAVED_DIR "/%s.saved", name);
}

static int write_global(struct tracing *t, const char *file, const char *val)
{
	if (tracefs_instance_file_write(NULL, file, val) < 0)
		return failf(t, errno_or(EIO), "cannot write '%s' to %s/%s", val, t->dir, file);
	return 0;
}

/* The options one by one (the file takes one name at a time); DEFAULTS is no option. */
static int restore_options(struct tracing *t, const char *line)
{
	char buf[sizeof(t->saved[0])], *save = NULL;
	int r = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *o = strtok_r(buf, " \n", &save); o; o = strtok_r(NULL, " \n", &save))
		if (strcmp(o, "DEFAULTS") != 0 && write_global(t, "osnoise/options", o) < 0)
			r = -EIO;
	return r;
}

/* Write saved values back; every one is tried, the first failure is reported. */
static int restore_globals(struct tracing *t, char saved[TRACING_NSAVED][160])
{
	int r = 0, k;

	for (int i = 0; i < TRACING_NSAVED; i++) {
		if (!saved[i][0])
			continue;
		if (i == 6)
			k = restore_options(t, saved[i]);
		else
			k = write_global(t, globals[i], saved[i]);
		/* a period shorter than the runtime now set: the runtime first, then again */
		if (k < 0 && i == 1 && saved[2][0] && write_global(t, globals[2], saved[2]) == 0)
			k = write_global(t, globals[1], saved[1]);
		if (k < 0 && r == 0)
			r = k;
	}
	return r;
}

/* NAME.saved into saved[]: 0, -ENOENT, or -errno. */
static int saved_read(struct tracing *t, const char *name, char saved[TRACING_NSAVED][160])
{
	char path[256], *buf = NULL, *save = NULL;
	size_t len;
	int r;

	saved_path(name, path, sizeof(path));
	r = atomicfile_read(t->pc, path, &buf, &len, NULL);
	if (r < 0)
		return r;
	memset(saved, 0, TRACING_NSAVED * sizeof(saved[0]));
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(l, '\t');

		if (!tab)
			continue;
		*tab = '\0';
		for (int i = 0; i < TRACING_NSAVED; i++)
			if (!strcmp(l, globals[i]))
				snprintf(saved[i], sizeof(saved[i]), "%s", tab + 1);
	}
	free(buf);
	return 0;
}

static int saved_write(struct tracing *t)
{
	char path[256], buf[TRACING_NSAVED * 200];
	size_t used = 0;
	int r;

	for (int i = 0; i < TRACING_NSAVED; i++)
		if (t->saved[i][0])
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s\t%s\n",
						 globals[i], t->saved[i]);
	r = atomicfile_mkdirs(t->pc, TRACING_SAVED_DIR, 0755);
	saved_path(t->name, path, sizeof(path));
	if (r == 0)
		r = atomicfile_write(t->pc, path, buf, used, NULL);
	if (r < 0)
		return failf(t, -r, "cannot keep the osnoise settings in %s", path);
	return 0;
}

static void saved_remove(struct tracing *t, const char *name)
{
	char path[256];

	saved_path(name, path, sizeof(path));
	atomicfile_unlink(t->pc, path);
}

static int destroy_named(struct tracing *t, const char *name)
{
	struct tracefs_instance *inst = tracefs_instance_alloc(t->dir, name);
	char saved[TRACING_NSAVED][160];
	int r = 0;

	if (!inst)
		return failf(t, errno_or(ENOMEM), "%s/instances/%s", t->dir, name);
	/* events off first: a buffer being written cannot always be removed */
	tracefs_trace_off(inst);
	tracefs_instance_file_write(inst, "current_tracer", "nop");
	tracefs_event_disable(inst, NULL, NULL);
	if (tracefs_instance_destroy(inst) < 0)
		r = failf(t, errno_or(EIO), "cannot remove %s/instances/%s", t->dir, name);
	tracefs_instance_free(inst);
	/* a killed osnoise run: its globals back */
	if (r == 0 && t->pc && saved_read(t, name, saved) == 0) {
		r = restore_globals(t, saved);
		if (r == 0)
			saved_remove(t, name);
	}
	return r;
}

/*
 * The instances' names (prefix: only those starting with it), n of them. Not
 * tracefs_instances(): libtracefs 1.6 never frees the regex it compiles.
 */
static char **list_instances(struct tracing *t, const char *prefix, size_t *n)
{
	char path[sizeof(t->dir) + 16], **v = NULL;
	struct dirent *d;
	DIR *dir;

	*n = 0;
	snprintf(path, sizeof(path), "%s/instances", t->dir);
	dir = opendir(path);
	if (!dir)
		return NULL;
	while ((d = readdir(dir)))
		if (d->d_type == DT_DIR && d->d_name[0] != '.' &&
		    !strncmp(d->d_name, prefix, strlen(prefix)) &&
		    strv_appendf(&v, n, "%s", d->d_name) < 0)
			break;
	closedir(dir);
	return v;
}

static void names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* quietcore-noise-<digits> */
static bool ours(const char *name)
{
	const char *p = name + strlen(TRACING_INSTANCE_PREFIX);

	return *p && strspn(p, "0123456789") == strlen(p);
}

int tracing_sweep(struct tracing *t, char *removed, size_t len)
{
	size_t nn;
	char **names = list_instances(t, TRACING_INSTANCE_PREFIX, &nn);
	int n = 0, r = 0;

	if (len)
		removed[0] = '\0';
	for (size_t i = 0; i < nn; i++) {
		long pid = strtol(names[i] + strlen(TRACING_INSTANCE_PREFIX), NULL, 10);
		size_t used = strlen(removed);

		if (!ours(names[i]))
			continue;
		if (run_alive(t, (pid_t)pid)) {
			r = failf(
				t, EBUSY,
				"another isol-verify --noise (PID %ld) is tracing in %s/instances/%s",
				pid, t->dir, names[i]);
			break;
		}
		r = destroy_named(t, names[i]);
		if (r < 0)
			break;
		if (used < len)
			snprintf(removed + used, len - used, "%s%s", used ? ", " : "", names[i]);
		n++;
	}
	names_free(names, nn);
	return r < 0 ? r : n;
}

static int write_file(struct tracing *t, const char *file, const char *val)
{
	if (tracefs_instance_file_write(t->inst, file, val) < 0)
		return failf(t, errno_or(EIO), "cannot write '%s' to %s/instances/%s/%s", val,
			     t->dir, t->name, file);
	return 0;
}

/* The generic back end's events: system, event (a POSIX basic regex), needed. */
static const struct {
	const char *system, *event;
	bool needed;
} generic_events[] = {
	{ "irq", "^irq_handler_entry$", true }, { "irq", "^irq_handler_exit$", true },
	{ "irq", "^softirq_entry$", true },	{ "irq", "^softirq_exit$", true },
	{ "sched", "^sched_switch$", true },	{ "nmi", "^nmi_handler$", false },
};

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);

	return n >= k && !strcmp(s + n - k, tail);
}

/*
 * x86's system vectors, irq_vectors:<vector>_entry/_exit (not the vector_*
 * bookkeeping events), one by one: libtracefs enables a regex only if every
 * event it matches can be enabled.
 */
static void enable_vectors(struct tracing *t)
{
	char **events = tracefs_system_events(t->dir, "irq_vectors");

	for (size_t i = 0; events && events[i]; i++) {
		char re[128];

		if (!ends_with(events[i], "_entry") && !ends_with(events[i], "_exit"))
			continue;
		snprintf(re, sizeof(re), "^%s$", events[i]);
		tracefs_event_enable(t->inst, "irq_vectors", re);
	}
	tracefs_list_free(events);
}

static void disarm_keeping_err(struct tracing *t);

int tracing_arm_generic(struct tracing *t, const cpuset_t *cpus, unsigned int buffer_kb)
{
	char mask[CPUSET_MAX / 4 + CPUSET_MAX / 32 + 8];
	int r;

	snprintf(t->name, sizeof(t->name), TRACING_INSTANCE_PREFIX "%d", (int)getpid());
	t->cpus = *cpus;
	t->nbits = cpuset_span(cpus);
	t->inst = tracefs_instance_create(t->name);
	if (!t->inst)
		return failf(t, errno_or(EIO), "cannot make %s/instances/%s", t->dir, t->name);
	r = write_file(t, "tracing_on", "0");
	if (r == 0)
		r = write_file(t, "trace_clock", "mono");
	if (r == 0)
		r = write_file(t, "options/overwrite", "0");
	/* the least elsewhere (an instance's buffers are per possible CPU) */
	if (r == 0 && tracefs_instance_set_buffer_size(t->inst, 4, -1) < 0)
		r = failf(t, errno_or(EIO), "cannot size %s/instances/%s/buffer_size_kb", t->dir,
			  t->name);
	cpuset_foreach(cpu, cpus) {
		if (r < 0)
			break;
		if (tracefs_instance_set_buffer_size(t->inst, buffer_kb, cpu) < 0)
			r = failf(
				t, errno_or(EIO),
				"cannot size %s/instances/%s/per_cpu/cpu%d/buffer_size_kb to %u KiB",
				t->dir, t->name, cpu, buffer_kb);
	}
	if (r == 0) {
		cpuset_format_mask(cpus, 0, mask, sizeof(mask));
		r = write_file(t, "tracing_cpumask", mask);
	}
	for (size_t i = 0; r == 0 && i < sizeof(generic_events) / sizeof(generic_events[0]); i++) {
		errno = 0;
		if (tracefs_event_enable(t->inst, generic_events[i].system,
					 generic_events[i].event) < 0 &&
		    generic_events[i].needed)
			r = failf(t, errno_or(ENOENT), "cannot enable %s:%s in %s/instances/%s",
				  generic_events[i].system, generic_events[i].event, t->dir,
				  t->name);
	}
	if (r == 0) {
		enable_vectors(t);
		r = write_file(t, "tracing_on", "1");
	}
	if (r < 0)
		disarm_keeping_err(t);
	return r;
}

int tracing_stop(struct tracing *t)
{
	if (!t->inst)
		return 0;
	return write_file(t, "tracing_on", "0");
}

/* A failed arming undone, its reason kept for the caller. */
static void disarm_keeping_err(struct tracing *t)
{
	char keep[sizeof(t->err)];

	memcpy(keep, t->err, sizeof(keep));
	tracing_disarm(t);
	memcpy(t->err, keep, sizeof(keep));
}

void tracing_disarm(struct tracing *t)
{
	if (!t->inst)
		return;
	tracefs_trace_off(t->inst);
	if (t->osnoise)
		tracefs_instance_file_write(t->inst, "current_tracer", "nop");
	tracefs_event_disable(t->inst, NULL, NULL);
	tracefs_instance_destroy(t->inst);
	tracefs_instance_free(t->inst);
	t->inst = NULL;
	if (t->osnoise && restore_globals(t, t->saved) == 0 && t->pc)
		saved_remove(t, t->name);
	t->osnoise = false;
}

/* --- the osnoise back end ------------------------------------------------------ */

static bool holds_osnoise(const char *tracer)
{
	return tracer && (!strncmp(tracer, "osnoise", 7) || !strncmp(tracer, "timerlat", 8));
}

int tracing_osnoise_holder(struct tracing *t)
{
	char *top = tracefs_instance_file_read(NULL, "current_tracer", NULL);
	size_t nn;
	char **names = list_instances(t, "", &nn);
	int r = 0;

	if (holds_osnoise(top))
		r = failf(t, EBUSY, "the osnoise tracer is in use: %s/current_tracer is %s (rtla?)",
			  t->dir, strtok(top, "\n"));
	for (size_t i = 0; r == 0 && i < nn; i++) {
		struct tracefs_instance *inst = tracefs_instance_alloc(t->dir, names[i]);
		char *cur = inst ? tracefs_instance_file_read(inst, "current_tracer", NULL) : NULL;

		if (holds_osnoise(cur))
			r = failf(
				t, EBUSY,
				"the osnoise tracer is in use: %s/instances/%s/current_tracer is %s (rtla?)",
				t->dir, names[i], strtok(cur, "\n"));
		free(cur);
		tracefs_instance_free(inst);
	}
	free(top);
	names_free(names, nn);
	return r;
}

int tracing_arm_osnoise(struct tracing *t, const cpuset_t *cpus, unsigned int buffer_kb,
			uint64_t period_us, uint64_t threshold_ns)
{
	static const char *const events[] = { "^irq_noise$", "^softirq_noise$", "^thread_noise$",
					      "^nmi_noise$", "^sample_threshold$" };
	char list[CPUSET_MAX * 6], val[32];
	int r;

	r = tracing_osnoise_holder(t);
	if (r < 0)
		return r;
	memset(t->saved, 0, sizeof(t->saved));
	for (int i = 0; i < TRACING_NSAVED; i++) {
		char *v = tracefs_instance_file_read(NULL, globals[i], NULL);

		if (!v) {
			if (i ==
			    6) /* the options file came with 6.x: without it, the workload is on */
				continue;
			return failf(t, errno_or(ENOENT), "cannot read %s/%s", t->dir, globals[i]);
		}
		v[strcspn(v, "\n")] = '\0';
		snprintf(t->saved[i], sizeof(t->saved[i]), "%s", v);
		free(v);
	}
	snprintf(t->name, sizeof(t->name), TRACING_INSTANCE_PREFIX "%d", (int)getpid());
	r = saved_write(t);
	if (r < 0)
		return r;
	/* from here on, disarming puts the globals back */
	t->cpus = *cpus;
	t->nbits = cpuset_span(cpus);
	t->inst = tracefs_instance_create(t->name);
	if (!t->inst) {
		saved_remove(t, t->name);
		return failf(t, errno_or(EIO), "cannot make %s/instances/%s", t->dir, t->name);
	}
	t->osnoise = true;
	cpuset_format_list(cpus, list, sizeof(list));
	r = write_file(t, "tracing_on", "0");
	if (r == 0)
		r = write_file(t, "trace_clock", "mono");
	if (r == 0)
		r = write_file(t, "options/overwrite", "0");
	if (r == 0 && tracefs_instance_set_buffer_size(t->inst, buffer_kb, -1) < 0)
		r = failf(t, errno_or(EIO), "cannot size %s/instances/%s/buffer_size_kb", t->dir,
			  t->name);
	if (r == 0)
		r = write_global(t, "osnoise/cpus", list);
	/* runtime first down to the period: runtime <= period at every step */
	snprintf(val, sizeof(val), "%" PRIu64, period_us);
	if (r == 0 && (write_global(t, "osnoise/runtime_us", val) < 0 ||
		       write_global(t, "osnoise/period_us", val) < 0))
		r = write_global(t, "osnoise/period_us", val) == 0 ?
			    write_global(t, "osnoise/runtime_us", val) :
			    -EIO;
	if (r == 0)
		r = write_global(t, "osnoise/stop_tracing_us", "0");
	if (r == 0)
		r = write_global(t, "osnoise/stop_tracing_total_us", "0");
	snprintf(val, sizeof(val), "%" PRIu64,
		 threshold_ns == 5000 ? 0 : (threshold_ns + 999) / 1000);
	if (r == 0)
		r = write_global(t, "tracing_thresh", val);
	if (r == 0 && t->saved[6][0])
		r = write_global(t, "osnoise/options", "OSNOISE_WORKLOAD");
	for (size_t i = 0; r == 0 && i < sizeof(events) / sizeof(events[0]); i++)
		if (tracefs_event_enable(t->inst, "osnoise", events[i]) < 0)
			r = failf(t, errno_or(ENOENT),
				  "cannot enable osnoise:%s in %s/instances/%s", events[i], t->dir,
				  t->name);
	if (r == 0)
		r = write_file(t, "tracing_on", "1");
	if (r == 0)
		r = write_file(t, "current_tracer", "osnoise");
	if (r < 0)
		disarm_keeping_err(t);
	return r;
}

/* --- reading ------------------------------------------------------------------ */

/* The events read so far, items of size bytes (struct noise_event or osnoise_event). */
struct reader {
	char *v;
	size_t size, n, cap;
	int err;
};

/* A new zeroed item at the end; NULL (and rd->err) when out of memory. */
static void *reader_new(struct reader *rd)
{
	void *item;

	if (rd->n == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 4096;
		char *v = realloc(rd->v, cap * rd->size);

		if (!v) {
			rd->err = -ENOMEM;
			return NULL;
		}
		rd->v = v;
		rd->cap = cap;
	}
	item = rd->v + rd->n++ * rd->size;
	memset(item, 0, rd->size);
	return item;
}

static bool field_int(struct tep_event *ev, struct tep_record *rec, const char *name,
		      long long *ret)
{
	unsigned long long val;

	if (tep_get_field_val(NULL, ev, name, rec, &val, 0) < 0)
		return false;
	*ret = (long long)val;
	return true;
}

static void field_str(struct tep_event *ev, struct tep_record *rec, const char *name, char *buf,
		      size_t len)
{
	int n = 0;
	const char *s = tep_get_field_raw(NULL, ev, name, rec, &n, 0);
	size_t k = 0;

	if (s)
		while ((int)k < n && k + 1 < len && s[k])
			buf[k] = s[k], k++;
	buf[k] = '\0';
}

/* "local_timer_entry" -> "local_timer", and whether it is the entry. */
static bool vector_name(const char *event, char *buf, size_t len, bool *entry)
{
	size_t n = strlen(event);

	if (n > 6 && !strcmp(event + n - 6, "_entry"))
		*entry = true, n -= 6;
	else if (n > 5 && !strcmp(event + n - 5, "_exit"))
		*entry = false, n -= 5;
	else
		return false;
	if (n >= len)
		n = len - 1;
	memcpy(buf, event, n);
	buf[n] = '\0';
	return true;
}

static int on_record(struct tep_event *ev, struct tep_record *rec, int cpu, void *ctx)
{
	struct reader *rd = ctx;
	struct noise_event *e, tmp;
	long long v;
	bool entry;

	memset(&tmp, 0, sizeof(tmp));
	tmp.irq = -1;
	tmp.ts = rec->ts;
	tmp.cpu = (unsigned int)cpu;
	if (!strcmp(ev->system, "irq") && !strcmp(ev->name, "irq_handler_entry")) {
		tmp.type = NOISE_EV_IRQ_ENTRY;
		if (field_int(ev, rec, "irq", &v))
			tmp.irq = (int)v;
		field_str(ev, rec, "name", tmp.name, sizeof(tmp.name));
	} else if (!strcmp(ev->system, "irq") && !strcmp(ev->name, "irq_handler_exit")) {
		tmp.type = NOISE_EV_IRQ_EXIT;
		if (field_int(ev, rec, "irq", &v))
			tmp.irq = (int)v;
	} else if (!strcmp(ev->system, "irq") &&
		   (!strcmp(ev->name, "softirq_entry") || !strcmp(ev->name, "softirq_exit"))) {
		tmp.type = !strcmp(ev->name, "softirq_entry") ? NOISE_EV_SOFTIRQ_ENTRY :
								NOISE_EV_SOFTIRQ_EXIT;
		if (field_int(ev, rec, "vec", &v))
			tmp.irq = (int)v;
	} else if (!strcmp(ev->system, "irq_vectors") &&
		   vector_name(ev->name, tmp.name, sizeof(tmp.name), &entry)) {
		tmp.type = entry ? NOISE_EV_VECTOR_ENTRY : NOISE_EV_VECTOR_EXIT;
		if (field_int(ev, rec, "vector", &v))
			tmp.irq = (int)v;
	} else if (!strcmp(ev->system, "sched") && !strcmp(ev->name, "sched_switch")) {
		tmp.type = NOISE_EV_SWITCH;
		if (field_int(ev, rec, "prev_pid", &v))
			tmp.prev_pid = (pid_t)v;
		if (field_int(ev, rec, "next_pid", &v))
			tmp.next_pid = (pid_t)v;
		field_str(ev, rec, "prev_comm", tmp.prev_comm, sizeof(tmp.prev_comm));
		field_str(ev, rec, "next_comm", tmp.next_comm, sizeof(tmp.next_comm));
	} else if (!strcmp(ev->system, "nmi") && !strcmp(ev->name, "nmi_handler")) {
		const char *fn = NULL;

		tmp.type = NOISE_EV_NMI;
		if (field_int(ev, rec, "delta_ns", &v) && v > 0)
			tmp.nmi_ns = (uint64_t)v;
		if (field_int(ev, rec, "handler", &v))
			fn = tep_find_function(ev->tep, (unsigned long long)v);
		if (fn)
			snprintf(tmp.name, sizeof(tmp.name), "%s", fn);
		else
			snprintf(tmp.name, sizeof(tmp.name), "nmi");
	} else {
		return 0;
	}
	if (rec->missed_events) {
		e = reader_new(rd);
		if (!e)
			return -1;
		e->cpu = (unsigned int)cpu;
		e->ts = rec->ts;
		e->irq = -1;
		e->type = NOISE_EV_LOST;
		/* -1: the kernel did not say how many */
		e->irq = rec->missed_events > 0 && rec->missed_events < (1LL << 30) ?
				 (int)rec->missed_events :
				 -1;
	}
	e = reader_new(rd);
	if (!e)
		return -1;
	*e = tmp;
	return 0;
}

/* Every recorded event of the armed CPUs through cb, the formats of systems parsed. */
static int iterate(struct tracing *t, const char *const *systems,
		   int (*cb)(struct tep_event *, struct tep_record *, int, void *), void *ctx)
{
	struct tep_handle *tep;
	cpu_set_t *cs;
	size_t size;
	int r;

	if (!t->inst)
		return failf(t, EINVAL, "tracing is not armed");
	tep = tracefs_local_events_system(t->dir, systems);
	if (!tep)
		return failf(t, errno_or(EIO), "cannot read the event formats under %s/events",
			     t->dir);
	size = CPU_ALLOC_SIZE(t->nbits ? t->nbits : 1);
	cs = CPU_ALLOC(t->nbits ? t->nbits : 1);
	if (!cs) {
		tep_free(tep);
		return failf(t, ENOMEM, "reading the events");
	}
	CPU_ZERO_S(size, cs);
	cpuset_foreach(cpu, &t->cpus)
		CPU_SET_S((size_t)cpu, size, cs);
	errno = 0;
	r = tracefs_iterate_raw_events(tep, t->inst, cs, (int)size, cb, ctx);
	CPU_FREE(cs);
	tep_free(tep);
	if (r < 0)
		return failf(t, errno_or(EIO), "cannot read the events of %s/instances/%s", t->dir,
			     t->name);
	return 0;
}

static int on_osnoise_record(struct tep_event *ev, struct tep_record *rec, int cpu, void *ctx)
{
	struct reader *rd = ctx;
	struct osnoise_event tmp, *e;
	long long v;

	memset(&tmp, 0, sizeof(tmp));
	tmp.id = -1;
	tmp.cpu = (unsigned int)cpu;
	if (!strcmp(ev->system, "ftrace") && !strcmp(ev->name, "osnoise")) {
		/* the period summary: microseconds */
		tmp.type = OSNOISE_EV_PERIOD;
		if (field_int(ev, rec, "runtime", &v))
			tmp.runtime = (uint64_t)v * 1000;
		if (field_int(ev, rec, "noise", &v))
			tmp.noise = (uint64_t)v * 1000;
		if (field_int(ev, rec, "max_sample", &v))
			tmp.max_sample = (uint64_t)v * 1000;
	} else if (strcmp(ev->system, "osnoise") != 0) {
		return 0;
	} else if (!strcmp(ev->name, "irq_noise")) {
		tmp.type = OSNOISE_EV_IRQ;
		if (field_int(ev, rec, "vector", &v))
			tmp.id = (int)v;
		field_str(ev, rec, "desc", tmp.name, sizeof(tmp.name));
	} else if (!strcmp(ev->name, "softirq_noise")) {
		tmp.type = OSNOISE_EV_SOFTIRQ;
		if (field_int(ev, rec, "vector", &v))
			tmp.id = (int)v;
	} else if (!strcmp(ev->name, "thread_noise")) {
		tmp.type = OSNOISE_EV_THREAD;
		if (field_int(ev, rec, "pid", &v))
			tmp.id = (int)v;
		field_str(ev, rec, "comm", tmp.name, NOISE_COMM_MAX);
	} else if (!strcmp(ev->name, "nmi_noise")) {
		tmp.type = OSNOISE_EV_NMI;
	} else if (!strcmp(ev->name, "sample_threshold")) {
		tmp.type = OSNOISE_EV_SAMPLE;
		if (field_int(ev, rec, "interference", &v))
			tmp.id = (int)v;
	} else {
		return 0;
	}
	if (tmp.type != OSNOISE_EV_PERIOD && field_int(ev, rec, "duration", &v) && v > 0)
		tmp.duration = (uint64_t)v;
	if (rec->missed_events) {
		e = reader_new(rd);
		if (!e)
			return -1;
		e->cpu = (unsigned int)cpu;
		e->id = -1;
		e->type = OSNOISE_EV_LOST;
	}
	e = reader_new(rd);
	if (!e)
		return -1;
	*e = tmp;
	return 0;
}

/* Every event of systems through cb into items of size bytes: *ret (free() it), *ret_n. */
static int read_all(struct tracing *t, const char *const *systems,
		    int (*cb)(struct tep_event *, struct tep_record *, int, void *), size_t size,
		    void **ret, size_t *ret_n)
{
	struct reader rd = { .size = size };
	int r = iterate(t, systems, cb, &rd);

	if (r == 0 && rd.err < 0)
		r = failf(t, -rd.err, "reading the events");
	if (r < 0) {
		free(rd.v);
		return r;
	}
	*ret = rd.v;
	*ret_n = rd.n;
	return 0;
}

int tracing_read(struct tracing *t, struct noise_event **ret, size_t *ret_n)
{
	static const char *const systems[] = { "irq", "irq_vectors", "sched", "nmi", NULL };
	void *v;
	int r = read_all(t, systems, on_record, sizeof(**ret), &v, ret_n);

	if (r == 0)
		*ret = v;
	return r;
}

int tracing_read_osnoise(struct tracing *t, struct osnoise_event **ret, size_t *ret_n)
{
	static const char *const systems[] = { "osnoise", "ftrace", NULL };
	void *v;
	int r = read_all(t, systems, on_osnoise_record, sizeof(**ret), &v, ret_n);

	if (r == 0)
		*ret = v;
	return r;
}
