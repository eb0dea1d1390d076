// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * taskstat: /proc/PID/stat parser.
 */
#include "taskstat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int taskstat_parse(const char *buf, struct taskstat *ret)
{
	struct taskstat st = { .processor = -1 };
	const char *open = strchr(buf, '(');
	const char *close = strrchr(buf, ')');
	const char *p;
	size_t clen;
	int field;

	if (!open || !close || close < open)
		return -EINVAL;
	clen = (size_t)(close - open - 1);
	if (clen >= sizeof(st.comm))
		clen = sizeof(st.comm) - 1;
	memcpy(st.comm, open + 1, clen);
	st.comm[clen] = '\0';

	p = close + 1;
	/* Field 3 onwards, space separated. */
	for (field = 3; *p; field++) {
		char *end;

		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		switch (field) {
		case 3:
			st.state = *p;
			break;
		case 4:
			errno = 0;
			st.ppid = (int32_t)strtol(p, &end, 10);
			if (end == p || errno)
				return -EINVAL;
			break;
		case 9: {
			unsigned long v;

			errno = 0;
			v = strtoul(p, &end, 10);
			if (end == p || errno || v > UINT32_MAX)
				return -EINVAL;
			st.flags = (uint32_t)v;
			break;
		}
		case 22:
			errno = 0;
			st.starttime = strtoull(p, &end, 10);
			if (end == p || errno)
				return -EINVAL;
			break;
		case 39:
			errno = 0;
			st.processor = (int32_t)strtol(p, &end, 10);
			if (end == p || errno)
				return -EINVAL;
			break;
		default:
			break;
		}
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	if (field <= 22)	/* flags and starttime are mandatory */
		return -EINVAL;
	*ret = st;
	return 0;
}

int taskstat_read(struct path_cxt *pc, int pid, int tid, struct taskstat *ret)
{
	char buf[1024];
	ssize_t n;

	if (tid > 0)
		n = path_read_buf(pc, buf, sizeof(buf), "/proc/%d/task/%d/stat", pid, tid);
	else
		n = path_read_buf(pc, buf, sizeof(buf), "/proc/%d/stat", pid);
	if (n == -ENOENT)
		return -ESRCH;
	if (n < 0)
		return (int)n;
	return taskstat_parse(buf, ret);
}
