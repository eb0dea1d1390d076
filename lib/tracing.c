// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tracing: an instance of our own in tracefs, through libtracefs.
 */
#include "tracing.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tracefs.h>

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
	if (strlen(dir) >= sizeof(t->dir))
		return failf(t, ENAMETOOLONG, "%s", dir);
	strcpy(t->dir, dir);
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
static bool run_alive(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (pid <= 0 || pid == getpid())
		return false;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return !strcmp(comm, "isol-verify");
}

static int destroy_named(struct tracing *t, const char *name)
{
	struct tracefs_instance *inst = tracefs_instance_alloc(t->dir, name);
	int r = 0;

	if (!inst)
		return failf(t, errno_or(ENOMEM), "%s/instances/%s", t->dir, name);
	/* events off first: a buffer being written cannot always be removed */
	tracefs_trace_off(inst);
	tracefs_event_disable(inst, NULL, NULL);
	if (tracefs_instance_destroy(inst) < 0)
		r = failf(t, errno_or(EIO), "cannot remove %s/instances/%s", t->dir, name);
	tracefs_instance_free(inst);
	return r;
}

int tracing_sweep(struct tracing *t, char *removed, size_t len)
{
	/* a POSIX basic regex, as libtracefs compiles it */
	char **names = tracefs_instances("^" TRACING_INSTANCE_PREFIX "[0-9][0-9]*$");
	int n = 0, r = 0;

	if (len)
		removed[0] = '\0';
	for (size_t i = 0; names && names[i]; i++) {
		long pid = strtol(names[i] + strlen(TRACING_INSTANCE_PREFIX), NULL, 10);
		size_t used = strlen(removed);

		if (run_alive((pid_t)pid)) {
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
	tracefs_list_free(names);
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
	if (r < 0) {
		char keep[sizeof(t->err)];

		memcpy(keep, t->err, sizeof(keep));
		tracing_disarm(t);
		memcpy(t->err, keep, sizeof(keep));
	}
	return r;
}

int tracing_stop(struct tracing *t)
{
	if (!t->inst)
		return 0;
	return write_file(t, "tracing_on", "0");
}

void tracing_disarm(struct tracing *t)
{
	if (!t->inst)
		return;
	tracefs_trace_off(t->inst);
	tracefs_event_disable(t->inst, NULL, NULL);
	tracefs_instance_destroy(t->inst);
	tracefs_instance_free(t->inst);
	t->inst = NULL;
}

/* --- reading ------------------------------------------------------------------ */

struct reader {
	struct noise_event *v;
	size_t n, cap;
	int err;
};

static struct noise_event *reader_new(struct reader *rd)
{
	if (rd->n == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 4096;
		struct noise_event *v = realloc(rd->v, cap * sizeof(*v));

		if (!v) {
			rd->err = -ENOMEM;
			return NULL;
		}
		rd->v = v;
		rd->cap = cap;
	}
	memset(&rd->v[rd->n], 0, sizeof(rd->v[0]));
	rd->v[rd->n].irq = -1;
	return &rd->v[rd->n++];
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

int tracing_read(struct tracing *t, struct noise_event **ret, size_t *ret_n)
{
	static const char *const systems[] = { "irq", "irq_vectors", "sched", "nmi", NULL };
	struct reader rd = { 0 };
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
	r = tracefs_iterate_raw_events(tep, t->inst, cs, (int)size, on_record, &rd);
	CPU_FREE(cs);
	tep_free(tep);
	if (rd.err < 0) {
		free(rd.v);
		return failf(t, -rd.err, "reading the events");
	}
	if (r < 0) {
		free(rd.v);
		return failf(t, errno_or(EIO), "cannot read the events of %s/instances/%s", t->dir,
			     t->name);
	}
	*ret = rd.v;
	*ret_n = rd.n;
	return 0;
}
