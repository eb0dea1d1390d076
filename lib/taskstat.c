// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * taskstat: /proc/PID/stat parser.
 */
#include "taskstat.h"
#include "pathnames.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A field is a whole decimal token: "12x" is garbage, not 12. */
static bool field_end(const char *end)
{
	return !*end || *end == ' ' || *end == '\n';
}

/*
 * ppid and processor: the kernel prints them with %d but they are never
 * negative (a pid_t of the parent, task_cpu()): "-1" is no CPU, it is a
 * corrupt or forged file. Digits only, no sign.
 */
static int field_nonneg_s32(const char *p, int32_t *ret)
{
	char *end;
	long v;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(p, &end, 10);
	if (end == p || errno || !field_end(end) || v > INT32_MAX)
		return -EINVAL;
	*ret = (int32_t)v;
	return 0;
}

static int field_u64(const char *p, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (*p < '0' || *p > '9')
		return -EINVAL; /* strtoull would take a sign ("-1" wraps) */
	errno = 0;
	v = strtoull(p, &end, 10);
	if (end == p || errno || !field_end(end))
		return -EINVAL;
	*ret = v;
	return 0;
}

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
		uint64_t v;

		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		switch (field) {
		case 3:
			st.state = *p;
			break;
		case 4:
			if (field_nonneg_s32(p, &st.ppid) < 0)
				return -EINVAL;
			break;
		case 9:
			if (field_u64(p, &v) < 0 || v > UINT32_MAX)
				return -EINVAL;
			st.flags = (uint32_t)v;
			break;
		case 22:
			if (field_u64(p, &st.starttime) < 0)
				return -EINVAL;
			break;
		case 39:
			if (field_nonneg_s32(p, &st.processor) < 0)
				return -EINVAL;
			break;
		default:
			break;
		}
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	if (field <= 22) /* flags and starttime are mandatory */
		return -EINVAL;
	*ret = st;
	return 0;
}

int taskstat_read(struct path_cxt *pc, int pid, int tid, struct taskstat *ret)
{
	/*
	 * 52 fields, most of them up to 20 digits, and a comm of up to 64 bytes:
	 * a busy long-lived task can pass 1 KiB, and -EFBIG would skip it.
	 */
	char buf[4096];
	ssize_t n;

	if (tid > 0)
		n = path_read_buf(pc, buf, sizeof(buf), PATH_PROC "/%d/task/%d/stat", pid, tid);
	else
		n = path_read_buf(pc, buf, sizeof(buf), PATH_PROC "/%d/stat", pid);
	if (n == -ENOENT)
		return -ESRCH;
	if (n < 0)
		return (int)n;
	return taskstat_parse(buf, ret);
}

int taskstat_cgroup(struct path_cxt *pc, int pid, char *buf, size_t len)
{
	char *text = NULL;
	int r;

	r = path_read_str(pc, &text, PATH_PROC "/%d/cgroup", pid);
	if (r < 0)
		return r;
	r = -ENODATA;
	for (char *line = text, *next; line && *line; line = next) {
		size_t l = strcspn(line, "\n");

		next = line[l] ? line + l + 1 : NULL;
		if (l < 3 || strncmp(line, "0::", 3) != 0)
			continue;
		if (l - 3 >= len) {
			r = -ERANGE;
			break;
		}
		memcpy(buf, line + 3, l - 3);
		buf[l - 3] = '\0';
		r = 0;
		break;
	}
	free(text);
	return r;
}
