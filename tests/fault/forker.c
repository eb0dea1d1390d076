// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * forker: a process that keeps forking while early-pin runs, for the race
 * between early-pin's scan of the tasks and the narrowing of a parent's mask
 * (tests/bats/early-pin-runtime.bats). It forks a child every INTERVAL_US
 * microseconds, up to MAX children; each child waits in pause() until its
 * parent dies (PR_SET_PDEATHSIG), so every child forked in the window is
 * still there to be checked. Prints "ready" after the first 100 children.
 *
 *   forker INTERVAL_US MAX
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static long arg(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max) {
		fprintf(stderr, "forker: invalid number '%s' (1-%ld)\n", s, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct timespec ts;
	long interval, max;

	if (argc != 3) {
		fprintf(stderr, "usage: forker INTERVAL_US MAX\n");
		return 2;
	}
	interval = arg(argv[1], 1000000);
	max = arg(argv[2], 100000);
	ts.tv_sec = interval / 1000000;
	ts.tv_nsec = (interval % 1000000) * 1000;
	setvbuf(stdout, NULL, _IONBF, 0);
	for (long n = 1; n <= max; n++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("forker: fork");
			break;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			for (;;)
				pause();
		}
		if (n == 100)
			puts("ready");
		nanosleep(&ts, NULL);
	}
	for (;;)
		pause();
}
