// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-alloc: the client's round trip, as EPA's own clients make it: connect,
 * send one compact object (no delimiter), read the reply until the daemon
 * closes the connection.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"

#define REPLY_MAX (1U << 20)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready for events until deadline: 0, or -ETIMEDOUT / -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int64_t left = deadline - now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int connect_to(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd, dfd, r;

	r = alloc_sockaddr(path, &sa, &len, &dfd);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r = fd < 0 ? -errno : 0;
	while (r == 0 && connect(fd, (struct sockaddr *)&sa, len) < 0) {
		if (errno == EINTR)
			continue;
		r = -errno;
	}
	if (dfd >= 0)
		close(dfd);
	if (r < 0) {
		snprintf(err, errlen, "cannot connect to %s: %s%s", path, strerror(-r),
			 r == -ENOENT || r == -ECONNREFUSED ? " (is 'isol-alloc serve' running?)" :
							      "");
		if (fd >= 0)
			close(fd);
		return r;
	}
	return fd;
}

int alloc_call(const char *socket_path, const struct alloc_req *req, int timeout_ms,
	       json_object **ret_reply, char *err, size_t errlen)
{
	int64_t deadline = now_ms() + timeout_ms;
	json_object *o = alloc_req_to_json(req), *reply;
	enum json_tokener_error jerr;
	const char *text;
	size_t len, off = 0, cap = 4096;
	char *buf = NULL;
	int fd, r = 0;

	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fd = connect_to(socket_path, err, errlen);
	if (fd < 0) {
		json_object_put(o);
		return fd;
	}
	text = alloc_json_text(o);
	len = strlen(text);
	while (r == 0 && off < len) {
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else
			off += (size_t)n;
	}
	json_object_put(o);
	if (r < 0) {
		snprintf(err, errlen, "sending to %s: %s", socket_path, strerror(-r));
		goto out;
	}
	buf = malloc(cap);
	off = 0;
	for (;;) {
		ssize_t n;

		if (!buf) {
			r = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		r = wait_fd(fd, POLLIN, deadline);
		if (r < 0) {
			snprintf(err, errlen, "no reply from %s: %s", socket_path, strerror(-r));
			goto out;
		}
		n = recv(fd, buf + off, cap - off - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, errlen, "reading from %s: %s", socket_path, strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (off + 1 == cap) {
			char *nb = cap < REPLY_MAX ? realloc(buf, cap * 2) : NULL;

			if (!nb) {
				r = -EFBIG;
				snprintf(err, errlen, "a reply from %s larger than %u bytes",
					 socket_path, REPLY_MAX);
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
	}
	buf[off] = '\0';
	reply = json_tokener_parse_verbose(buf, &jerr);
	if (!reply || !json_object_is_type(reply, json_type_object)) {
		json_object_put(reply);
		r = -EBADMSG;
		snprintf(err, errlen, "%s answered %s", socket_path,
			 off ? "something that is not a JSON object" : "nothing");
		goto out;
	}
	*ret_reply = reply;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}
