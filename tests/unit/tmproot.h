/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the unit tests that build a fake root under /tmp. */
#ifndef QC_TEST_TMPROOT_H
#define QC_TEST_TMPROOT_H

#include <stdio.h>
#include <stdlib.h>

/* Remove the fake root made with mkdtemp(); 0 or -1, as cmocka's teardown wants. */
static inline int tmproot_remove(const char *root)
{
	char cmd[128];

	if (snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root) >= (int)sizeof(cmd))
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

#endif
