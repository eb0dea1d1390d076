/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cli/: what the three programs share that lib/ may not do (print, exit).
 * Linked into cmdline-gen, early-pin and isol-verify; never into lib/.
 */
#ifndef QC_CLI_H
#define QC_CLI_H

/*
 * Misuse of the command line: "PROG: message" and "Try 'PROG --help'." on
 * stderr, then exit 2 (util-linux's errtryhelp).
 */
void __attribute__((noreturn, format(printf, 2, 3)))
cli_usage_error(const char *prog, const char *fmt, ...);

/* Only the "Try 'PROG --help'." line and exit 2: getopt has said what was wrong. */
void __attribute__((noreturn)) cli_try_help(const char *prog);

#endif
