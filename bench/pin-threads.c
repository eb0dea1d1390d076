// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pin-threads N: start N threads that sleep, print "ready", then wait for
 * SIGTERM/SIGINT. The population bench/pin.sh pins.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_attr_t attr;
	unsigned long n;
	char *end;
	sigset_t set;
	int sig;

	if (argc != 2 || (errno = 0, n = strtoul(argv[1], &end, 10), errno || *end || !n)) {
		fprintf(stderr, "usage: pin-threads N\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (unsigned long i = 0; i < n; i++) {
		pthread_t t;
		int r = pthread_create(&t, &attr, sleeper, NULL);

		if (r) {
			fprintf(stderr, "pin-threads: thread %lu: %s\n", i, strerror(r));
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	return 0;
}
