// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * alloc-load: the load generator of bench/alloc.sh. N concurrent clients of
 * isol-alloc's socket, each its own service ("bench-<i>"), each in a loop:
 * allocate_cores K CPUs, then release them (num_of_cores -1), one EPA request
 * per connection as EPA's clients send it (no shutdown, read the reply until
 * the daemon closes). One thread and epoll, so that the client costs little
 * of the CPU time the daemon needs; every reply is checked.
 *
 *   alloc-load [--clients N] [--seconds S] [--warmup S] [--cpus K] SOCKET
 *
 * Prints "key value" lines: clients, ops, errors, seconds, ops_per_s,
 * p50_us, p99_us, p999_us, max_us (the latency of one operation: connect to
 * the daemon's close), all_ops. The warm-up's operations are not counted but
 * in all_ops (every operation, for the daemon's CPU time per operation). Exit 1 when
 * a reply was wrong (an error, or not the CPUs asked for).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct client {
	int id;
	int fd;
	int allocating; /* the request in flight: 1 allocate, 0 release */
	uint64_t start; /* ns */
	size_t got;
	char buf[4096];
};

static struct sockaddr_un sa = { .sun_family = AF_UNIX };
static int cpus = 1;
static uint32_t *lat; /* microseconds */
static size_t nlat, caplat;
static unsigned long errors;

static void die(const char *what)
{
	fprintf(stderr, "alloc-load: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Connect and send the next request; the reply comes through epoll. */
static void start_op(int ep, struct client *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	char req[256];
	int n;

	n = snprintf(
		req, sizeof(req),
		"{\"version\":\"1.0\",\"action\":\"allocate_cores\",\"service_name\":\"bench-%d\","
		"\"num_of_cores\":%d}",
		c->id, c->allocating ? cpus : -1);
	c->start = now_ns();
	c->got = 0;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket");
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(sa.sun_path);
	if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		die("send");
	if (fcntl(c->fd, F_SETFL, O_NONBLOCK) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll");
}

static void check_reply(struct client *c)
{
	char want[64];

	c->buf[c->got] = '\0';
	snprintf(want, sizeof(want), "\"cores_allocated\":%d,", c->allocating ? cpus : 0);
	if (strstr(c->buf, "\"error\"") || !strstr(c->buf, want)) {
		if (errors++ < 5)
			fprintf(stderr, "alloc-load: bench-%d: unexpected reply: %s\n", c->id,
				c->buf);
	}
}

static void record(uint64_t ns)
{
	if (nlat == caplat) {
		caplat = caplat ? caplat * 2 : 1 << 16;
		lat = realloc(lat, caplat * sizeof(*lat));
		if (!lat)
			die("realloc");
	}
	lat[nlat++] = (uint32_t)(ns / 1000);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t quantile(double q)
{
	size_t i = (size_t)(q * (double)nlat);

	return nlat ? lat[i < nlat ? i : nlat - 1] : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "clients", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 's' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "cpus", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	double seconds = 5, warmup = 1;
	int nclients = 100, ep, o;
	uint64_t t0, tw, tend;
	struct epoll_event evs[256];
	struct client *cl;
	unsigned long ops = 0, all_ops = 0;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			nclients = atoi(optarg);
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'w':
			warmup = atof(optarg);
			break;
		case 'k':
			cpus = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc || nclients < 1 || cpus < 1 || seconds <= 0 || warmup < 0) {
		fprintf(stderr, "usage: alloc-load [--clients N] [--seconds S] [--warmup S] "
				"[--cpus K] SOCKET\n");
		return 2;
	}
	if (strlen(argv[optind]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "alloc-load: %s: path too long for a socket address\n",
			argv[optind]);
		return 2;
	}
	strcpy(sa.sun_path, argv[optind]);
	cl = calloc((size_t)nclients, sizeof(*cl));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!cl || ep < 0)
		die("setup");
	t0 = now_ns();
	tw = t0 + (uint64_t)(warmup * 1e9);
	tend = tw + (uint64_t)(seconds * 1e9);
	for (int i = 0; i < nclients; i++) {
		cl[i].id = i;
		cl[i].allocating = 1;
		start_op(ep, &cl[i]);
	}
	for (int active = nclients; active > 0;) {
		int n = epoll_wait(ep, evs, 256, 1000);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;
			ssize_t r;
			uint64_t t;

			r = recv(c->fd, c->buf + c->got, sizeof(c->buf) - 1 - c->got, 0);
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r > 0) {
				c->got += (size_t)r;
				if (c->got < sizeof(c->buf) - 1)
					continue;
			}
			if (r < 0) {
				errors++;
				fprintf(stderr, "alloc-load: bench-%d: %s\n", c->id,
					strerror(errno));
			}
			/* the daemon closed: one operation done */
			t = now_ns();
			close(c->fd);
			check_reply(c);
			all_ops++;
			if (c->start >= tw && t <= tend) {
				record(t - c->start);
				ops++;
			}
			c->allocating = !c->allocating;
			/* stop after a release, so that no grant is left behind */
			if (t > tend && c->allocating) {
				active--;
				continue;
			}
			start_op(ep, c);
		}
	}
	qsort(lat, nlat, sizeof(*lat), cmp_u32);
	printf("clients %d\n", nclients);
	printf("ops %lu\n", ops);
	printf("errors %lu\n", errors);
	printf("seconds %.3f\n", seconds);
	printf("ops_per_s %.0f\n", (double)ops / seconds);
	printf("p50_us %u\n", quantile(0.50));
	printf("p99_us %u\n", quantile(0.99));
	printf("p999_us %u\n", quantile(0.999));
	printf("max_us %u\n", nlat ? lat[nlat - 1] : 0);
	printf("all_ops %lu\n", all_ops);
	free(lat);
	free(cl);
	return errors ? 1 : 0;
}
