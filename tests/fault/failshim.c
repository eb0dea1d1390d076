// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * failshim: an LD_PRELOAD library that makes the Nth call of one libc file
 * operation fail, or kills the process right before it, for the fault
 * injection tests (tests/bats/fault-apply.bats).
 *
 *   QC_FAIL_FUNC   openat, open, write, fsync, renameat, unlinkat, mkdirat,
 *                  symlinkat, fchmod, fchown, flock or fork
 *   QC_FAIL_NTH    which call (1 = the first)
 *   QC_FAIL_ERRNO  errno to fail with (default EIO); "kill": SIGKILL instead
 *   QC_FAIL_LOG    append the name of every intercepted call to this file
 *                  (to learn how many there are)
 *
 * Calls are seen from the first mkdirat or flock on: cmdline-gen takes its
 * lock (creating the state directory) before it reads the bootloader files
 * it may write, and everything before is reading sysfs for the plan, where a
 * failure only stops the run before any write (and would multiply the runs).
 *
 * Only the process that loaded it first acts: children (the regeneration
 * command run through /bin/sh) inherit LD_PRELOAD but are left alone.
 * Calls made inside libc (fopen, printf) are not seen: only the program's.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *fail_func;
static unsigned long fail_nth, calls;
static int fail_errno = EIO;
static bool fail_kill, active, started;
static int log_fd = -1;

__attribute__((constructor)) static void shim_init(void)
{
	const char *s = getenv("QC_FAIL_PID"), *e;
	char pid[32];

	/* the first process to load us records itself; its children do nothing */
	if (s && strtol(s, NULL, 10) != getpid())
		return;
	snprintf(pid, sizeof(pid), "%d", getpid());
	setenv("QC_FAIL_PID", pid, 1);
	active = true;
	fail_func = getenv("QC_FAIL_FUNC");
	s = getenv("QC_FAIL_NTH");
	fail_nth = s ? strtoul(s, NULL, 10) : 0;
	e = getenv("QC_FAIL_ERRNO");
	if (e && !strcmp(e, "kill"))
		fail_kill = true;
	else if (e)
		fail_errno = (int)strtol(e, NULL, 10);
	s = getenv("QC_FAIL_LOG");
	if (s)
		log_fd = (int)syscall(SYS_openat, AT_FDCWD, s,
				      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

/* true: fail this call (errno set) */
static bool shim_hit(const char *func)
{
	if (!active)
		return false;
	if (!started && strcmp(func, "mkdirat") != 0 && strcmp(func, "flock") != 0)
		return false;
	started = true;
	if (log_fd >= 0) {
		char line[64];
		int n = snprintf(line, sizeof(line), "%s\n", func);

		syscall(SYS_write, log_fd, line, (size_t)n);
	}
	if (!fail_func || strcmp(func, fail_func) != 0)
		return false;
	if (++calls != fail_nth)
		return false;
	if (fail_kill)
		raise(SIGKILL);
	errno = fail_errno;
	return true;
}

#define REAL(name) ((__typeof__(&(name)))dlsym(RTLD_NEXT, #name))

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (shim_hit("openat"))
		return -1;
	return REAL(openat)(dirfd, path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (shim_hit("open"))
		return -1;
	return REAL(open)(path, flags, mode);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	if (shim_hit("write"))
		return -1;
	return REAL(write)(fd, buf, len);
}

int fsync(int fd)
{
	if (shim_hit("fsync"))
		return -1;
	return REAL(fsync)(fd);
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	if (shim_hit("renameat"))
		return -1;
	return REAL(renameat)(olddirfd, oldpath, newdirfd, newpath);
}

int unlinkat(int dirfd, const char *path, int flags)
{
	if (shim_hit("unlinkat"))
		return -1;
	return REAL(unlinkat)(dirfd, path, flags);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	if (shim_hit("mkdirat"))
		return -1;
	return REAL(mkdirat)(dirfd, path, mode);
}

int symlinkat(const char *target, int dirfd, const char *path)
{
	if (shim_hit("symlinkat"))
		return -1;
	return REAL(symlinkat)(target, dirfd, path);
}

int fchmod(int fd, mode_t mode)
{
	if (shim_hit("fchmod"))
		return -1;
	return REAL(fchmod)(fd, mode);
}

int fchown(int fd, uid_t uid, gid_t gid)
{
	if (shim_hit("fchown"))
		return -1;
	return REAL(fchown)(fd, uid, gid);
}

int flock(int fd, int op)
{
	if (shim_hit("flock"))
		return -1;
	return REAL(flock)(fd, op);
}

pid_t fork(void)
{
	if (shim_hit("fork"))
		return -1;
	return REAL(fork)();
}
