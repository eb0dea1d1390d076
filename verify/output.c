// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify: output formats: a table for people, JSON (versioned schema,
 * see isol-verify(8)), and the node_exporter textfile format.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verify.h"

/* The overall verdict in the table's first line; never VS_SKIPPED (verify_verdict). */
static const char *verdict_name(enum vstatus st)
{
	static const char *const names[] = {
		[VS_OK] = "OK",
		[VS_WARNING] = "WARNING",
		[VS_CRITICAL] = "CRITICAL",
		[VS_UNKNOWN] = "UNKNOWN",
	};

	return (size_t)st < sizeof(names) / sizeof(names[0]) && names[st] ? names[st] : "UNKNOWN";
}

static const char *status_color(enum vstatus st)
{
	switch (st) {
	case VS_OK:
		return "\033[32m";
	case VS_WARNING:
		return "\033[33m";
	case VS_CRITICAL:
		return "\033[1;31m";
	case VS_UNKNOWN:
		return "\033[35m";
	case VS_SKIPPED:
		return "\033[2m";
	}
	return "";
}

static void count_status(const struct verify *v, unsigned int ret[5])
{
	memset(ret, 0, 5 * sizeof(ret[0]));
	for (int i = 0; i < CHK_COUNT; i++)
		ret[v->checks[i].status]++;
}

void output_table(const struct verify *v, FILE *f, bool color, bool verbose)
{
	enum vstatus verdict = verify_verdict(v);
	unsigned int n[5];
	char *iso = cpuset_to_list(&v->expect.isolated),
	     *hk = cpuset_to_list(&v->expect.housekeeping);
	char how[600] = "";

	/* How, when not (only) by the command line: "(at run time by /p)". */
	if (!cpuset_empty(&v->expect.runtime)) {
		char names[512];

		expectation_partitions_str(&v->expect, &v->expect.runtime, names, sizeof(names));
		snprintf(how, sizeof(how), " (%sat run time by %s)",
			 expectation_cmdline_any(&v->expect) ? "at boot and " : "",
			 names[0] ? names : "a nested partition");
	}

	/* The verdict comes first: monitoring plugins take the first line as the status text. */
	count_status(v, n);
	fprintf(f,
		"%sISOL-VERIFY %s%s: %u critical, %u warning, %u unknown, %u ok, %u skipped; isolated %s%s, housekeeping %s\n\n",
		color ? status_color(verdict) : "", verdict_name(verdict), color ? "\033[0m" : "",
		n[VS_CRITICAL], n[VS_WARNING], n[VS_UNKNOWN], n[VS_OK], n[VS_SKIPPED],
		iso && *iso ? iso : "none", how, hk && *hk ? hk : "none");
	free(iso);
	free(hk);

	fprintf(f, "%-18s %-9s %s\n", "CHECK", "STATUS", "MESSAGE");
	for (int i = 0; i < CHK_COUNT; i++) {
		const struct check *c = &v->checks[i];

		fprintf(f, "%-18s %s%-9s%s %s\n", c->id, color ? status_color(c->status) : "",
			vstatus_name(c->status), color ? "\033[0m" : "",
			c->message ? c->message : "");
		if (verbose) {
			json_object *problems;

			if (json_object_object_get_ex(c->details, "problems", &problems) &&
			    json_object_array_length(problems) > 1) {
				for (size_t k = 0; k < json_object_array_length(problems); k++) {
					json_object *pr = json_object_array_get_idx(problems, k),
						    *st, *msg;

					if (json_object_object_get_ex(pr, "status", &st) &&
					    json_object_object_get_ex(pr, "message", &msg))
						fprintf(f, "%-18s   %-8s %s\n", "",
							json_object_get_string(st),
							json_object_get_string(msg));
				}
			}
			json_object_object_foreach(c->details, key, val) {
				if (strcmp(key, "problems") == 0)
					continue;
				fprintf(f, "%-18s   %s: %s\n", "", key,
					val ? json_object_to_json_string_ext(
						      val, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE) :
					      "null");
			}
		}
	}
}

/* The names of the valid isolated partitions ("/quietcore-isolated.slice"). */
static json_object *plan_partitions(const struct expectation *p)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < p->rt.nparts; i++) {
		char name[CGROUP_NAME_MAX + 2];

		if (!isolation_partition_valid(&p->rt.parts[i]))
			continue;
		snprintf(name, sizeof(name), "/%s", p->rt.parts[i].name);
		json_object_array_add(arr, json_object_new_string(name));
	}
	return arr;
}

int output_json(const struct verify *v, FILE *f)
{
	json_object *root = json_object_new_object(), *plan, *checks, *summary;
	enum vstatus verdict = verify_verdict(v);
	unsigned int n[5];
	int r;

	json_object_object_add(root, "schema_version", json_object_new_int(VERIFY_SCHEMA_VERSION));
	json_object_object_add(root, "program", json_object_new_string("isol-verify"));
	json_object_object_add(root, "version", json_object_new_string(QC_VERSION));
	json_object_object_add(root, "timestamp", json_object_new_int64((int64_t)time(NULL)));
	json_object_object_add(
		root, "root", json_object_new_string(path_is_real_root(&v->pc) ? "/" : v->pc.root));
	json_object_object_add(root, "interval", json_double3(v->opt.interval));
	json_object_object_add(root, "status", json_object_new_string(vstatus_name(verdict)));
	json_object_object_add(root, "exit_code", json_object_new_int((int)verdict));

	plan = json_object_new_object();
	json_object_object_add(plan, "isolated", json_cpulist(&v->expect.isolated));
	json_object_object_add(plan, "housekeeping", json_cpulist(&v->expect.housekeeping));
	json_object_object_add(plan, "domain", json_cpulist(&v->expect.domain));
	json_object_object_add(plan, "nohz_full", json_cpulist(&v->expect.nohz));
	json_object_object_add(plan, "online", json_cpulist(&v->expect.online));
	json_object_object_add(plan, "isolation",
			       json_object_new_string(expectation_isolation(&v->expect)));
	json_object_object_add(plan, "boot_isolated", json_cpulist(&v->expect.cmdline_isolated));
	json_object_object_add(plan, "runtime_isolated", json_cpulist(&v->expect.runtime));
	json_object_object_add(plan, "partitions", plan_partitions(&v->expect));
	json_object_object_add(root, "plan", plan);

	count_status(v, n);
	summary = json_object_new_object();
	for (int i = 0; i <= VS_SKIPPED; i++)
		json_object_object_add(summary, vstatus_name((enum vstatus)i),
				       json_object_new_int((int)n[i]));
	json_object_object_add(root, "summary", summary);

	checks = json_object_new_array();
	for (int i = 0; i < CHK_COUNT; i++) {
		const struct check *c = &v->checks[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_string(c->id));
		json_object_object_add(o, "status",
				       json_object_new_string(vstatus_name(c->status)));
		json_object_object_add(o, "message",
				       json_object_new_string(c->message ? c->message : ""));
		json_object_object_add(o, "details", json_object_get(c->details));
		json_object_array_add(checks, o);
	}
	json_object_object_add(root, "checks", checks);

	r = fprintf(f, "%s\n",
		    json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_SPACED |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return r < 0 ? -1 : 0;
}

/* Device IRQ counts (numbered IRQs) of one CPU in a sample. */
static bool irq_total(const struct interrupts *it, unsigned int cpu, uint64_t *ret)
{
	uint64_t sum = 0, x;
	bool any = false;

	for (size_t i = 0; i < it->nrows; i++) {
		if (!it->rows[i].numeric)
			continue;
		if (irq_row_count(it, &it->rows[i], cpu, &x) == 0) {
			sum += x;
			any = true;
		}
	}
	*ret = sum;
	return any;
}

static void prom_header(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* The verdicts, and what was checked against. */
static void prom_write_status(const struct verify *v, FILE *f)
{
	const struct expectation *p = &v->expect;

	prom_header(
		f, "isol_verify_check_status",
		"Status of each isol-verify check: 0 ok, 1 warning, 2 critical, 3 unknown, 4 skipped.");
	for (int i = 0; i < CHK_COUNT; i++)
		fprintf(f, "isol_verify_check_status{check=\"%s\"} %d\n", v->checks[i].id,
			(int)v->checks[i].status);
	prom_header(
		f, "isol_verify_status",
		"Overall verdict as a plugin exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.");
	fprintf(f, "isol_verify_status %d\n", (int)verify_verdict(v));
	prom_header(f, "isol_verify_schema_version", "Version of the isol-verify output schema.");
	fprintf(f, "isol_verify_schema_version %d\n", VERIFY_SCHEMA_VERSION);
	prom_header(
		f, "isol_verify_isolated_cpus",
		"Number of CPUs expected isolated: by the kernel command line or a cgroup partition.");
	fprintf(f, "isol_verify_isolated_cpus %u\n", cpuset_count(&p->isolated));
	prom_header(f, "isol_verify_runtime_isolated_cpus",
		    "Number of CPUs isolated at run time by valid cgroup-v2 isolated partitions.");
	fprintf(f, "isol_verify_runtime_isolated_cpus %u\n", cpuset_count(&p->runtime));
	prom_header(f, "isol_verify_isolation",
		    "How the CPUs are isolated (the label): boot, runtime, both or none.");
	fprintf(f, "isol_verify_isolation{isolation=\"%s\"} 1\n", expectation_isolation(p));
	prom_header(f, "isol_verify_housekeeping_cpus", "Number of online housekeeping CPUs.");
	fprintf(f, "isol_verify_housekeeping_cpus %u\n", cpuset_count(&p->housekeeping));
	prom_header(f, "isol_verify_last_run_timestamp_seconds", "When isol-verify ran.");
	fprintf(f, "isol_verify_last_run_timestamp_seconds %lld\n", (long long)time(NULL));
}

/* A label value as the text format wants it: backslash, quote and newline escaped. */
static void prom_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* Each isolated partition: valid (1) or read back "isolated invalid (...)" (0). */
static void prom_write_partitions(const struct verify *v, FILE *f)
{
	const struct isolation_runtime *rt = &v->expect.rt;

	if (!rt->nparts)
		return;
	prom_header(
		f, "isol_verify_partition_valid",
		"1 if the cgroup-v2 isolated partition reads back valid, 0 if \"isolated invalid (...)\".");
	for (size_t i = 0; i < rt->nparts; i++) {
		fputs("isol_verify_partition_valid{partition=\"/", f);
		prom_label_value(f, rt->parts[i].name);
		fprintf(f, "\"} %d\n", isolation_partition_valid(&rt->parts[i]) ? 1 : 0);
	}
	prom_header(f, "isol_verify_partition_cpus",
		    "Number of CPUs a valid cgroup-v2 isolated partition isolates.");
	for (size_t i = 0; i < rt->nparts; i++) {
		fputs("isol_verify_partition_cpus{partition=\"/", f);
		prom_label_value(f, rt->parts[i].name);
		fprintf(f, "\"} %u\n",
			isolation_partition_valid(&rt->parts[i]) ?
				cpuset_count(&rt->parts[i].effective) :
				0);
	}
}

/* The CPUs of each isol-alloc grant, from the grants check's details (none: no metric). */
static void prom_write_grants(const struct verify *v, FILE *f)
{
	json_object *arr, *e, *x;
	size_t n;

	if (!json_object_object_get_ex(v->checks[CHK_GRANTS].details, "grants", &arr))
		return;
	n = json_object_array_length(arr);
	if (!n)
		return;
	prom_header(f, "isol_verify_alloc_grant_cpus",
		    "Number of CPUs isol-alloc granted to the service (the label).");
	for (size_t i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		if (!json_object_object_get_ex(e, "service", &x))
			continue;
		fputs("isol_verify_alloc_grant_cpus{service=\"", f);
		prom_label_value(f, json_object_get_string(x));
		fprintf(f, "\"} %d\n",
			json_object_object_get_ex(e, "cpu_count", &x) ? json_object_get_int(x) : 0);
	}
}

/* The integer detail key of check id as metric name, when the check set it. */
static void prom_write_detail_int(const struct verify *v, FILE *f, int id, const char *key,
				  const char *name, const char *help)
{
	json_object *x;

	if (!json_object_object_get_ex(v->checks[id].details, key, &x))
		return;
	prom_header(f, name, help);
	fprintf(f, "%s %d\n", name, json_object_get_int(x));
}

/* Device IRQs on each isolated CPU since boot, from the last good sample. */
static void prom_write_irq_totals(const struct verify *v, FILE *f)
{
	const struct expectation *p = &v->expect;
	const struct interrupts *last = v->sampled && v->irq_err[1] == 0 ? &v->irq[1] :
					v->irq_err[0] == 0		 ? &v->irq[0] :
									   NULL;

	if (!last || !expectation_any(p))
		return;
	prom_header(f, "isol_verify_isolated_cpu_irqs",
		    "Device IRQs counted on an isolated CPU since boot (/proc/interrupts).");
	cpuset_foreach(cpu, &p->isolated) {
		uint64_t t;

		if (irq_total(last, (unsigned int)cpu, &t))
			fprintf(f, "isol_verify_isolated_cpu_irqs{cpu=\"%d\"} %llu\n", cpu,
				(unsigned long long)t);
	}
}

/* Device IRQs on each isolated CPU during the interval: the sum of the listed deltas. */
static void prom_write_irq_interval(const struct verify *v, FILE *f)
{
	json_object *x;
	uint64_t *sum;

	if (!json_object_object_get_ex(v->checks[CHK_IRQ_ACTIVITY].details,
				       "device_irqs_on_isolated", &x))
		return;
	sum = calloc(CPUSET_MAX, sizeof(*sum));
	if (!sum)
		return;
	for (size_t i = 0; i < json_object_array_length(x); i++) {
		json_object *o = json_object_array_get_idx(x, i), *cpu, *cnt;

		if (json_object_object_get_ex(o, "cpu", &cpu) &&
		    json_object_object_get_ex(o, "count", &cnt))
			sum[json_object_get_int(cpu) % CPUSET_MAX] +=
				(uint64_t)json_object_get_int64(cnt);
	}
	prom_header(f, "isol_verify_isolated_cpu_irqs_interval",
		    "Device IRQs counted on an isolated CPU during the sampling interval.");
	cpuset_foreach(cpu, &v->expect.isolated)
		fprintf(f, "isol_verify_isolated_cpu_irqs_interval{cpu=\"%d\"} %llu\n", cpu,
			(unsigned long long)sum[cpu]);
	free(sum);
}

/* Per-CPU vector rates of the irq-activity check. */
static void prom_write_vector_rates(const struct verify *v, FILE *f)
{
	json_object *x;

	if (!json_object_object_get_ex(v->checks[CHK_IRQ_ACTIVITY].details, "isolated_cpus", &x))
		return;
	prom_header(
		f, "isol_verify_isolated_cpu_vector_rate",
		"Per-CPU interrupt vectors (LOC, RES, CAL, TLB, ...) per second on an isolated CPU.");
	json_object_object_foreach(x, cpu, vecs) {
		json_object_object_foreach(vecs, vec, rate)
			fprintf(f,
				"isol_verify_isolated_cpu_vector_rate{cpu=\"%s\",vector=\"%s\"} %.3f\n",
				cpu, vec, json_object_get_double(rate));
	}
}

/* The jitter probe's quantiles and threshold counts, when it ran. */
static void prom_write_jitter(const struct verify *v, FILE *f)
{
	if (!v->jitter.ran)
		return;
	prom_header(f, "isol_verify_jitter_ns",
		    "Gaps seen by the jitter probe, by quantile, in nanoseconds.");
	for (unsigned int i = 0; i < v->jitter.n; i++) {
		const struct jitter_cpu *j = &v->jitter.cpu[i];

		if (!j->ok)
			continue;
		fprintf(f, "isol_verify_jitter_ns{cpu=\"%d\",quantile=\"0.5\"} %llu\n", j->cpu,
			(unsigned long long)j->p50);
		fprintf(f, "isol_verify_jitter_ns{cpu=\"%d\",quantile=\"0.99\"} %llu\n", j->cpu,
			(unsigned long long)j->p99);
		fprintf(f, "isol_verify_jitter_ns{cpu=\"%d\",quantile=\"0.999\"} %llu\n", j->cpu,
			(unsigned long long)j->p999);
		fprintf(f, "isol_verify_jitter_ns{cpu=\"%d\",quantile=\"1\"} %llu\n", j->cpu,
			(unsigned long long)j->max);
	}
	prom_header(f, "isol_verify_jitter_over_threshold",
		    "Gaps over --jitter-threshold during the jitter probe.");
	for (unsigned int i = 0; i < v->jitter.n; i++)
		if (v->jitter.cpu[i].ok)
			fprintf(f, "isol_verify_jitter_over_threshold{cpu=\"%d\"} %llu\n",
				v->jitter.cpu[i].cpu, (unsigned long long)v->jitter.cpu[i].over);
}

/* One metric per CPU and source: its total_ns, or its count. */
static void prom_noise_sources(FILE *f, const struct noise_result *r, const char *name,
			       const char *help, bool count)
{
	prom_header(f, name, help);
	for (unsigned int i = 0; i < r->n; i++) {
		for (size_t k = 0; r->ok[i] && k < r->cpu[i].nsources; k++) {
			const struct noise_source *s = &r->cpu[i].sources[k];

			fprintf(f, "%s{cpu=\"%u\",kind=\"%s\",id=\"%d\",name=\"", name,
				r->cpu[i].cpu, noise_kind_name(s->kind), s->id);
			prom_label_value(f, s->name);
			fprintf(f, "\"} %llu\n",
				(unsigned long long)(count ? s->count : s->total_ns));
		}
	}
}

/* isol-verify --noise: per CPU and per source, when it ran. */
static void prom_write_noise(const struct verify *v, FILE *f)
{
	const struct noise_result *r = &v->noise;

	if (!r->ran)
		return;
	prom_header(f, "isol_verify_noise_ns",
		    "Noise (probe gaps over --noise-threshold) per traced CPU in the window, ns.");
	for (unsigned int i = 0; i < r->n; i++)
		if (r->ok[i])
			fprintf(f, "isol_verify_noise_ns{cpu=\"%u\"} %llu\n", r->cpu[i].cpu,
				(unsigned long long)r->cpu[i].total_ns);
	prom_header(f, "isol_verify_noise_window_ns", "The window the noise was traced in, ns.");
	for (unsigned int i = 0; i < r->n; i++)
		if (r->ok[i])
			fprintf(f, "isol_verify_noise_window_ns{cpu=\"%u\"} %llu\n", r->cpu[i].cpu,
				(unsigned long long)r->cpu[i].window_ns);
	prom_header(f, "isol_verify_noise_max_ns", "The longest single noise per CPU, ns.");
	for (unsigned int i = 0; i < r->n; i++)
		if (r->ok[i])
			fprintf(f, "isol_verify_noise_max_ns{cpu=\"%u\"} %llu\n", r->cpu[i].cpu,
				(unsigned long long)r->cpu[i].max_ns);
	prom_noise_sources(
		f, r, "isol_verify_noise_source_ns",
		"Noise per source (irq, vector, softirq, thread, nmi, hw), net of nesting, ns.",
		false);
	prom_noise_sources(f, r, "isol_verify_noise_source_count",
			   "Occurrences per source inside gaps.", true);
}

int output_prometheus(const struct verify *v, FILE *f)
{
	prom_write_status(v, f);
	prom_write_partitions(v, f);
	prom_write_grants(v, f);
	prom_write_detail_int(v, f, CHK_IRQ_AFFINITY, "irqs_routed_to_isolated",
			      "isol_verify_irqs_routed_to_isolated",
			      "Movable IRQs whose effective affinity reaches an isolated CPU.");
	prom_write_detail_int(v, f, CHK_IRQ_AFFINITY, "immovable_irqs_routed_to_isolated",
			      "isol_verify_immovable_irqs_routed_to_isolated",
			      "Managed or otherwise immovable IRQs reaching an isolated CPU.");
	prom_write_detail_int(v, f, CHK_TASKS, "movable_threads_on_isolated",
			      "isol_verify_movable_threads_on_isolated",
			      "Movable threads allowed on isolated CPUs (not --allow'ed).");
	prom_write_irq_totals(v, f);
	prom_write_irq_interval(v, f);
	prom_write_vector_rates(v, f);
	prom_write_jitter(v, f);
	prom_write_noise(v, f);
	return ferror(f) ? -1 : 0;
}
