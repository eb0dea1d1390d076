/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the unit tests that build a fake root under /tmp. */
#ifndef QC_TEST_TMPROOT_H
#define QC_TEST_TMPROOT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Remove the fake root made with mkdtemp(); 0 or -1, as cmocka's teardown wants. */
static inline int tmproot_remove(const char *root)
{
	char cmd[128];

	if (snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root) >= (int)sizeof(cmd))
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

/* The whole of a (small) file into buf, NUL-terminated; -1 if it cannot be opened. */
static inline int tmproot_slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f || len == 0) {
		if (f)
			fclose(f);
		return -1;
	}
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

/*
 * Put at path something a reader must refuse without blocking: "fifo", "dir",
 * "loop" (a symlink to itself) or "chardev" (a symlink to /dev/null).
 * 0, or -1 (unknown kind or the call failed).
 */
static inline int tmproot_put_unusable(const char *path, const char *kind)
{
	const char *base = strrchr(path, '/');

	if (!strcmp(kind, "fifo"))
		return mkfifo(path, 0644);
	if (!strcmp(kind, "dir"))
		return mkdir(path, 0755);
	if (!strcmp(kind, "loop"))
		return symlink(base ? base + 1 : path, path);
	if (!strcmp(kind, "chardev"))
		return symlink("/dev/null", path);
	return -1;
}

/*
 * Put content at rel under root, replacing what is there: NULL leaves it
 * absent, "fifo" or "dir" (see tmproot_put_unusable) an unusable one.
 * 0, or -1.
 */
static inline int tmproot_put(const char *root, const char *rel, const char *content)
{
	char path[256], cmd[600];
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p \"$(dirname '%s')\"", path, path);
	if (system(cmd) != 0)
		return -1;
	if (!content)
		return 0;
	if (!strcmp(content, "fifo") || !strcmp(content, "dir"))
		return tmproot_put_unusable(path, content);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(content, f);
	return fclose(f) == 0 ? 0 : -1;
}

#endif
