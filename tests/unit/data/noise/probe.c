// Busy-reads CLOCK_MONOTONIC on the CPU it is pinned to and prints every gap
// of at least THRESH ns between two reads: "gap START END" (ns, CLOCK_MONOTONIC,
// the trace clock "mono"). Usage: probe SECONDS THRESH_NS
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static uint64_t gap[1 << 20][2];
	size_t n = 0;
	uint64_t secs, thresh, start, end, prev, t, loops = 0;
	char *e;

	if (argc != 3)
		return 2;
	errno = 0;
	secs = strtoull(argv[1], &e, 10);
	if (errno || *e)
		return 2;
	thresh = strtoull(argv[2], &e, 10);
	if (errno || *e)
		return 2;
	start = prev = now();
	end = start + secs * 1000000000u;
	do {
		t = now();
		loops++;
		if (t - prev >= thresh && n < sizeof(gap) / sizeof(gap[0])) {
			gap[n][0] = prev;
			gap[n][1] = t;
			n++;
		}
		prev = t;
	} while (t < end);
	printf("probe cpu=%d tid=%ld start=%llu end=%llu thresh=%llu loops=%llu\n", sched_getcpu(),
	       (long)syscall(SYS_gettid), (unsigned long long)start, (unsigned long long)t,
	       (unsigned long long)thresh, (unsigned long long)loops);
	for (size_t i = 0; i < n; i++)
		printf("gap %llu %llu\n", (unsigned long long)gap[i][0],
		       (unsigned long long)gap[i][1]);
	return 0;
}
