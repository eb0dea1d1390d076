// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * early-pin's messages: "early-pin: ..." on stderr (warnings and errors) or
 * stdout, and /dev/kmsg in --boot mode. Every other early-pin file logs
 * through here, so none of them depends on main.c.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "early-pin.h"

void ep_kmsg(struct earlypin *ep, int level, const char *msg)
{
	char buf[1024];
	int fd, n;

	fd = path_open(&ep->pc, O_WRONLY | O_APPEND, "/dev/kmsg");
	if (fd < 0) {
		fprintf(level <= LOG_WARNING ? stderr : stdout, "%s\n", msg);
		return;
	}
	n = snprintf(buf, sizeof(buf), "<%d>%s\n", level, msg);
	if (n > 0 && write(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1) < 0)
		fprintf(stderr, "%s\n", msg);
	close(fd);
}

void ep_log(struct earlypin *ep, int level, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	int n;

	if (ep->quiet && level > LOG_ERR)
		return;
	n = snprintf(msg, sizeof(msg), EP_PROG ": ");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (ep->boot)
		ep_kmsg(ep, level, msg);
	else
		fprintf(level <= LOG_WARNING ? stderr : stdout, "%s\n", msg);
}
