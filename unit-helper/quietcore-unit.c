// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quietcore-unit: start and stop the systemd transient units of early-pin
 * --partition through systemd's D-Bus API (lib/sdunit.c). early-pin is
 * static (it runs in the initramfs) and cannot link libsystemd, so its real
 * ops run this helper: stdin /dev/null, nothing on stdout, on failure one
 * line on stderr ("quietcore-unit: start UNIT: REASON") and the errno as the
 * exit status, which early-pin turns back into -errno.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cpuset.h"
#include "path.h"
#include "sdunit.h"

#define PROG "quietcore-unit"

static void __attribute__((noreturn)) usage(void)
{
	printf("Usage:\n"
	       " " PROG " start-slice UNIT CPULIST\n"
	       " " PROG " start-scope UNIT SLICE PID\n"
	       " " PROG " stop UNIT\n"
	       "\n"
	       "Start and stop the systemd transient units of early-pin --partition through\n"
	       "systemd's D-Bus API, and wait until systemd's job is done. An internal helper\n"
	       "of early-pin, not meant to be run by hand.\n"
	       "\n"
	       "Commands:\n"
	       " start-slice UNIT CPULIST    a slice with AllowedCPUs=CPULIST (refused if\n"
	       "                               UNIT is already active)\n"
	       " start-scope UNIT SLICE PID  a scope in SLICE holding process PID\n"
	       " stop UNIT                   stop UNIT (not loaded: nothing to do)\n"
	       "\n"
	       "Options:\n"
	       " -h, --help     display this help\n"
	       " -V, --version  display version\n"
	       "\n"
	       "As root it talks to systemd's private socket, else to the system bus.\n"
	       "On failure it prints one line, '" PROG ": start UNIT: REASON', and\n"
	       "exits with the errno as status. Usage errors exit 2.\n"
	       "For more details see early-pin(8).\n");
	exit(EXIT_SUCCESS);
}

/* The errno as exit status: 1..125 (126 and up belong to the shell). */
static void __attribute__((noreturn))
fail(const char *verb, const char *unit, int r, const char *msg)
{
	int status = -r;

	fprintf(stderr, "%s: %s %s: %s\n", PROG, verb, unit, *msg ? msg : strerror(-r));
	if (status < 1 || status > 125)
		status = EIO;
	exit(status);
}

static void want_args(int argc, int n, const char *cmd, const char *args)
{
	if (argc < n)
		cli_usage_error(PROG, "%s: missing %s", cmd, args);
	if (argc > n)
		cli_usage_error(PROG, "%s: too many arguments", cmd);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char msg[256];
	const char *cmd;
	int c, r;

	/* '+': options end at the command (a PID or CPU list never starts with '-') */
	while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage();
		case 'V':
			printf("%s %s\n", PROG, QC_VERSION);
			return EXIT_SUCCESS;
		default:
			cli_try_help(PROG);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		cli_usage_error(PROG, "no command (start-slice, start-scope or stop)");
	cmd = argv[0];

	if (strcmp(cmd, "start-slice") == 0) {
		cpuset_t cpus;

		want_args(argc, 3, cmd, "UNIT CPULIST");
		if (cpuset_parse_list(argv[2], 0, &cpus) < 0 || cpuset_empty(&cpus))
			cli_usage_error(PROG,
					"start-slice: '%s' is not a cpulist of one CPU or more",
					argv[2]);
		r = sdunit_start_slice(argv[1], &cpus, msg, sizeof(msg));
		if (r < 0)
			fail("start", argv[1], r, msg);
	} else if (strcmp(cmd, "start-scope") == 0) {
		int32_t pid;

		want_args(argc, 4, cmd, "UNIT SLICE PID");
		if (parse_s32(argv[3], &pid) < 0 || pid <= 0)
			cli_usage_error(PROG, "start-scope: '%s' is not a process id", argv[3]);
		r = sdunit_start_scope(argv[1], argv[2], (pid_t)pid, msg, sizeof(msg));
		if (r < 0)
			fail("start", argv[1], r, msg);
	} else if (strcmp(cmd, "stop") == 0) {
		want_args(argc, 2, cmd, "UNIT");
		r = sdunit_stop(argv[1], msg, sizeof(msg));
		if (r < 0)
			fail("stop", argv[1], r, msg);
	} else {
		cli_usage_error(PROG, "unknown command '%s' (start-slice, start-scope or stop)",
				cmd);
	}
	return EXIT_SUCCESS;
}
