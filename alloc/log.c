// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-alloc: the daemon's log. Under systemd, whose journal holds our
 * stderr (JOURNAL_STREAM names it), each line goes to the journal with its
 * priority; otherwise to stderr as "isol-alloc: message".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "alloc.h"

bool alloc_log_quiet;

/* Is stderr the journal's stream (systemd.exec(5): JOURNAL_STREAM=DEV:INODE)? */
static bool stderr_is_journal(void)
{
	static int known = -1;
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (known >= 0)
		return known;
	known = 0;
	if (!e || fstat(STDERR_FILENO, &st) < 0)
		return known;
	errno = 0;
	dev = strtoull(e, &end, 10);
	if (errno || end == e || *end != ':')
		return known;
	e = end + 1;
	ino = strtoull(e, &end, 10);
	if (errno || end == e || *end)
		return known;
	known = (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
	return known;
}

void alloc_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (alloc_log_quiet && prio >= LOG_INFO)
		return;
	va_start(ap, fmt);
	if (stderr_is_journal()) {
		sd_journal_printv(prio, fmt, ap);
	} else {
		/*
		 * One line, one write: stderr is unbuffered, and three calls
		 * would be three writes (a busy daemon logs every grant).
		 */
		char line[1024];
		int n = snprintf(line, sizeof(line), PROG ": ");

		n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		if ((size_t)n >= sizeof(line) - 1) {
			n = (int)sizeof(line) - 5; /* cut: no message of ours is this long */
			line[n++] = '.';
			line[n++] = '.';
			line[n++] = '.';
		}
		line[n++] = '\n';
		fwrite(line, 1, (size_t)n, stderr);
	}
	va_end(ap);
}

/* A change of the pool: one line for the running daemon and for its start (alloc/state.c). */
void alloc_log_pool_change(const cpuset_t *was, const cpuset_t *now, const char *since)
{
	char *w = cpuset_to_list(was), *n = cpuset_to_list(now);

	alloc_log(LOG_NOTICE, "pool changed: %s -> %s%s%s", w && *w ? w : "(none)",
		  n && *n ? n : "(none)", cpuset_empty(now) ? ": no-op mode" : "", since);
	free(w);
	free(n);
}
