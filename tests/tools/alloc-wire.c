// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * alloc-wire: a raw client of isol-alloc's socket for tests/bats/isol-alloc.bats,
 * to send exactly the bytes (and the timing) a test needs, as EPA's clients do
 * or as a broken client would.
 *
 *   alloc-wire [--chunk N] [--delay-ms D] [--stop-after N] [--then read|shutdown|close]
 *              [--timeout S] SOCKET  <request-bytes
 *
 * The bytes of stdin are sent (in chunks of N, D ms apart), then: "read" (the
 * default, as openstack-hypervisor does: no shutdown, wait for the reply),
 * "shutdown" (SHUT_WR first) or "close" (leave without reading). The reply
 * goes to stdout byte for byte, followed by nothing.
 * Exit: 0 the daemon replied and closed, 3 no close within the timeout
 * (what came is still printed), 4 nothing at all came back, 1 an error.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "alloc-wire: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "chunk", required_argument, NULL, 'c' },
		{ "delay-ms", required_argument, NULL, 'd' },
		{ "stop-after", required_argument, NULL, 's' },
		{ "then", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	size_t chunk = 0, stop = (size_t)-1, len = 0, cap = 1 << 16, off = 0, got = 0;
	long delay = 0, timeout = 10000;
	const char *then = "read";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *in, buf[65536];
	int c, fd;
	ssize_t n;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			chunk = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			delay = strtol(optarg, NULL, 10);
			break;
		case 's':
			stop = strtoul(optarg, NULL, 10);
			break;
		case 't':
			then = optarg;
			break;
		case 'T':
			timeout = (long)(strtod(optarg, NULL) * 1000);
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1 || strlen(argv[optind]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: alloc-wire [options] SOCKET <request\n");
		return 2;
	}
	in = malloc(cap);
	while (in && (n = read(0, in + len, cap - len)) > 0) {
		char *more;

		len += (size_t)n;
		if (len < cap)
			continue;
		more = realloc(in, cap * 2);
		if (!more)
			die("reading stdin");
		in = more;
		cap *= 2;
	}
	if (!in)
		die("reading stdin");
	if (len > stop)
		len = stop;
	strcpy(sa.sun_path, argv[optind]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(argv[optind]);
	while (off < len) {
		size_t k = chunk && len - off > chunk ? chunk : len - off;

		n = send(fd, in + off, k, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EPIPE || errno == ECONNRESET)
				break; /* the daemon hung up: what it said is still to be read */
			die("send");
		}
		off += (size_t)n;
		if (delay && off < len) {
			struct timespec ts = { delay / 1000, (delay % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	free(in);
	if (!strcmp(then, "close"))
		return close(fd) < 0;
	if (!strcmp(then, "shutdown") && shutdown(fd, SHUT_WR) < 0)
		die("shutdown");
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, (int)timeout);

		if (r == 0)
			return got ? 3 : 4;
		if (r < 0)
			die("poll");
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == ECONNRESET)
			break;
		if (n < 0)
			die("recv");
		if (n == 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
		got += (size_t)n;
	}
	return got ? 0 : 4;
}
