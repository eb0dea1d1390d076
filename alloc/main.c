// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-alloc: hand the isolated CPUs to the services that need them.
 *
 *   isol-alloc serve    the daemon (EPA orchestrator protocol 1.0 + extensions)
 *   isol-alloc request  ask for CPUs for a service
 *   isol-alloc release  give them back
 *   isol-alloc list     who holds what
 *
 * Exit status: 0 done (no-op mode included, unless --require), 1 refused or
 * failed, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "alloc.h"
#include "atomicfile.h"
#include "cli.h"
#include "isolation.h"

enum {
	OPT_STATE = 0x100,
	OPT_GROUP,
	OPT_SOCKET_MODE,
	OPT_NO_PREEMPT,
	OPT_TIMEOUT,
	OPT_SERVICE,
	OPT_CPUS,
	OPT_CORES,
	OPT_PERCENT,
	OPT_NUMA_NODE,
	OPT_NEAR,
	OPT_PID,
	OPT_REQUIRE,
	OPT_JSON,
	OPT_CGROUP,
};

struct opts {
	const char *verb;
	const char *root;
	const char *socket;
	char socket_buf[PATH_MAX];
	const char *state;
	const char *group;
	mode_t socket_mode;
	bool no_preempt;
	bool cgroup;
	double timeout; /* seconds */
	bool quiet;
	/* client */
	const char *service;
	int size_kind; /* OPT_CPUS, OPT_CORES, OPT_PERCENT, 0: none */
	int64_t size;
	int64_t numa_node;
	const char *near;
	int64_t pid;
	bool require;
	bool json;
};

static void __attribute__((noreturn)) usage(void)
{
	fputs("Usage:\n"
	      " " PROG " serve [--socket PATH] [--state FILE] [--root DIR] [--group NAME]\n"
	      "                  [--socket-mode MODE] [--no-preempt] [--cgroup] [--timeout SECONDS]\n"
	      "                  [--quiet]\n"
	      " " PROG " request --service NAME (--cpus N | --cores N | --percent P)\n"
	      "                  [--numa-node N] [--near PCI-ADDR] [--pid PID] [--require] [--json]\n"
	      " " PROG " release --service NAME [--json]\n"
	      " " PROG " list [--json]\n"
	      "\n"
	      "Hand the isolated CPUs to the services that need them, never the same CPU to\n"
	      "two, topology-aware and crash-safe; the daemon speaks the EPA orchestrator\n"
	      "protocol 1.0, so its clients work unchanged.\n"
	      "\n"
	      "Options of every command:\n"
	      " -s, --socket PATH          the daemon's socket (default " ALLOC_SOCKET_PATH
	      " below --root)\n"
	      " -r, --root DIR             /sys, /proc, /run and /var below DIR\n"
	      " -h, --help                 display this help\n"
	      " -V, --version              display version\n"
	      "\n"
	      "serve:\n"
	      "     --state FILE           the state file below --root (default " ALLOC_STATE_PATH
	      ")\n"
	      "     --group NAME           members of NAME may allocate (root always may)\n"
	      "     --socket-mode MODE     the socket's mode when it is made here (default 0660)\n"
	      "     --no-preempt           explicit NUMA requests never take others' CPUs\n"
	      "     --cgroup               move a grant's --pid to a cgroup of its own holding\n"
	      "                              exactly its CPUs (cgroup v2 with cpuset)\n"
	      "     --timeout SECONDS      a client's time to send its request (default 5)\n"
	      " -q, --quiet                log changes and problems only\n"
	      "\n"
	      "request, release, list:\n"
	      "     --service NAME         the service (1-64 bytes, no control characters)\n"
	      "     --cpus N               N CPUs, whole cores first\n"
	      "     --cores N              N whole physical cores\n"
	      "     --percent P            P% of the pool, rounded up\n"
	      "     --numa-node N          from NUMA node N only\n"
	      "     --near PCI-ADDR        prefer the CPUs local to this PCI device\n"
	      "     --pid PID              bind the grant to this process (released when it is gone)\n"
	      "     --require              no isolated CPUs (no-op mode) is a failure\n"
	      "     --json                 print the daemon's reply as it is\n"
	      "\n"
	      "For more details see isol-alloc(8).\n",
	      stdout);
	exit(0);
}

static int64_t parse_int(const char *opt, const char *s, int64_t min, int64_t max)
{
	int64_t v;

	if (parse_s64(s, &v) < 0 || v < min || v > max)
		cli_usage_error(PROG, "%s: '%s' is not a number from %lld to %lld", opt, s,
				(long long)min, (long long)max);
	return v;
}

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "root", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "no-preempt", no_argument, NULL, OPT_NO_PREEMPT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "service", required_argument, NULL, OPT_SERVICE },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "cores", required_argument, NULL, OPT_CORES },
	{ "percent", required_argument, NULL, OPT_PERCENT },
	{ "numa-node", required_argument, NULL, OPT_NUMA_NODE },
	{ "near", required_argument, NULL, OPT_NEAR },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "require", no_argument, NULL, OPT_REQUIRE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "cgroup", no_argument, NULL, OPT_CGROUP },
	{ NULL, 0, NULL, 0 },
};

static const char *opt_name(int c)
{
	for (const struct option *p = longopts; p->name; p++)
		if (p->val == c)
			return p->name;
	return "?";
}

/* Which options each verb takes (the common ones always). */
static bool allowed(const char *verb, int opt)
{
	static const struct {
		const char *verb;
		int opts[12];
	} table[] = {
		{ "serve",
		  { OPT_STATE, OPT_GROUP, OPT_SOCKET_MODE, OPT_NO_PREEMPT, OPT_TIMEOUT, 'q',
		    OPT_CGROUP } },
		{ "request",
		  { OPT_SERVICE, OPT_CPUS, OPT_CORES, OPT_PERCENT, OPT_NUMA_NODE, OPT_NEAR, OPT_PID,
		    OPT_REQUIRE, OPT_JSON, OPT_TIMEOUT } },
		{ "release", { OPT_SERVICE, OPT_JSON, OPT_TIMEOUT } },
		{ "list", { OPT_JSON, OPT_TIMEOUT } },
	};

	if (opt == 's' || opt == 'r' || opt == 'h' || opt == 'V')
		return true;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (verb && !strcmp(verb, table[i].verb))
			for (size_t k = 0; k < sizeof(table[i].opts) / sizeof(int); k++)
				if (table[i].opts[k] == opt)
					return true;
	return false;
}

static void parse_opt(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 's':
		o->socket = arg;
		break;
	case 'r':
		o->root = arg;
		break;
	case 'h':
		usage();
	case 'V':
		printf("%s from quietcore %s\n", PROG, QC_VERSION);
		exit(0);
	case 'q':
		o->quiet = true;
		break;
	case OPT_STATE:
		if (arg[0] != '/')
			cli_usage_error(PROG, "--state: '%s' is not an absolute path", arg);
		o->state = arg;
		break;
	case OPT_GROUP:
		o->group = arg;
		break;
	case OPT_SOCKET_MODE: {
		char *e;
		unsigned long m;

		errno = 0;
		m = strtoul(arg, &e, 8);
		if (errno || e == arg || *e || m > 0777)
			cli_usage_error(PROG, "--socket-mode: '%s' is not an octal mode", arg);
		o->socket_mode = (mode_t)m;
		break;
	}
	case OPT_NO_PREEMPT:
		o->no_preempt = true;
		break;
	case OPT_CGROUP:
		o->cgroup = true;
		break;
	case OPT_TIMEOUT:
		o->timeout = (double)parse_int("--timeout", arg, 1, 3600);
		break;
	case OPT_SERVICE:
		if (!cpualloc_name_valid(arg, strlen(arg)))
			cli_usage_error(
				PROG,
				"--service: a name of 1 to %d bytes without control characters",
				CPUALLOC_NAME_MAX);
		o->service = arg;
		break;
	case OPT_CPUS:
	case OPT_CORES:
	case OPT_PERCENT:
		if (o->size_kind)
			cli_usage_error(PROG, "--cpus, --cores and --percent exclude each other");
		o->size_kind = c;
		o->size = parse_int(c == OPT_CPUS  ? "--cpus" :
				    c == OPT_CORES ? "--cores" :
						     "--percent",
				    arg, 1, c == OPT_PERCENT ? 100 : INT32_MAX);
		break;
	case OPT_NUMA_NODE:
		o->numa_node = parse_int("--numa-node", arg, 0, INT32_MAX);
		break;
	case OPT_NEAR:
		o->near = arg;
		break;
	case OPT_PID:
		o->pid = parse_int("--pid", arg, 1, INT32_MAX);
		break;
	case OPT_REQUIRE:
		o->require = true;
		break;
	case OPT_JSON:
		o->json = true;
		break;
	default:
		cli_try_help(PROG);
	}
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->socket_mode = 0660;
	o->timeout = ALLOC_TIMEOUT_MS / 1000.0;
	o->numa_node = -1;
	/* the common options may come before the command */
	while ((c = getopt_long(argc, argv, "+s:r:hV", longopts, NULL)) != -1) {
		if (!allowed(NULL, c))
			cli_usage_error(PROG, "this option belongs after the command");
		parse_opt(o, c, optarg);
	}
	if (optind >= argc)
		cli_usage_error(PROG, "no command: serve, request, release or list");
	o->verb = argv[optind];
	if (strcmp(o->verb, "serve") && strcmp(o->verb, "request") && strcmp(o->verb, "release") &&
	    strcmp(o->verb, "list"))
		cli_usage_error(PROG, "unknown command '%s'", o->verb);
	optind++;
	while ((c = getopt_long(argc, argv, "s:r:hVq", longopts, NULL)) != -1) {
		if (c != '?' && !allowed(o->verb, c))
			cli_usage_error(PROG, "%s does not take --%s", o->verb, opt_name(c));
		parse_opt(o, c, optarg);
	}
	if (optind < argc)
		cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
	if (!strcmp(o->verb, "request") || !strcmp(o->verb, "release")) {
		if (!o->service)
			cli_usage_error(PROG, "%s needs --service NAME", o->verb);
	}
	if (!strcmp(o->verb, "request") && !o->size_kind)
		cli_usage_error(PROG, "request needs --cpus N, --cores N or --percent P");
	if (o->near) {
		char buf[ALLOC_PCI_MAX + 1];

		if (!alloc_pci_normalize(o->near, buf, sizeof(buf)))
			cli_usage_error(PROG, "--near: '%s' is not a PCI address (DDDD:BB:DD.F)",
					o->near);
	}
}

/* --- serve ---------------------------------------------------------------------- */

static int serve(struct opts *o)
{
	struct alloc_daemon d;
	struct alloc_serve_opts so = { .socket_mode = o->socket_mode,
				       .timeout_ms = (int)(o->timeout * 1000) };
	char err[512], lock[PATH_MAX], dir[PATH_MAX], sockpath[PATH_MAX], *slash;
	bool changed = false;
	int r, rs, lockfd = -1;

	alloc_log_quiet = o->quiet;
	memset(&d, 0, sizeof(d));
	pthread_mutex_init(&d.write_lock, NULL);
	r = path_cxt_init(&d.pc, o->root);
	if (r < 0) {
		fprintf(stderr, "%s: --root %s: %s\n", PROG, o->root, strerror(-r));
		return 1;
	}
	d.state_path = o->state ? o->state : ALLOC_STATE_PATH;
	d.no_preempt = o->no_preempt;
	if (o->group) {
		struct group *g = getgrnam(o->group);

		if (!g) {
			fprintf(stderr, "%s: --group %s: no such group\n", PROG, o->group);
			return 1;
		}
		d.group = o->group;
		d.gid = g->gr_gid;
	}
	so.socket_path = o->socket ? o->socket : path_get(&d.pc, ALLOC_SOCKET_PATH);
	if (!so.socket_path) {
		fprintf(stderr, "%s: the socket path: %s\n", PROG, strerror(errno));
		return 1;
	}
	if (snprintf(sockpath, sizeof(sockpath), "%s", so.socket_path) >= (int)sizeof(sockpath)) {
		fprintf(stderr, "%s: the socket path: %s\n", PROG, strerror(ENAMETOOLONG));
		return 1;
	}
	so.socket_path = sockpath; /* path_get()'s buffer is the next call's */

	r = topology_read(&d.pc, &d.topo);
	if (r < 0) {
		fprintf(stderr, "%s: reading the topology: %s: %s\n", PROG, path_last(&d.pc),
			path_read_strerror(r));
		return 1;
	}
	r = isolation_pool(&d.pc, &d.topo->online, &d.pool);
	if (r < 0) {
		fprintf(stderr, "%s: reading the pool: %s: %s\n", PROG, path_last(&d.pc),
			path_read_strerror(r));
		goto fail;
	}

	/* one daemon per state file */
	snprintf(dir, sizeof(dir), "%s", d.state_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		r = atomicfile_mkdirs(&d.pc, dir, 0755);
		if (r < 0) {
			fprintf(stderr, "%s: %s%s: %s\n", PROG, d.pc.root, dir, path_strerror(r));
			goto fail;
		}
	}
	snprintf(lock, sizeof(lock), "%s.lock", d.state_path);
	r = atomicfile_lock(&d.pc, lock, &lockfd);
	if (r < 0) {
		fprintf(stderr, "%s: %s%s: %s\n", PROG, d.pc.root, lock,
			r == -EWOULDBLOCK ? "another isol-alloc serves this state file" :
					    path_strerror(r));
		goto fail;
	}
	r = alloc_state_load(&d, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "%s: %s%s: %s (move it away to start afresh)\n", PROG, d.pc.root,
			d.state_path, err);
		goto fail;
	}
	alloc_enforce_init(&d, o->cgroup);
	alloc_reconcile(&d, &changed);
	r = alloc_refresh(&d, &changed); /* then the cgroups of grants gone or changed undone */
	if (r < 0) {
		fprintf(stderr, "%s: reading the pool: %s: %s\n", PROG, path_last(&d.pc),
			path_read_strerror(r));
		goto fail;
	}
	if (changed) {
		r = alloc_state_save(&d);
		if (r < 0) {
			fprintf(stderr, "%s: writing the state: %s%s: %s\n", PROG, d.pc.root,
				d.state_path, path_strerror(r));
			goto fail;
		}
	}
	if (!o->socket) {
		/* the default socket's directory below the root, made without following a symlink */
		r = atomicfile_mkdirs(&d.pc, ALLOC_SOCKET_DIR, 0755);
		if (r < 0) {
			fprintf(stderr, "%s: %s%s: %s\n", PROG, d.pc.root, ALLOC_SOCKET_DIR,
				path_strerror(r));
			goto fail;
		}
	}
	r = alloc_serve(&d, &so);
	/* the spare of the state's writes (lib/atomicfile), made again on the next start */
	if ((rs = atomicfile_remove_spare(&d.pc, d.state_path)) < 0)
		alloc_log(LOG_WARNING, "%s: cannot remove the spare of its writes: %s",
			  d.state_path, path_strerror(rs));
out:
	alloc_enforce_done(&d);
	allocstate_free(&d.st);
	topology_free(d.topo);
	if (lockfd >= 0)
		close(lockfd);
	return r;
fail:
	r = 1;
	goto out;
}

/* --- the client commands ------------------------------------------------------------ */

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t jint(json_object *o, const char *key, int64_t def)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return def;
	return json_object_get_int64(v);
}

static bool jbool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static int print_list(json_object *reply)
{
	json_object *arr;
	const char *pool = jstr(reply, "pool");
	size_t n;

	if (!strcmp(jstr(reply, "mode") ? jstr(reply, "mode") : "", "noop")) {
		printf("no isolated CPUs: no-op mode\n");
		return 0;
	}
	printf("pool %s: %lld CPUs, %lld allocated, %lld free\n", pool ? pool : "?",
	       (long long)jint(reply, "total_available_cpus", 0),
	       (long long)jint(reply, "total_allocated_cpus", 0),
	       (long long)jint(reply, "remaining_available_cpus", 0));
	if (!json_object_object_get_ex(reply, "allocations", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return 0;
	n = json_object_array_length(arr);
	if (n)
		printf("%-24s %-20s %5s %5s %-8s %-12s %s\n", "SERVICE", "CPUS", "COUNT", "NODE",
		       "EXPLICIT", "PREEMPTED", "PID");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		int64_t node = jint(e, "numa_node", -1), pid = jint(e, "pid", 0);
		const char *pre = jstr(e, "preempted");
		char nodes[24] = "-", pids[24] = "-";

		if (node >= 0)
			snprintf(nodes, sizeof(nodes), "%lld", (long long)node);
		if (pid > 0)
			snprintf(pids, sizeof(pids), "%lld", (long long)pid);
		printf("%-24s %-20s %5lld %5s %-8s %-12s %s\n", jstr(e, "service_name"),
		       jstr(e, "allocated_cores")[0] ? jstr(e, "allocated_cores") : "-",
		       (long long)jint(e, "cores_count", 0), nodes,
		       jbool(e, "is_explicit") ? "yes" : "no", pre && *pre ? pre : "-", pids);
	}
	return 0;
}

static int client(struct opts *o)
{
	struct alloc_req req;
	struct path_cxt pc;
	json_object *reply = NULL;
	const char *socket = o->socket, *error, *mode;
	char err[PATH_MAX + 256];
	int r;

	if (!socket) {
		r = path_cxt_init(&pc, o->root);
		if (r < 0) {
			fprintf(stderr, "%s: --root %s: %s\n", PROG, o->root, strerror(-r));
			return 1;
		}
		socket = path_get(&pc, ALLOC_SOCKET_PATH);
	}
	if (!strcmp(o->verb, "list")) {
		alloc_req_init(&req, ALLOC_LIST_ALLOCATIONS);
	} else if (!strcmp(o->verb, "release")) {
		alloc_req_init(&req, ALLOC_ALLOCATE_CORES);
		req.num_of_cores = -1;
	} else if (o->size_kind == OPT_PERCENT) {
		alloc_req_init(&req, ALLOC_ALLOCATE_CORES_PERCENT);
		req.percent = o->size;
	} else {
		alloc_req_init(&req, ALLOC_ALLOCATE_CORES);
		req.num_of_cores = o->size;
		req.whole_cores = o->size_kind == OPT_CORES;
	}
	if (o->service)
		snprintf(req.service, sizeof(req.service), "%s", o->service);
	if (!strcmp(o->verb, "request")) {
		req.numa_node = o->numa_node;
		req.pid = (int32_t)o->pid;
		req.require = o->require;
		if (o->near)
			alloc_pci_normalize(o->near, req.near, sizeof(req.near));
	}
	r = alloc_call(socket, &req, (int)(o->timeout * 1000), &reply, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return 1;
	}
	if (o->json)
		printf("%s\n", alloc_json_text(reply));
	error = jstr(reply, "error");
	mode = jstr(reply, "mode");
	r = 0;
	if (mode && !strcmp(mode, "noop") && strcmp(o->verb, "list")) {
		/* no isolated CPUs: services run as they would without us */
		if (o->require) {
			fprintf(stderr,
				"%s: %s: no isolated CPUs (no-op mode), and --require was given\n",
				PROG, o->service);
			r = 1;
		} else if (!o->json) {
			printf("%s: no CPUs: no-op mode (no isolated CPUs)\n", o->service);
		}
	} else if (error) {
		fprintf(stderr, "%s: %s\n", PROG, error);
		r = 1;
	} else if (!o->json && !strcmp(o->verb, "list")) {
		r = print_list(reply);
	} else if (!o->json && !strcmp(o->verb, "release")) {
		printf("%s: released\n", o->service);
	} else if (!o->json) {
		const char *cpus = jstr(reply, "allocated_cores");
		int64_t node = jint(reply, "numa_node", -1);

		printf("%s: %s (%lld CPUs", o->service, cpus ? cpus : "?",
		       (long long)jint(reply, "cores_allocated",
				       jint(reply, "cores_allocated_count", 0)));
		if (node >= 0)
			printf(", NUMA node %lld", (long long)node);
		printf(")\n");
	}
	json_object_put(reply);
	return r;
}

int main(int argc, char **argv)
{
	struct opts o;

	parse_args(argc, argv, &o);
	if (!strcmp(o.verb, "serve"))
		return serve(&o);
	return client(&o);
}
