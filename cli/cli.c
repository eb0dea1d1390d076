// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cli/: the usage-error exit of the three programs, in one place.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

void cli_try_help(const char *prog)
{
	fprintf(stderr, "Try '%s --help'.\n", prog);
	exit(2);
}

void cli_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_try_help(prog);
}
