// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify: prove that the isolated CPUs are quiet.
 *
 * Exit codes follow the monitoring plugin convention: 0 OK, 1 WARNING,
 * 2 CRITICAL, 3 UNKNOWN. A usage error exits 2 like every quietcore program
 * (a misconfigured check is as loud as a failed one).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocstate.h"
#include "cli.h"
#include "verify.h"

#define PROG "isol-verify"

static void __attribute__((noreturn)) usage(void)
{
	fputs("Usage:\n"
	      " " PROG " [options]\n"
	      "\n"
	      "Check that the CPUs isolated on the kernel command line are really quiet:\n"
	      "kernel parameters, sysfs, IRQ affinities and IRQ counts, tasks and kthreads,\n"
	      "RCU offload, workqueues, frequency, services, SMT, housekeeping load, SMIs\n"
	      "and (optionally) a jitter probe and the causes of the noise it sees.\n"
	      "\n"
	      "Options:\n"
	      " -r, --root DIR             read /proc, /sys, /etc, /dev under DIR\n"
	      " -i, --interval SECONDS     sampling interval for IRQ/load/SMI deltas (default 2; 0: no sampling)\n"
	      " -j, --jitter[=SECONDS]     run the jitter probe on the isolated CPUs (default 5 s)\n"
	      "     --jitter-cpus LIST     measure these CPUs instead of the isolated ones\n"
	      "     --jitter-threshold T   count gaps longer than T (default 10us; units ns, us, ms, s)\n"
	      "     --max-jitter T         critical when a gap exceeds T\n"
	      "     --jitter-clock C       auto (the TSC where invariant) or mono (CLOCK_MONOTONIC,\n"
	      "                            the clock of --noise)\n"
	      " -n, --noise[=SECONDS]      trace the isolated CPUs while the probe runs and name what\n"
	      "                            took their time: IRQs, system vectors, softirqs, threads,\n"
	      "                            NMIs (default 5 s; needs tracefs and root)\n"
	      "     --noise-cpus LIST      trace these CPUs instead of the isolated ones\n"
	      "     --noise-threshold T    the shortest gap counted as noise (default 5us)\n"
	      "     --max-noise T          critical when a CPU's noise exceeds T per second\n"
	      "     --noise-backend B      auto (osnoise where the kernel has the tracer), generic\n"
	      "                            (the probe and the irq/sched tracepoints) or osnoise\n"
	      " -a, --allow PATTERN        tasks whose name matches PATTERN are the workload (repeatable)\n"
	      "     --isolated LIST        check against LIST instead of the command line's isolated CPUs\n"
	      "     --expect-from-bootloader  also require the bootloader to boot the same parameters\n"
	      "     --no-module-load       do not load the msr module for the SMI check\n"
	      "     --alloc-state FILE     isol-alloc's state file below --root (default " ALLOCSTATE_PATH
	      ")\n"
	      " -J, --json                 JSON output (schema in isol-verify(8))\n"
	      " -P, --prometheus           node_exporter textfile output\n"
	      " -v, --verbose              show every problem and the details in the table\n"
	      " -h, --help                 display this help\n"
	      " -V, --version              display version\n"
	      "\n"
	      "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
	      "For more details see isol-verify(8).\n",
	      stdout);
	exit(0);
}

static int parse_seconds(const char *s, double *ret)
{
	char *e;
	double d;

	if (!s) /* an option whose argument getopt did not give */
		return -EINVAL;
	errno = 0;
	d = strtod(s, &e);
	if (errno || e == s || *e || !isfinite(d) || d < 0 || d > 86400)
		return -EINVAL;
	*ret = d;
	return 0;
}

/* "10us", "2500ns", "1ms", "0.5s"; a bare number is microseconds. */
static int parse_duration_ns(const char *s, uint64_t *ret)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = { { "ns", 1 },   { "us", 1e3 }, { "µs", 1e3 },
		      { "ms", 1e6 }, { "s", 1e9 },  { "", 1e3 } };
	char *e;
	double d;

	errno = 0;
	d = strtod(s, &e);
	if (errno || e == s || !isfinite(d) || d < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(e, units[i].unit) == 0) {
			d *= units[i].mult;
			if (d > 1e15)
				return -ERANGE;
			*ret = (uint64_t)d;
			return 0;
		}
	}
	return -EINVAL;
}

enum {
	OPT_JITTER_CPUS = 0x100,
	OPT_NOISE_CPUS,
	OPT_NOISE_THRESHOLD,
	OPT_MAX_NOISE,
	OPT_NOISE_BACKEND,
	OPT_JITTER_CLOCK,
	OPT_JITTER_THRESHOLD,
	OPT_MAX_JITTER,
	OPT_EXPECT_BOOTLOADER,
	OPT_ISOLATED,
	OPT_NO_MODULE_LOAD,
	OPT_ALLOC_STATE,
};

static const struct option longopts[] = {
	{ "root", required_argument, NULL, 'r' },
	{ "interval", required_argument, NULL, 'i' },
	{ "jitter", optional_argument, NULL, 'j' },
	{ "jitter-cpus", required_argument, NULL, OPT_JITTER_CPUS },
	{ "jitter-threshold", required_argument, NULL, OPT_JITTER_THRESHOLD },
	{ "max-jitter", required_argument, NULL, OPT_MAX_JITTER },
	{ "noise", optional_argument, NULL, 'n' },
	{ "noise-cpus", required_argument, NULL, OPT_NOISE_CPUS },
	{ "noise-threshold", required_argument, NULL, OPT_NOISE_THRESHOLD },
	{ "max-noise", required_argument, NULL, OPT_MAX_NOISE },
	{ "noise-backend", required_argument, NULL, OPT_NOISE_BACKEND },
	{ "jitter-clock", required_argument, NULL, OPT_JITTER_CLOCK },
	{ "allow", required_argument, NULL, 'a' },
	{ "isolated", required_argument, NULL, OPT_ISOLATED },
	{ "expect-from-bootloader", no_argument, NULL, OPT_EXPECT_BOOTLOADER },
	{ "no-module-load", no_argument, NULL, OPT_NO_MODULE_LOAD },
	{ "alloc-state", required_argument, NULL, OPT_ALLOC_STATE },
	{ "json", no_argument, NULL, 'J' },
	{ "prometheus", no_argument, NULL, 'P' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* What the options say that does not go straight into struct verify. */
struct opts {
	const char *root, *isolated, *jitter_cpus, *noise_cpus;
	bool json, prom, verbose;
};

/* --allow PATTERN: one more workload pattern; exits UNKNOWN when out of memory. */
static void allow_add(struct verify *v, char *pattern)
{
	char **n = realloc(v->opt.allow, (v->opt.nallow + 1) * sizeof(*n));

	if (!n) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(VS_UNKNOWN);
	}
	v->opt.allow = n;
	v->opt.allow[v->opt.nallow++] = pattern;
}

/* One option of getopt_long into v or o. */
static void parse_option(int c, struct verify *v, struct opts *o)
{
	switch (c) {
	case 'r':
		o->root = optarg;
		break;
	case 'i':
		if (parse_seconds(optarg, &v->opt.interval) < 0)
			cli_usage_error(PROG, "invalid interval: '%s'", optarg);
		break;
	case 'j':
		v->opt.jitter = true;
		if (optarg && (parse_seconds(optarg, &v->opt.jitter_seconds) < 0 ||
			       v->opt.jitter_seconds <= 0))
			cli_usage_error(PROG, "invalid jitter duration: '%s'", optarg);
		break;
	case OPT_JITTER_CPUS:
		o->jitter_cpus = optarg;
		break;
	case OPT_JITTER_THRESHOLD:
		if (parse_duration_ns(optarg, &v->opt.jitter_threshold_ns) < 0)
			cli_usage_error(PROG, "invalid jitter threshold: '%s'", optarg);
		break;
	case OPT_MAX_JITTER:
		if (parse_duration_ns(optarg, &v->opt.max_jitter_ns) < 0 || !v->opt.max_jitter_ns)
			cli_usage_error(PROG, "invalid maximum jitter: '%s'", optarg);
		break;
	case 'n':
		v->opt.noise = true;
		if (optarg &&
		    (parse_seconds(optarg, &v->opt.noise_seconds) < 0 || v->opt.noise_seconds <= 0))
			cli_usage_error(PROG, "invalid noise duration: '%s'", optarg);
		break;
	case OPT_NOISE_CPUS:
		o->noise_cpus = optarg;
		break;
	case OPT_NOISE_THRESHOLD:
		if (parse_duration_ns(optarg, &v->opt.noise_threshold_ns) < 0 ||
		    !v->opt.noise_threshold_ns)
			cli_usage_error(PROG, "invalid noise threshold: '%s'", optarg);
		break;
	case OPT_JITTER_CLOCK:
		if (!strcmp(optarg, "auto"))
			v->opt.jitter_mono = false;
		else if (!strcmp(optarg, "mono"))
			v->opt.jitter_mono = true;
		else
			cli_usage_error(PROG, "--jitter-clock: not auto or mono: '%s'", optarg);
		break;
	case OPT_NOISE_BACKEND:
		if (!strcmp(optarg, "auto"))
			v->opt.noise_backend = NOISE_BACKEND_AUTO;
		else if (!strcmp(optarg, "generic"))
			v->opt.noise_backend = NOISE_BACKEND_GENERIC;
		else if (!strcmp(optarg, "osnoise"))
			v->opt.noise_backend = NOISE_BACKEND_OSNOISE;
		else
			cli_usage_error(PROG, "--noise-backend: not auto, generic or osnoise: '%s'",
					optarg);
		break;
	case OPT_MAX_NOISE:
		if (parse_duration_ns(optarg, &v->opt.max_noise_ns) < 0 || !v->opt.max_noise_ns)
			cli_usage_error(PROG, "invalid noise budget: '%s'", optarg);
		break;
	case 'a':
		allow_add(v, optarg);
		break;
	case OPT_ISOLATED:
		o->isolated = optarg;
		break;
	case OPT_EXPECT_BOOTLOADER:
		v->opt.expect_from_bootloader = true;
		break;
	case OPT_NO_MODULE_LOAD:
		v->opt.no_module_load = true;
		break;
	case OPT_ALLOC_STATE:
		if (optarg[0] != '/')
			cli_usage_error(PROG, "--alloc-state: not an absolute path: '%s'", optarg);
		v->opt.alloc_state = optarg;
		break;
	case 'J':
		o->json = true;
		break;
	case 'P':
		o->prom = true;
		break;
	case 'v':
		o->verbose = true;
		break;
	case 'h':
		usage();
	case 'V':
		printf(PROG " from quietcore %s\n", QC_VERSION);
		exit(0);
	default:
		cli_try_help(PROG);
	}
}

/* Every option, then the combinations allowed. */
static void parse_args(int argc, char **argv, struct verify *v, struct opts *o)
{
	int c;

	while ((c = getopt_long(argc, argv, "r:i:j::n::a:JPvhV", longopts, NULL)) != -1)
		parse_option(c, v, o);
	if (optind < argc)
		cli_usage_error(PROG, "unexpected argument: '%s'", argv[optind]);
	if (o->json && o->prom)
		cli_usage_error(PROG, "--json and --prometheus are mutually exclusive");
}

/* --jitter-cpus and --isolated: CPU lists that need the expectation's nbits. */
static void opts_apply_cpus(struct verify *v, const struct opts *o)
{
	if (o->jitter_cpus) {
		if (cpuset_parse_list(o->jitter_cpus, v->expect.nbits, &v->opt.jitter_cpus) < 0 ||
		    cpuset_empty(&v->opt.jitter_cpus))
			cli_usage_error(PROG, "invalid CPU list for --jitter-cpus: '%s'",
					o->jitter_cpus);
		v->opt.jitter_cpus_given = true;
	}
	if (o->noise_cpus) {
		if (cpuset_parse_list(o->noise_cpus, v->expect.nbits, &v->opt.noise_cpus) < 0 ||
		    cpuset_empty(&v->opt.noise_cpus))
			cli_usage_error(PROG, "invalid CPU list for --noise-cpus: '%s'",
					o->noise_cpus);
		v->opt.noise_cpus_given = true;
	}
	if (o->isolated) {
		cpuset_t set;

		if (cpuset_parse_list(o->isolated, v->expect.nbits, &set) < 0)
			cli_usage_error(PROG, "invalid CPU list for --isolated: '%s'", o->isolated);
		expectation_set_isolated(&v->expect, &set);
	}
}

/* The report on stdout in the format asked for; the verdict, UNKNOWN when it cannot be written. */
static enum vstatus report_write(const struct verify *v, const struct opts *o, enum vstatus verdict)
{
	int rc;

	if (o->json)
		rc = output_json(v, stdout);
	else if (o->prom)
		rc = output_prometheus(v, stdout);
	else {
		const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
		bool color = isatty(STDOUT_FILENO) && !(nc && *nc) &&
			     !(term && strcmp(term, "dumb") == 0);

		output_table(v, stdout, color, o->verbose);
		rc = 0;
	}
	if (fflush(stdout) != 0 || ferror(stdout) || rc < 0) {
		fprintf(stderr, PROG ": cannot write the report: %s\n", strerror(errno));
		verdict = VS_UNKNOWN;
	}
	return verdict;
}

static volatile sig_atomic_t interrupted;

/* SIGINT, SIGTERM: end the probes; the tracing is undone before we go. */
static void on_signal(int sig)
{
	interrupted = sig;
	jitter_stop();
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int main(int argc, char **argv)
{
	static struct verify v; /* large (cpusets): not on the stack */
	struct opts o = { 0 };
	enum vstatus verdict;
	int r;

	verify_init(&v);
	parse_args(argc, argv, &v, &o);

	r = path_cxt_init(&v.pc, o.root);
	if (r < 0) {
		fprintf(stderr, PROG ": cannot use root: %s: %s\n", o.root, strerror(-r));
		return VS_UNKNOWN;
	}
	if (path_is_real_root(&v.pc)) {
		v.opt.self_tgid = getpid();
		ops_init_real(&v.ops, &v.pc);
	} else {
		ops_init_recording(&v.ops, &v.pc);
	}

	expectation_load(&v.expect, &v.pc);
	opts_apply_cpus(&v, &o);

	if (v.opt.jitter || v.opt.noise)
		catch_signals();
	verify_run(&v);
	if (interrupted) {
		/* the probes ended early and the tracing is undone: no verdict on a cut run */
		fprintf(stderr, PROG ": interrupted (%s): nothing left in tracefs\n",
			strsignal(interrupted));
		free(v.opt.allow);
		verify_free(&v);
		signal(interrupted, SIG_DFL);
		raise(interrupted);
		return 128 + interrupted;
	}
	verdict = report_write(&v, &o, verify_verdict(&v));
	free(v.opt.allow);
	verify_free(&v);
	return (int)verdict;
}
