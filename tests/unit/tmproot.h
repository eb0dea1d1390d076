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

#endif
