// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify: the `irq-affinity` and `irq-activity` checks.
 *
 * /proc/irq/N is read through lib/irq (shared with early-pin); what only the
 * verifier needs (handler names, immovable flag) is read here. Whether an
 * IRQ can be moved at all shows in its files only from 6.12 (mode 0444) or
 * with CONFIG_GENERIC_IRQ_DEBUGFS; before that, only a write tells (EIO),
 * and the verifier never writes: it reads what early-pin's write found out
 * in IRQRECORD_PATH (lib/irqrecord.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "irq.h"
#include "pathnames.h"
#include "irqrecord.h"
#include "isolation.h"
#include "verify.h"

#define LIST_BUF 512
#define MAX_LISTED 64

struct irqinfo {
	unsigned int irq;
	cpuset_t where;	    /* effective affinity (or requested, see source) */
	const char *source; /* which file "where" came from */
	cpuset_t requested; /* smp_affinity, when where is the effective one */
	bool has_requested;
	bool immovable;	    /* managed / per-CPU / no-balancing: affinity cannot be set */
	bool managed;	    /* debugfs says IRQD_AFFINITY_MANAGED */
	const char *reason; /* why it counts as immovable */
	char reason_buf[32];
	char actions[IRQRECORD_ACTIONS_MAX]; /* handler names, sorted, ", " separated */
};

/* 0, or -errno (-ENODATA: neither affinity says anything). *ret untouched on failure. */
static int irqinfo_read(struct path_cxt *pc, unsigned int irq, struct irqinfo *ret)
{
	struct irqinfo ii = { .irq = irq };
	struct stat st;
	char dbg[4096];
	int r;

	/* Where the hardware really sends it; an empty effective mask means "not started yet". */
	r = irq_read_effective_affinity(pc, irq, &ii.where);
	if (r == 0 && !cpuset_empty(&ii.where)) {
		ii.source = "effective_affinity";
		/*
		 * What was asked: on the x86 I/O APIC without interrupt
		 * remapping a new affinity waits in smp_affinity until the IRQ
		 * next fires (CONFIG_GENERIC_PENDING_IRQ).
		 */
		ii.has_requested = irq_read_affinity(pc, irq, &ii.requested) == 0 &&
				   !cpuset_empty(&ii.requested);
	} else if (r == 0 || r == -ENOENT || r == -ENODATA) {
		/* smp_affinity only when effective_affinity is absent or empty, not malformed */
		r = irq_read_affinity(pc, irq, &ii.where);
		if (r == 0 && !cpuset_empty(&ii.where))
			ii.source = "smp_affinity";
	}
	if (!ii.source)
		return r < 0 && r != -ENODATA ? r : -ENODATA;

	/* 6.12+: immovable IRQs get a read-only smp_affinity. */
	if (path_get(pc, PATH_PROC_IRQ "/%u/smp_affinity", irq) && stat(path_last(pc), &st) == 0 &&
	    !(st.st_mode & 0222)) {
		ii.immovable = true;
		ii.reason = "smp_affinity is read-only";
	}
	if (path_read_buf(pc, dbg, sizeof(dbg), PATH_DEBUGFS_IRQS "/%u", irq) > 0 &&
	    strstr(dbg, "AFFINITY_MANAGED")) {
		ii.managed = true;
		ii.immovable = true;
		ii.reason = "debugfs: AFFINITY_MANAGED";
	}

	/* Handler names are the subdirectories of /proc/irq/N: unlisted, it is not "unused". */
	r = irqrecord_read_actions(pc, irq, ii.actions, sizeof(ii.actions));
	if (r < 0)
		return r;
	*ret = ii;
	return 0;
}

/* A note in details.notes, for what was looked at and set aside. */
static void __attribute__((format(printf, 2, 3))) note_add(struct check *c, const char *fmt, ...)
{
	json_object *notes = check_detail_array(c, "notes");
	char *s = NULL;
	va_list ap;
	int n;

	if (json_object_array_length(notes) >= 32)
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n >= 0)
		json_object_array_add(notes, json_object_new_string(s));
	free(s);
}

/*
 * early-pin's record of the IRQs whose affinity write the kernel refused.
 * Used only when it is intact and of this boot: a record of another boot
 * names IRQs that no longer exist, and a damaged one proves nothing -- either
 * is set aside with a note, and the IRQs it names count as movable.
 * Returns true when *ret is to be used (then the caller frees it).
 */
static bool record_load(struct verify *v, struct check *c, struct irqrecord *ret)
{
	json_object *o = check_detail_object(c, "early_pin_record");
	char now[IRQRECORD_BOOT_ID_MAX];
	struct irqrecord rec;
	unsigned int line = 0;
	int r;

	json_object_object_add(o, "path", json_object_new_string(IRQRECORD_PATH));
	r = irqrecord_read(&v->pc, &rec, &line);
	if (r == -ENOENT || r == -ENOTDIR) {
		json_object_object_add(o, "status", json_object_new_string("absent"));
		return false;
	}
	if (r < 0) {
		json_object_object_add(
			o, "status",
			json_object_new_string(r == -EBADMSG || r == -EMEDIUMTYPE ||
							       r == -EPROTONOSUPPORT ?
						       "invalid" :
						       "unreadable"));
		if (r == -EBADMSG && line)
			note_add(c, "early-pin's record %s ignored: damaged at line %u",
				 path_last(&v->pc), line);
		else if (r == -EBADMSG || r == -EMEDIUMTYPE)
			note_add(c, "early-pin's record %s ignored: %s", path_last(&v->pc),
				 r == -EBADMSG ? "damaged or cut short" :
						 "not a record of immovable IRQs");
		else
			note_add(c, "early-pin's record %s ignored: %s", path_last(&v->pc),
				 strerror(-r));
		return false;
	}
	json_object_object_add(o, "boot_id", json_object_new_string(rec.boot_id));
	json_object_object_add(o, "irqs", json_object_new_int64((int64_t)rec.n));
	r = isolation_boot_id(&v->pc, now, sizeof(now));
	if (r < 0) {
		json_object_object_add(o, "status", json_object_new_string("unverifiable"));
		note_add(
			c,
			"early-pin's record ignored: cannot tell whether it is of this boot: %s: %s",
			path_last(&v->pc), strerror(-r));
		irqrecord_free(&rec);
		return false;
	}
	if (strcmp(now, rec.boot_id) != 0) {
		json_object_object_add(o, "status", json_object_new_string("stale"));
		note_add(
			c,
			"early-pin's record %s ignored: written in another boot (boot_id %s, now %s)",
			IRQRECORD_PATH, rec.boot_id, now);
		irqrecord_free(&rec);
		return false;
	}
	json_object_object_add(o, "status", json_object_new_string("used"));
	*ret = rec;
	return true;
}

/* Does early-pin's record excuse this IRQ? Handler names that changed mean the number was reused. */
static void record_apply(struct check *c, const struct irqrecord *rec, struct irqinfo *ii)
{
	const struct irqrecord_irq *e = irqrecord_find(rec, ii->irq);

	if (!e)
		return;
	if (e->actions[0] && strcmp(e->actions, ii->actions) != 0) {
		note_add(
			c,
			"IRQ %u was '%s' when early-pin recorded it immovable and is '%s' now: not excused",
			ii->irq, e->actions, ii->actions);
		return;
	}
	ii->immovable = true;
	snprintf(ii->reason_buf, sizeof(ii->reason_buf), "early-pin got %s",
		 irqrecord_errname(e->err) ? irqrecord_errname(e->err) : "EIO");
	ii->reason = ii->reason_buf;
}

static void report_immovable(struct verify *v, struct check *c, const struct irqinfo *ii,
			     const cpuset_t *on)
{
	const struct expectation *p = &v->expect;
	char a[LIST_BUF];
	bool managed_irq_given = p->isolcpus_ok && (p->iso.flags & ISOL_FLAG_MANAGED_IRQ) &&
				 cpuset_subset(on, &p->iso.cpus);

	check_problem(
		c, VS_WARNING,
		"IRQ %u (%s) is %s (%s) and reaches isolated CPUs %s: it cannot be moved; %s",
		ii->irq, ii->actions, ii->managed ? "managed" : "immovable", ii->reason,
		cpulist_str(on, a, sizeof(a)),
		managed_irq_given ?
			"isolcpus=managed_irq cannot help when all its CPUs are isolated: reduce the device's queue count" :
			"boot with isolcpus=managed_irq,... or reduce the device's queue count");
}

/* What check_irq_affinity counts and lists while it walks /proc/irq. */
struct irq_affinity {
	struct verify *v;
	struct check *c;
	json_object *bad, *immovable, *pending;
	struct irqrecord rec;
	bool have_rec;
	size_t nbad, nimm, npending, nrec, unused, unreadable;
};

/* /proc/irq/default_smp_affinity: where IRQs set up from now on land. */
static void irq_affinity_check_default(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	char a[LIST_BUF], b[LIST_BUF];
	cpuset_t dflt;
	int r;

	r = irq_read_default_affinity(&v->pc, &dflt);
	if (r < 0) {
		check_problem(c, VS_UNKNOWN, "cannot read %s: %s", path_last(&v->pc),
			      path_read_strerror(r));
		return;
	}
	check_detail_cpuset(c, "default_smp_affinity", &dflt);
	if (!cpuset_subset(&dflt, &p->housekeeping))
		check_problem(
			c, VS_CRITICAL,
			PATH_PROC_IRQ
			"/default_smp_affinity (%s) reaches isolated CPUs: IRQs set up from now on land there; run early-pin or write %s to /proc/irq/default_smp_affinity",
			cpulist_str(&dflt, a, sizeof(a)),
			cpulist_str(&p->housekeeping, b, sizeof(b)));
}

/* Add o to list unless it already holds MAX_LISTED entries. */
static void irq_affinity_list(json_object *list, json_object *o)
{
	if (json_object_array_length(list) < MAX_LISTED)
		json_object_array_add(list, o);
	else
		json_object_put(o);
}

/* The details entry of one IRQ that reaches isolated CPUs. */
static json_object *irqinfo_json(const struct irqinfo *ii)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "irq", json_object_new_int64(ii->irq));
	json_object_object_add(o, "actions", json_object_new_string(ii->actions));
	json_object_object_add(o, "affinity", json_cpulist(&ii->where));
	json_object_object_add(o, "source", json_object_new_string(ii->source));
	json_object_object_add(o, "managed", json_object_new_boolean(ii->managed));
	json_object_object_add(o, "immovable", json_object_new_boolean(ii->immovable));
	return o;
}

/* Judge one IRQ: count it, and report it when it reaches isolated CPUs. */
static void irq_affinity_one(struct irq_affinity *ia, unsigned int irq)
{
	const struct expectation *p = &ia->v->expect;
	struct check *c = ia->c;
	char a[LIST_BUF], b[LIST_BUF];
	struct irqinfo ii;
	cpuset_t on;
	json_object *o;
	int r;

	r = irqinfo_read(&ia->v->pc, irq, &ii);
	if (r == -ENOENT && !path_exists(&ia->v->pc, PATH_PROC_IRQ "/%u", irq))
		return; /* freed while we looked */
	if (r < 0) {
		ia->unreadable++;
		if (ia->unreadable <= 8)
			check_problem(c, VS_UNKNOWN, "IRQ %u: cannot read its affinity: %s: %s",
				      irq, path_last(&ia->v->pc), path_read_strerror(r));
		return;
	}
	if (!ii.actions[0]) {
		ia->unused++; /* no handler: nothing raises it */
		return;
	}
	if (!cpuset_intersects(&ii.where, &p->isolated))
		return;
	if (!ii.immovable && ia->have_rec) {
		record_apply(c, &ia->rec, &ii);
		if (ii.immovable)
			ia->nrec++;
	}
	cpuset_and(&on, &ii.where, &p->isolated);
	o = irqinfo_json(&ii);
	if (ii.immovable) {
		json_object_object_add(o, "reason", json_object_new_string(ii.reason));
		ia->nimm++;
		irq_affinity_list(ia->immovable, o);
		report_immovable(ia->v, c, &ii, &on);
	} else if (ii.has_requested && !cpuset_intersects(&ii.requested, &p->isolated)) {
		/* moved, and the hardware follows at the IRQ's next interrupt */
		ia->npending++;
		irq_affinity_list(ia->pending, o);
		check_problem(
			c, VS_WARNING,
			"IRQ %u (%s) still reaches isolated CPUs %s until it next fires: its move to %s is pending (the x86 I/O APIC without interrupt remapping moves an IRQ at its next interrupt)",
			ii.irq, ii.actions, cpulist_str(&on, a, sizeof(a)),
			cpulist_str(&ii.requested, b, sizeof(b)));
	} else {
		ia->nbad++;
		irq_affinity_list(ia->bad, o);
		check_problem(
			c, VS_CRITICAL,
			"IRQ %u (%s) is routed to isolated CPUs %s (%s): run early-pin or write %s to /proc/irq/%u/smp_affinity_list",
			ii.irq, ii.actions, cpulist_str(&on, a, sizeof(a)), ii.source,
			cpulist_str(&p->housekeeping, b, sizeof(b)), ii.irq);
	}
}

void check_irq_affinity(struct verify *v, struct check *c)
{
	struct irq_affinity ia = { .v = v, .c = c };
	unsigned int *irqs = NULL;
	size_t nirqs = 0;
	int r;

	if (!expectation_any(&v->expect)) {
		check_skip(c, VERIFY_NONE_ISOLATED);
		return;
	}
	irq_affinity_check_default(v, c);

	r = irq_list(&v->pc, &irqs, &nirqs);
	if (r < 0) {
		check_problem(c, VS_UNKNOWN, "cannot list %s: %s", path_get(&v->pc, PATH_PROC_IRQ),
			      strerror(-r));
		return;
	}
	ia.have_rec = record_load(v, c, &ia.rec);
	ia.bad = check_detail_array(c, "irqs_on_isolated");
	ia.immovable = check_detail_array(c, "immovable_irqs_on_isolated");
	ia.pending = check_detail_array(c, "pending_moves_on_isolated");
	for (size_t i = 0; i < nirqs; i++)
		irq_affinity_one(&ia, irqs[i]);
	free(irqs);
	irqrecord_free(&ia.rec);
	check_detail_int(c, "irqs", (int64_t)nirqs);
	check_detail_int(c, "irqs_unused", (int64_t)ia.unused);
	check_detail_int(c, "irqs_routed_to_isolated", (int64_t)ia.nbad);
	check_detail_int(c, "immovable_irqs_routed_to_isolated", (int64_t)ia.nimm);
	check_detail_int(c, "pending_moves_to_housekeeping", (int64_t)ia.npending);
	check_detail_int(c, "immovable_irqs_known_from_record", (int64_t)ia.nrec);
	check_detail_int(c, "irqs_unreadable", (int64_t)ia.unreadable);
	if (ia.unreadable > 8)
		check_problem(c, VS_UNKNOWN, "%zu IRQs in total had unreadable affinities",
			      ia.unreadable);
	check_ok(
		c,
		"none of %zu IRQs is routed to an isolated CPU; default_smp_affinity is housekeeping",
		nirqs);
}

/* --- irq-activity ---------------------------------------------------------- */

static const char *const vector_names[] = { "LOC", "RES", "CAL", "TLB", "NMI", "IWI", "PMI",
					    "TRM", "THR", "MCE", "MCP", "SPU", "DFR", "HYP" };

/* The rate of a named counter of one CPU in the details, 0 when it has none. */
static double vector_rate(json_object *cpuo, const char *name)
{
	json_object *o;

	return json_object_object_get_ex(cpuo, name, &o) ? json_object_get_double(o) : 0;
}

/* What check_irq_activity gathers while it walks the two samples. */
struct irq_activity {
	struct verify *v;
	struct check *c;
	struct irqrecord rec; /* early-pin's record, loaded at the first IRQ that fired */
	int rec_state;	      /* 0: not looked at yet, 1: loaded, -1: none to use */
	json_object *percpu;  /* isolated CPU -> counter name -> rate */
	json_object *fired;   /* device IRQs seen on isolated CPUs */
	json_object *notes;
	size_t nfired;
	double secs;
};

/* A note in the details, at most 32 of them. */
static void irq_activity_note(struct irq_activity *ia, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void irq_activity_note(struct irq_activity *ia, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	if (json_object_array_length(ia->notes) >= 32)
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n >= 0)
		json_object_array_add(ia->notes, json_object_new_string(s));
	free(s);
}

/* The reasons to skip the check, or to give up on it; false when it can run. */
static bool irq_activity_cannot_run(struct verify *v, struct check *c)
{
	if (!expectation_any(&v->expect)) {
		check_skip(c, VERIFY_NONE_ISOLATED);
		return true;
	}
	if (v->opt.interval <= 0) {
		check_skip(c, "--interval 0: /proc/interrupts was not sampled twice");
		return true;
	}
	if (v->irq_err[0] < 0 || v->irq_err[1] < 0) {
		int e = v->irq_err[0] < 0 ? v->irq_err[0] : v->irq_err[1];

		check_problem(c, VS_UNKNOWN, "cannot sample %s: %s",
			      path_get(&v->pc, PATH_PROC_INTERRUPTS), strerror(-e));
		return true;
	}
	if (!v->sampled || v->elapsed <= 0) {
		check_problem(c, VS_UNKNOWN, "no second sample of /proc/interrupts was taken");
		return true;
	}
	return false;
}

/* CPUs that lack a column in either sample cannot be judged. */
static void irq_activity_check_columns(struct irq_activity *ia)
{
	const struct expectation *p = &ia->v->expect;

	cpuset_foreach(cpu, &p->isolated) {
		if (interrupts_column(&ia->v->irq[0], (unsigned int)cpu) < 0 ||
		    interrupts_column(&ia->v->irq[1], (unsigned int)cpu) < 0) {
			if (cpuset_test(&p->online, (unsigned int)cpu))
				check_problem(
					ia->c, VS_UNKNOWN,
					"isolated CPU %d has no column in /proc/interrupts (offline during the sample?)",
					cpu);
		}
	}
}

/* The details object of one isolated CPU, made on first use. */
static json_object *irq_activity_cpu(struct irq_activity *ia, int cpu)
{
	char key[16];
	json_object *cpuo = NULL;

	snprintf(key, sizeof(key), "%d", cpu);
	if (!json_object_object_get_ex(ia->percpu, key, &cpuo)) {
		cpuo = json_object_new_object();
		json_object_object_add(ia->percpu, key, cpuo);
	}
	return cpuo;
}

/*
 * Is the IRQ that fired one the kernel does not let anybody move (managed
 * queue IRQs: 6.12's read-only smp_affinity, debugfs, or early-pin's record
 * of the EIO it got)? Then *ret says why, as in irq-affinity.
 */
static bool irq_activity_immovable(struct irq_activity *ia, unsigned int irq, struct irqinfo *ret)
{
	if (irqinfo_read(&ia->v->pc, irq, ret) < 0)
		return false;
	if (!ret->immovable && ia->rec_state == 0)
		ia->rec_state = record_load(ia->v, ia->c, &ia->rec) ? 1 : -1;
	if (!ret->immovable && ia->rec_state == 1)
		record_apply(ia->c, &ia->rec, ret);
	return ret->immovable;
}

/*
 * A device IRQ fired d times on isolated CPU cpu: list it and report it.
 * CRITICAL when it could have been moved; a WARNING when it cannot be (as
 * irq-affinity says of the same IRQ), because nothing at run time helps.
 */
static void irq_activity_fired(struct irq_activity *ia, const struct irq_row *r1, int cpu,
			       uint64_t d)
{
	struct irqinfo ii;
	bool immovable;
	json_object *o;

	immovable = r1->numeric && irq_activity_immovable(ia, r1->irq, &ii);
	ia->nfired++;
	o = json_object_new_object();
	json_object_object_add(o, "irq", json_object_new_int64(r1->irq));
	json_object_object_add(o, "actions", json_object_new_string(r1->actions));
	json_object_object_add(o, "cpu", json_object_new_int(cpu));
	json_object_object_add(o, "count", json_object_new_int64((int64_t)d));
	json_object_object_add(o, "immovable", json_object_new_boolean(immovable));
	if (immovable)
		json_object_object_add(o, "reason", json_object_new_string(ii.reason));
	if (json_object_array_length(ia->fired) < MAX_LISTED)
		json_object_array_add(ia->fired, o);
	else
		json_object_put(o);
	if (immovable)
		check_problem(
			ia->c, VS_WARNING,
			"IRQ %s (%s) fired %llu times on isolated CPU %d in %.1f s: it is %s (%s) and cannot be moved; boot with isolcpus=managed_irq,... or reduce the device's queue count",
			r1->name, r1->actions[0] ? r1->actions : r1->desc, (unsigned long long)d,
			cpu, ia->secs, ii.managed ? "managed" : "immovable", ii.reason);
	else
		check_problem(
			ia->c, VS_CRITICAL,
			"IRQ %s (%s) fired %llu times on isolated CPU %d in %.1f s: move it to housekeeping CPUs (early-pin, or /proc/irq/%s/smp_affinity_list)",
			r1->name, r1->actions[0] ? r1->actions : r1->desc, (unsigned long long)d,
			cpu, ia->secs, r1->name);
}

/* One row of /proc/interrupts on every isolated CPU; r0 is NULL or its first sample. */
static void irq_activity_row(struct irq_activity *ia, const struct irq_row *r0,
			     const struct irq_row *r1)
{
	const struct interrupts *s0 = &ia->v->irq[0], *s1 = &ia->v->irq[1];
	bool fresh = false;

	if (!r0 || !irq_row_same_source(r0, r1)) {
		/* Set up (or replaced) during the interval: every count is new. */
		fresh = true;
		irq_activity_note(ia, "%s %s appeared during the interval (%s)",
				  r1->numeric ? "IRQ" : "counter", r1->name, r1->desc);
	}
	cpuset_foreach(cpu, &ia->v->expect.isolated) {
		uint64_t before = 0, after, d;
		int w;

		if (irq_row_count(s1, r1, (unsigned int)cpu, &after) < 0)
			continue;
		if (!fresh && irq_row_count(s0, r0, (unsigned int)cpu, &before) < 0)
			continue;
		w = interrupts_delta(before, after, &d);
		if (w < 0) {
			check_problem(
				ia->c, VS_UNKNOWN,
				"%s counter %s on CPU %d went backwards (%llu -> %llu): it was reset during the interval; run again",
				r1->numeric ? "IRQ" : "the", r1->name, cpu,
				(unsigned long long)before, (unsigned long long)after);
			continue;
		}
		if (w == 1)
			irq_activity_note(ia, "counter %s on CPU %d wrapped", r1->name, cpu);
		if (!r1->numeric)
			json_object_object_add(irq_activity_cpu(ia, cpu), r1->name,
					       json_double3((double)d / ia->secs));
		else if (d)
			irq_activity_fired(ia, r1, cpu, d);
	}
}

/* A nohz_full CPU whose local timer still ticks fast: say so, and who may cause it. */
static void irq_activity_check_tick(struct irq_activity *ia)
{
	const struct expectation *p = &ia->v->expect;

	cpuset_foreach(cpu, &p->nohz) {
		char key[16];
		json_object *cpuo;
		double loc, ipi;

		snprintf(key, sizeof(key), "%d", cpu);
		if (!cpuset_test(&p->isolated, (unsigned int)cpu) ||
		    !json_object_object_get_ex(ia->percpu, key, &cpuo))
			continue;
		loc = vector_rate(cpuo, "LOC");
		if (loc <= ia->v->opt.loc_max_rate)
			continue;
		ipi = vector_rate(cpuo, "CAL") + vector_rate(cpuo, "RES") +
		      vector_rate(cpuo, "TLB");
		if (ipi > 0)
			check_problem(
				ia->c, VS_WARNING,
				"the tick is not stopped on nohz_full CPU %d: %.1f local timer interrupts/s, and it took %.1f IPIs/s (CAL %.1f, RES %.1f, TLB %.1f) sent from other CPUs; see the tasks check, and the ipi:ipi_send_cpumask tracepoint for who sends them",
				cpu, loc, ipi, vector_rate(cpuo, "CAL"), vector_rate(cpuo, "RES"),
				vector_rate(cpuo, "TLB"));
		else
			check_problem(
				ia->c, VS_WARNING,
				"the tick is not stopped on nohz_full CPU %d: %.1f local timer interrupts/s (more than one runnable task, a timer or perf event there); see the tasks check",
				cpu, loc);
	}
}

/* Make sure the common vectors are visible even when they did not move. */
static void irq_activity_fill_vectors(struct irq_activity *ia)
{
	cpuset_foreach(cpu, &ia->v->expect.isolated) {
		char key[16];
		json_object *cpuo;

		snprintf(key, sizeof(key), "%d", cpu);
		if (!json_object_object_get_ex(ia->percpu, key, &cpuo))
			continue;
		for (size_t k = 0; k < 4; k++)
			if (!json_object_object_get_ex(cpuo, vector_names[k], NULL) &&
			    interrupts_find(&ia->v->irq[1], vector_names[k]))
				json_object_object_add(cpuo, vector_names[k], json_double3(0));
	}
}

void check_irq_activity(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	const struct interrupts *s0 = &v->irq[0], *s1 = &v->irq[1];
	struct irq_activity ia = { .v = v, .c = c, .secs = v->elapsed };
	char a[LIST_BUF];

	if (irq_activity_cannot_run(v, c))
		return;
	check_detail_double(c, "interval_seconds", ia.secs);
	ia.percpu = check_detail_object(c, "isolated_cpus");
	ia.fired = check_detail_array(c, "device_irqs_on_isolated");
	ia.notes = check_detail_array(c, "notes");

	irq_activity_check_columns(&ia);
	for (size_t i = 0; i < s1->nrows; i++)
		irq_activity_row(&ia, interrupts_find(s0, s1->rows[i].name), &s1->rows[i]);
	irq_activity_check_tick(&ia);
	for (size_t i = 0; i < s0->nrows; i++)
		if (!interrupts_find(s1, s0->rows[i].name))
			irq_activity_note(&ia, "%s %s vanished during the interval",
					  s0->rows[i].numeric ? "IRQ" : "counter",
					  s0->rows[i].name);
	irq_activity_fill_vectors(&ia);
	if (ia.rec_state == 1)
		irqrecord_free(&ia.rec);
	check_detail_int(c, "device_irq_events_on_isolated", (int64_t)ia.nfired);
	check_ok(c, "no device IRQ fired on isolated CPUs %s in %.1f s%s",
		 cpulist_str(&p->isolated, a, sizeof(a)), ia.secs,
		 cpuset_empty(&p->nohz) ? "" : "; the tick is stopped on the nohz_full CPUs");
}
