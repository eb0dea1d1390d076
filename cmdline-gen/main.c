// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmdline-gen: plan the housekeeping/isolated CPU split from the sysfs
 * topology and print the kernel parameters that make it so (the read-only
 * half: the line, --explain, --json).
 *
 * Everything parsed from the command line and everything computed from it
 * lives in one struct cg_ctx, so another mode (bootloader writing) is one more
 * option in the table and one more branch in main().
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cli.h"
#include "cpuset.h"
#include "kparam.h"
#include "path.h"
#include "plan.h"
#include "topology.h"

#define PROG "cmdline-gen"

enum cg_output {
	CG_OUT_LINE = 0, /* the parameter line */
	CG_OUT_EXPLAIN,	 /* the table a person reads */
	CG_OUT_JSON,	 /* the plan as JSON */
};

struct cg_ctx {
	const char *root; /* --root, NULL for / */
	enum cg_output output;
	bool quiet;		  /* -q: no warnings on stderr */
	struct plan_options opts; /* the plan options */
	struct path_cxt pc;
	struct topology *topo;
	struct plan *plan;
	int mode;		 /* OPT_APPLY, OPT_REVERT, OPT_CHECK or 0 */
	bool runtime;		 /* --runtime: quietcore-partition.service, not the boot loader */
	struct cg_apply_opts ap; /* --apply/--revert/--check options */
};

enum {
	OPT_PROFILE = 0x100,
	OPT_HOUSEKEEPING,
	OPT_ISOLATE,
	OPT_HK_PER_NODE,
	OPT_NOSMT,
	OPT_EXTRA,
	OPT_KERNEL,
	OPT_EXPLAIN,
	OPT_JSON,
	OPT_ROOT,
	OPT_APPLY,
	OPT_REVERT,
	OPT_CHECK,
	OPT_DRY_RUN,
	OPT_BOOTLOADER,
	OPT_UPDATE_COMMAND,
	OPT_RUNTIME,
};

static const struct option longopts[] = {
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "housekeeping", required_argument, NULL, OPT_HOUSEKEEPING },
	{ "isolate", required_argument, NULL, OPT_ISOLATE },
	{ "housekeeping-per-node", required_argument, NULL, OPT_HK_PER_NODE },
	{ "nosmt", no_argument, NULL, OPT_NOSMT },
	{ "extra", required_argument, NULL, OPT_EXTRA },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "apply", no_argument, NULL, OPT_APPLY },
	{ "revert", no_argument, NULL, OPT_REVERT },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "bootloader", required_argument, NULL, OPT_BOOTLOADER },
	{ "update-command", required_argument, NULL, OPT_UPDATE_COMMAND },
	{ "runtime", no_argument, NULL, OPT_RUNTIME },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(void)
{
	fputs("Usage:\n"
	      " " PROG " [options]\n"
	      "\n"
	      "Plan which CPUs stay housekeeping and which are isolated, from the CPU\n"
	      "topology in sysfs, and print the kernel parameters for it.\n"
	      "\n"
	      "Output:\n"
	      "     --explain                  a table: package/node/core, CPUs, role and why\n"
	      "     --json                     the plan as JSON\n"
	      "\n"
	      "Plan options:\n"
	      "     --profile <name>           minimal, benchmark (default) or latency\n"
	      "     --housekeeping <cpulist>   these CPUs are housekeeping, the other online ones isolated\n"
	      "     --isolate <cpulist>        these CPUs are isolated, the other online ones housekeeping\n"
	      "     --housekeeping-per-node <n>\n"
	      "                                housekeeping cores in every NUMA node with CPUs (default 1)\n"
	      "     --nosmt                    add nosmt: one CPU per core stays online after boot\n"
	      "     --extra '<param>=<value> ...'\n"
	      "                                more parameters for the line (checked)\n"
	      "     --kernel <release>         plan for this kernel: reads /boot/config-<release>\n"
	      "                                (default: the running kernel, when --root is /)\n"
	      "\n"
	      "Boot configuration:\n"
	      "     --apply                    write the parameters into the boot configuration\n"
	      "     --revert                   bring back the files as they were before the first --apply\n"
	      "     --check                    exit 0 only if the running kernel has the plan and the\n"
	      "                                bootloader still boots it next\n"
	      "     --dry-run                  with --apply/--revert: print the diff and the command, change nothing\n"
	      "     --bootloader <name>        grub, grub2, bls or kernel-install (default: detected)\n"
	      "     --update-command <cmd>     run this (by /bin/sh -c) instead of update-grub & co.;\n"
	      "                                with --root nothing runs unless this is given\n"
	      "     --runtime                  with --apply/--revert/--check: no boot configuration, but\n"
	      "                                quietcore-partition.service's drop-in and enablement: the\n"
	      "                                CPUs become a cgroup partition at boot (a kernel command\n"
	      "                                line that cannot change)\n"
	      "\n"
	      "General:\n"
	      "     --root <dir>               read /sys, /proc and /boot under <dir>\n"
	      " -q, --quiet                    do not print warnings\n"
	      " -h, --help                     display this help\n"
	      " -V, --version                  display version\n"
	      "\n"
	      "For more details see cmdline-gen(8).\n",
	      stdout);
}

/* The plan options, into cx->opts; false for any other option. */
static bool args_plan_option(struct cg_ctx *cx, int c)
{
	switch (c) {
	case OPT_PROFILE:
		if (plan_profile_parse(optarg, &cx->opts.profile) < 0)
			cli_usage_error(
				PROG,
				"--profile: unknown profile '%s' (minimal, benchmark, latency)",
				optarg);
		return true;
	case OPT_HOUSEKEEPING:
		cx->opts.housekeeping = optarg;
		return true;
	case OPT_ISOLATE:
		cx->opts.isolate = optarg;
		return true;
	case OPT_HK_PER_NODE: {
		uint32_t n;

		if (parse_u32(optarg, &n) < 0 || n < 1 || n > CPUSET_MAX ||
		    strspn(optarg, "0123456789") != strlen(optarg))
			cli_usage_error(
				PROG, "--housekeeping-per-node: '%s' is not a number from 1 to %u",
				optarg, CPUSET_MAX);
		cx->opts.hk_per_node = n;
		return true;
	}
	case OPT_NOSMT:
		cx->opts.nosmt = true;
		return true;
	case OPT_EXTRA:
		cx->opts.extra = optarg;
		return true;
	case OPT_KERNEL:
		if (!*optarg || strchr(optarg, '/') || strcmp(optarg, "..") == 0 ||
		    strlen(optarg) > 100)
			cli_usage_error(PROG, "--kernel: '%s' is not a kernel release", optarg);
		cx->opts.kernel = optarg;
		return true;
	}
	return false;
}

/* The options that only make sense together, checked once all are read. */
static void args_check(struct cg_ctx *cx)
{
	if (cx->ap.dry_run && cx->mode != OPT_APPLY && cx->mode != OPT_REVERT)
		cli_usage_error(PROG, "--dry-run goes with --apply or --revert");
	if ((cx->ap.bootloader || cx->ap.update_command) && !cx->mode)
		cli_usage_error(
			PROG,
			"--bootloader and --update-command go with --apply, --revert or --check");
	if (cx->mode && cx->output != CG_OUT_LINE)
		cli_usage_error(PROG,
				"--explain and --json do not go with --apply, --revert or --check");
	if (!cx->runtime)
		return;
	if (!cx->mode)
		cli_usage_error(PROG, "--runtime goes with --apply, --revert or --check");
	if (cx->ap.bootloader || cx->ap.update_command)
		cli_usage_error(
			PROG,
			"--bootloader and --update-command do not go with --runtime: it changes no boot configuration");
	if (cx->opts.nosmt)
		cli_usage_error(
			PROG,
			"--nosmt does not go with --runtime: a run-time partition takes no CPU offline");
	if (cx->opts.extra)
		cli_usage_error(
			PROG,
			"--extra does not go with --runtime: it adds kernel parameters, and --runtime changes no kernel command line");
}

static void parse_args(struct cg_ctx *cx, int argc, char **argv)
{
	int c;

	plan_options_init(&cx->opts);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qhV", longopts, NULL)) != -1) {
		if (args_plan_option(cx, c))
			continue;
		switch (c) {
		case OPT_ROOT:
			cx->root = optarg;
			break;
		case OPT_EXPLAIN:
		case OPT_JSON: {
			enum cg_output o = c == OPT_JSON ? CG_OUT_JSON : CG_OUT_EXPLAIN;

			if (cx->output != CG_OUT_LINE && cx->output != o)
				cli_usage_error(PROG,
						"--explain and --json are mutually exclusive");
			cx->output = o;
			break;
		}
		case OPT_APPLY:
		case OPT_REVERT:
		case OPT_CHECK:
			if (cx->mode && cx->mode != c)
				cli_usage_error(
					PROG,
					"--apply, --revert and --check are mutually exclusive");
			cx->mode = c;
			break;
		case OPT_DRY_RUN:
			cx->ap.dry_run = true;
			break;
		case OPT_BOOTLOADER:
			if (!cg_bootloader_valid(optarg))
				cli_usage_error(
					PROG,
					"--bootloader: unknown bootloader '%s' (grub, grub2, bls, kernel-install)",
					optarg);
			cx->ap.bootloader = optarg;
			break;
		case OPT_UPDATE_COMMAND:
			cx->ap.update_command = optarg;
			break;
		case OPT_RUNTIME:
			cx->runtime = true;
			break;
		case 'q':
			cx->quiet = true;
			break;
		case 'h':
			usage();
			exit(0);
		case 'V':
			printf(PROG " from quietcore %s\n", QC_VERSION);
			exit(0);
		case ':':
			cli_usage_error(PROG, "option '%s' requires an argument", argv[optind - 1]);
		default:
			if (optopt)
				cli_usage_error(PROG, "invalid option -- '%c'", optopt);
			cli_usage_error(PROG, "unrecognized option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
	args_check(cx);
	cx->ap.root = cx->root;
	cx->ap.quiet = cx->quiet;
}

static const char *errno_reason(int r)
{
	if (r == -ENODATA)
		return "no online CPU";
	return path_read_strerror(r);
}

/* ---------------------------------------------------------------- explain */

static const char *role_of(const struct plan *p, unsigned int cpu)
{
	if (cpuset_test(&p->housekeeping, cpu))
		return "housekeeping";
	if (cpuset_test(&p->isolated, cpu))
		return "isolated";
	if (cpuset_test(&p->smt_off, cpu))
		return "offline-nosmt";
	return "offline";
}

static void group_label(char *buf, size_t len, const struct topo_groups *g, int32_t idx)
{
	if (idx < 0)
		snprintf(buf, len, "-");
	else if (g->v[idx].id >= 0)
		snprintf(buf, len, "%d", g->v[idx].id);
	else
		snprintf(buf, len, "#%d", idx);
}

static void print_row(const struct cg_ctx *cx, const cpuset_t *cpus, size_t core, int width)
{
	const struct topology *t = cx->topo;
	const struct plan *p = cx->plan;
	unsigned int first = (unsigned int)cpuset_first(cpus);
	const struct topo_cpu *c = &t->cpus[first];
	char pkg[16], node[16], list[64], *l = cpuset_to_list(cpus);

	group_label(pkg, sizeof(pkg), &t->packages, c->package);
	group_label(node, sizeof(node), &t->nodes, c->node);
	snprintf(list, sizeof(list), "%s", l ? l : "?");
	if (l && strlen(l) >= sizeof(list))
		strcpy(list + sizeof(list) - 4, "...");
	printf("%-7s %-5s %-5zu %-*s ", pkg, node, core, width, list);
	if (t->hybrid != TOPO_HYBRID_NONE)
		printf("%-4s ", c->kind == TOPO_KIND_EFFICIENCY ? "E" : "P");
	printf("%-13s %s\n", role_of(p, first),
	       plan_reason_str((enum plan_reason)p->reason[first]));
	free(l);
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* The CPUS column: wide enough for the longest core list (or the offline one), at most 60. */
static int explain_width(const struct topology *t)
{
	int width = 4;

	for (size_t i = 0; i < t->cores.n; i++) {
		size_t n = cpuset_format_list(&t->cores.v[i].cpus, NULL, 0);

		if ((int)n > width)
			width = n > 60 ? 60 : (int)n;
	}
	if (!cpuset_empty(&t->offline)) {
		size_t n = cpuset_format_list(&t->offline, NULL, 0);

		if ((int)n > width)
			width = n > 60 ? 60 : (int)n;
	}
	return width;
}

/* The machine, its hybrid split, the profile and the kernel, above the table. */
static void explain_print_summary(const struct topology *t, const struct plan *p)
{
	const struct plan_kernel *k = &p->kernel;

	printf("%u online CPU%s, %zu core%s (SMT %u), %zu package%s, %zu NUMA node%s%s; boot CPU %d\n",
	       cpuset_count(&t->online), plural(cpuset_count(&t->online)), t->cores.n,
	       plural(t->cores.n), t->smt, t->packages.n, plural(t->packages.n), t->nodes.n,
	       plural(t->nodes.n), t->has_node_dir ? "" : " (no NUMA information)", t->boot_cpu);
	if (t->hybrid != TOPO_HYBRID_NONE) {
		char *pl = cpuset_to_list(&t->performance), *el = cpuset_to_list(&t->efficiency);

		printf("hybrid (from %s): performance %s, efficiency %s\n",
		       topology_hybrid_source_str(t->hybrid), pl ? pl : "?", el ? el : "?");
		free(pl);
		free(el);
	}
	printf("profile %s; kernel %s%s%s\n\n", plan_profile_str(p->profile),
	       k->release[0] ? k->release : "unknown", k->config[0] ? ", config " : "",
	       k->config[0] ? k->config : "");
}

/* The table: a header, the rows of every core, then one row for the offline CPUs. */
static void explain_print_table(const struct cg_ctx *cx, int width)
{
	const struct topology *t = cx->topo;
	const struct plan *p = cx->plan;

	printf("%-7s %-5s %-5s %-*s ", "PACKAGE", "NODE", "CORE", width, "CPUS");
	if (t->hybrid != TOPO_HYBRID_NONE)
		printf("%-4s ", "TYPE");
	printf("%-13s %s\n", "ROLE", "REASON");
	for (size_t i = 0; i < t->cores.n; i++) {
		const cpuset_t *c = &t->cores.v[i].cpus;
		cpuset_t done, row;

		/* one row per distinct (role, reason) inside the core */
		cpuset_zero(&done);
		cpuset_foreach(cpu, c) {
			if (cpuset_test(&done, (unsigned int)cpu))
				continue;
			cpuset_zero(&row);
			cpuset_foreach(m, c) {
				if (p->reason[m] == p->reason[cpu] &&
				    strcmp(role_of(p, (unsigned int)m),
					   role_of(p, (unsigned int)cpu)) == 0)
					cpuset_set(&row, (unsigned int)m);
			}
			cpuset_or(&done, &done, &row);
			print_row(cx, &row, i, width);
		}
	}
	if (!cpuset_empty(&t->offline)) {
		char *l = cpuset_to_list(&t->offline);

		printf("%-7s %-5s %-5s %-*s ", "-", "-", "-", width, l ? l : "?");
		if (t->hybrid != TOPO_HYBRID_NONE)
			printf("%-4s ", "-");
		printf("%-13s %s\n", "offline", plan_reason_str(PLAN_REASON_OFFLINE));
		free(l);
	}
}

static void output_explain(struct cg_ctx *cx)
{
	const struct plan *p = cx->plan;
	char *hk = cpuset_to_list(&p->housekeeping), *iso = cpuset_to_list(&p->isolated);

	explain_print_summary(cx->topo, p);
	explain_print_table(cx, explain_width(cx->topo));
	printf("\nhousekeeping: %s\nisolated:     %s\n", hk ? hk : "?", iso ? iso : "?");
	printf("\nkernel command line (%zu bytes):\n%s\n\n", strlen(p->cmdline), p->cmdline);
	for (size_t i = 0; i < p->params.n; i++) {
		const struct kparam *kp = &p->params.v[i];
		const char *why = plan_param_why(kp->name);

		printf("  %s%s%s\n      %s\n", kp->name, kp->value ? "=" : "",
		       kp->value ? kp->value : "", why ? why : "given with --extra");
	}
	cg_explain_runtime(&cx->pc, &p->params);
	if (p->nr_warnings) {
		printf("\nwarnings:\n");
		for (size_t i = 0; i < p->nr_warnings; i++)
			printf("  %s\n", p->warnings[i]);
	}
	free(hk);
	free(iso);
}

/* ------------------------------------------------------------------- json */

static json_object *json_list(const cpuset_t *set)
{
	char *l = cpuset_to_list(set);
	json_object *o = json_object_new_string(l ? l : "");

	free(l);
	return o;
}

/* The sysfs id of a group (physical_package_id, node number), null when unknown. */
static json_object *json_group_id(const struct topo_groups *g, int32_t idx)
{
	if (idx < 0 || g->v[idx].id < 0)
		return NULL;
	return json_object_new_int(g->v[idx].id);
}

/* Every parameter of the line: its value, or true for a bare flag. */
static json_object *json_params(const struct plan *p)
{
	json_object *params = json_object_new_object();

	for (size_t i = 0; i < p->params.n; i++) {
		const struct kparam *kp = &p->params.v[i];

		json_object_object_add(params, kp->name,
				       kp->value ? json_object_new_string(kp->value) :
						   json_object_new_boolean(1));
	}
	return params;
}

/* The counts of every grouping, the hybrid split and the NUMA nodes. */
static json_object *json_topology(const struct topology *t)
{
	json_object *topo = json_object_new_object(), *nodes;

	json_object_object_add(topo, "cpus", json_object_new_int((int)cpuset_count(&t->online)));
	json_object_object_add(topo, "cores", json_object_new_int((int)t->cores.n));
	json_object_object_add(topo, "packages", json_object_new_int((int)t->packages.n));
	json_object_object_add(topo, "dies", json_object_new_int((int)t->dies.n));
	json_object_object_add(topo, "clusters", json_object_new_int((int)t->clusters.n));
	json_object_object_add(topo, "l3_groups", json_object_new_int((int)t->l3s.n));
	json_object_object_add(topo, "numa_nodes", json_object_new_int((int)t->nodes.n));
	json_object_object_add(topo, "smt", json_object_new_int((int)t->smt));
	json_object_object_add(topo, "hybrid",
			       json_object_new_boolean(t->hybrid != TOPO_HYBRID_NONE));
	if (t->hybrid != TOPO_HYBRID_NONE) {
		json_object_object_add(
			topo, "hybrid_source",
			json_object_new_string(topology_hybrid_source_str(t->hybrid)));
		json_object_object_add(topo, "performance", json_list(&t->performance));
		json_object_object_add(topo, "efficiency", json_list(&t->efficiency));
	}
	nodes = json_object_new_array();
	for (size_t i = 0; i < t->nodes.n; i++) {
		json_object *n = json_object_new_object();

		json_object_object_add(n, "id", json_object_new_int(t->nodes.v[i].id));
		json_object_object_add(n, "cpus", json_list(&t->nodes.v[i].cpus));
		json_object_array_add(nodes, n);
	}
	json_object_object_add(topo, "nodes", nodes);
	json_object_object_add(topo, "no_node", json_list(&t->no_node));
	return topo;
}

/* One core: its CPUs, where it sits, its role and the reason for it. */
static json_object *json_core(const struct topology *t, const struct plan *p, const cpuset_t *c)
{
	const struct topo_cpu *tc = &t->cpus[cpuset_first(c)];
	bool hk = cpuset_intersects(c, &p->housekeeping), iso = cpuset_intersects(c, &p->isolated);
	json_object *o = json_object_new_object();
	int lead = -1; /* the core's first CPU that has a role: its reason is the core's */

	cpuset_foreach(cpu, c) {
		if (cpuset_test(&p->housekeeping, (unsigned int)cpu) ||
		    cpuset_test(&p->isolated, (unsigned int)cpu)) {
			lead = cpu;
			break;
		}
	}
	json_object_object_add(o, "cpus", json_list(c));
	json_object_object_add(o, "package", json_group_id(&t->packages, tc->package));
	/* packages without an id (-1) still group: their index in this plan */
	json_object_object_add(o, "package_index",
			       tc->package >= 0 ? json_object_new_int(tc->package) : NULL);
	json_object_object_add(o, "node",
			       tc->node >= 0 ? json_object_new_int(t->nodes.v[tc->node].id) : NULL);
	json_object_object_add(o, "role",
			       json_object_new_string(hk && iso ? "split" :
						      hk	? "housekeeping" :
						      iso	? "isolated" :
								  "offline"));
	json_object_object_add(
		o, "reason",
		json_object_new_string(
			lead >= 0 ? plan_reason_str((enum plan_reason)p->reason[lead]) : ""));
	if (t->hybrid != TOPO_HYBRID_NONE)
		json_object_object_add(o, "type",
				       json_object_new_string(tc->kind == TOPO_KIND_EFFICIENCY ?
								      "efficiency" :
								      "performance"));
	return o;
}

static int output_json(struct cg_ctx *cx)
{
	const struct topology *t = cx->topo;
	const struct plan *p = cx->plan;
	const struct plan_kernel *k = &p->kernel;
	json_object *root = json_object_new_object(), *warn, *cores, *kern;
	const char *s;

	json_object_object_add(root, "profile",
			       json_object_new_string(plan_profile_str(p->profile)));
	json_object_object_add(root, "online", json_list(&p->online));
	json_object_object_add(root, "housekeeping", json_list(&p->housekeeping));
	json_object_object_add(root, "isolated", json_list(&p->isolated));
	json_object_object_add(root, "offline", json_list(&t->offline));
	json_object_object_add(root, "nosmt_offline", json_list(&p->smt_off));
	json_object_object_add(root, "boot_cpu", json_object_new_int(t->boot_cpu));
	json_object_object_add(root, "cmdline", json_object_new_string(p->cmdline));
	json_object_object_add(root, "params", json_params(p));
	json_object_object_add(root, "topology", json_topology(t));

	cores = json_object_new_array();
	for (size_t i = 0; i < t->cores.n; i++)
		json_object_array_add(cores, json_core(t, p, &t->cores.v[i].cpus));
	json_object_object_add(root, "cores", cores);

	kern = json_object_new_object();
	json_object_object_add(kern, "release",
			       k->release[0] ? json_object_new_string(k->release) : NULL);
	json_object_object_add(kern, "config",
			       k->config[0] ? json_object_new_string(k->config) : NULL);
	json_object_object_add(root, "kernel", kern);
	json_object_object_add(root, "runtime", cg_json_runtime(&cx->pc, &p->params));

	warn = json_object_new_array();
	for (size_t i = 0; i < p->nr_warnings; i++)
		json_object_array_add(warn, json_object_new_string(p->warnings[i]));
	json_object_object_add(root, "warnings", warn);

	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s) {
		json_object_put(root);
		return -ENOMEM;
	}
	puts(s);
	json_object_put(root);
	return 0;
}

/* -------------------------------------------------------------------- main */

static int cg_plan(struct cg_ctx *cx)
{
	char *err = NULL;
	int r;

	r = path_cxt_init(&cx->pc, cx->root);
	if (r < 0) {
		fprintf(stderr, PROG ": --root %s: %s\n", cx->root ? cx->root : "/", strerror(-r));
		return r;
	}
	r = topology_read(&cx->pc, &cx->topo);
	if (r < 0) {
		fprintf(stderr, PROG ": cannot read the CPU topology: %s: %s\n", path_last(&cx->pc),
			errno_reason(r));
		return r;
	}
	r = plan_build(&cx->pc, cx->topo, &cx->opts, &cx->plan, &err);
	if (r < 0) {
		fprintf(stderr, PROG ": %s\n", err ? err : strerror(-r));
		free(err);
		return r;
	}
	if (!cx->quiet) {
		for (size_t i = 0; i < cx->plan->nr_warnings; i++)
			fprintf(stderr, PROG ": warning: %s\n", cx->plan->warnings[i]);
	}
	return 0;
}

static int cg_output(struct cg_ctx *cx)
{
	switch (cx->output) {
	case CG_OUT_EXPLAIN:
		output_explain(cx);
		break;
	case CG_OUT_JSON:
		if (output_json(cx) < 0) {
			fprintf(stderr, PROG ": cannot format JSON: %s\n", strerror(ENOMEM));
			return -ENOMEM;
		}
		break;
	case CG_OUT_LINE:
		puts(cx->plan->cmdline);
		break;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": write error: %s\n", strerror(errno));
		return -EIO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cg_ctx cx = { 0 };
	int r;

	parse_args(&cx, argc, argv);
	if (cx.mode == OPT_REVERT)
		return cx.runtime ? cg_revert_runtime(&cx.ap) :
				    cg_revert(&cx.ap, plan_managed_params());
	r = cg_plan(&cx);
	if (r >= 0 && cx.runtime && cx.mode == OPT_APPLY)
		r = cg_apply_runtime(&cx.ap, &cx.plan->isolated) ? -1 : 0;
	else if (r >= 0 && cx.runtime && cx.mode == OPT_CHECK)
		r = cg_check_runtime(&cx.ap, &cx.plan->isolated) ? -1 : 0;
	else if (r >= 0 && cx.mode == OPT_APPLY)
		r = cg_apply(&cx.ap, &cx.plan->params, plan_managed_params()) ? -1 : 0;
	else if (r >= 0 && cx.mode == OPT_CHECK)
		r = cg_check(&cx.ap, &cx.plan->params, plan_managed_params()) ? -1 : 0;
	else if (r >= 0)
		r = cg_output(&cx);
	plan_free(cx.plan);
	topology_free(cx.topo);
	return r < 0 ? 1 : 0;
}
