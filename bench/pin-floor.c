// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pin-floor LIST: the least any tool must do to pin every thread -- list
 * /proc/<pid>/task/<tid> with readdir and call sched_setaffinity(tid) on each,
 * nothing else (no reading, no checks). bench/pin.sh's floor.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	unsigned long n = 0;
	struct dirent *d;
	cpu_set_t set;
	char *p, *end;
	DIR *proc;

	if (argc != 2) {
		fprintf(stderr, "usage: pin-floor CPU[,CPU...]\n");
		return 2;
	}
	CPU_ZERO(&set);
	for (p = argv[1]; *p; p = *end ? end + 1 : end) {
		unsigned long cpu = strtoul(p, &end, 10);

		if (end == p || cpu >= CPU_SETSIZE)
			return 2;
		CPU_SET(cpu, &set);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	proc = opendir("/proc");
	if (!proc)
		return 1;
	while ((d = readdir(proc))) {
		char path[300];
		struct dirent *t;
		DIR *task;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", d->d_name);
		task = opendir(path);
		if (!task)
			continue;
		while ((t = readdir(task))) {
			long tid;

			if (!isdigit((unsigned char)t->d_name[0]))
				continue;
			tid = strtol(t->d_name, &end, 10);
			if (*end)
				continue;
			if (sched_setaffinity((pid_t)tid, sizeof(set), &set) == 0)
				n++;
		}
		closedir(task);
	}
	closedir(proc);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%lu %.3f\n", n,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	return 0;
}
