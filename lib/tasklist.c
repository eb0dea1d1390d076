// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tasklist: fast enumeration of /proc/PID/task/TID.
 */
#include "tasklist.h"
#include "pathnames.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define DENTS_BUFSZ (64 * 1024)

/* A decimal pid, nothing else; 0 if the name is not one ("self", "irq", ...). */
static pid_t name_to_pid(const char *s)
{
	unsigned long v = 0;

	if (*s < '1' || *s > '9')
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > INT32_MAX)
			return 0;
	}
	return (pid_t)v;
}

/*
 * Call fn(pid, data) for every numeric entry of the directory open at fd.
 * buf is DENTS_BUFSZ bytes. Returns 0, -errno of getdents64 or fn's value.
 */
static int dir_foreach_pid(int fd, char *buf, int (*fn)(pid_t, void *), void *data)
{
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, DENTS_BUFSZ);

		if (n < 0) {
			/* A task directory of an exiting process reads as ENOENT. */
			return errno == ENOENT ? 0 : -errno;
		}
		if (n == 0)
			return 0;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			pid_t pid = name_to_pid(d->d_name);

			/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): buf is the caller's buffer */
			off += d->d_reclen;
			if (pid > 0) {
				int r = fn(pid, data);

				if (r < 0)
					return r;
			}
		}
	}
}

struct walk {
	struct path_cxt *pc;
	int procfd;
	char *tbuf; /* getdents buffer for task directories */
	tasklist_cb cb;
	void *data;
	pid_t pid; /* the process whose threads are being listed */
	struct tasklist_unreadable unr;
};

static int walk_thread(pid_t tid, void *data)
{
	struct walk *w = data;
	struct taskid id = { .pid = w->pid, .tid = tid };

	return w->cb(&id, w->data);
}

/* -ESRCH if the process vanished before its task directory could be opened. */
static int walk_process(pid_t pid, void *data)
{
	struct walk *w = data;
	char name[32];
	int fd, r;

	snprintf(name, sizeof(name), "%d/task", (int)pid);
	fd = openat(w->procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		/* gone (ENOENT, ESRCH): skip it; there but unlistable: skip it and count it */
		if (errno != ENOENT && errno != ESRCH && !w->unr.n++) {
			w->unr.first_pid = pid;
			w->unr.first_err = -errno;
		}
		return 0;
	}
	w->pid = pid;
	r = dir_foreach_pid(fd, w->tbuf, walk_thread, w);
	close(fd);
	return r;
}

static int walk_init(struct walk *w, struct path_cxt *pc, tasklist_cb cb, void *data)
{
	const char *p = path_get(pc, PATH_PROC);

	memset(w, 0, sizeof(*w));
	w->pc = pc;
	w->cb = cb;
	w->data = data;
	if (!p)
		return -ENAMETOOLONG;
	w->procfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->procfd < 0)
		return -errno;
	w->tbuf = malloc(DENTS_BUFSZ);
	if (!w->tbuf) {
		close(w->procfd);
		return -ENOMEM;
	}
	return 0;
}

static void walk_done(struct walk *w)
{
	free(w->tbuf);
	close(w->procfd);
}

int tasklist_foreach(struct path_cxt *pc, tasklist_cb cb, void *data)
{
	return tasklist_foreach_report(pc, cb, data, NULL);
}

int tasklist_foreach_report(struct path_cxt *pc, tasklist_cb cb, void *data,
			    struct tasklist_unreadable *ret_unreadable)
{
	struct walk w;
	char *pbuf;
	int fd, r;

	r = walk_init(&w, pc, cb, data);
	if (r < 0)
		return r;
	pbuf = malloc(DENTS_BUFSZ);
	fd = pbuf ? dup(w.procfd) : -1; /* its own file position for the outer listing */
	if (fd < 0) {
		r = pbuf ? -errno : -ENOMEM;
		free(pbuf);
		walk_done(&w);
		return r;
	}
	r = dir_foreach_pid(fd, pbuf, walk_process, &w);
	close(fd);
	free(pbuf);
	walk_done(&w);
	if (r == 0 && ret_unreadable)
		*ret_unreadable = w.unr;
	return r;
}

int tasklist_foreach_thread(struct path_cxt *pc, pid_t pid, tasklist_cb cb, void *data)
{
	struct walk w;
	char name[32];
	int fd, r;

	r = walk_init(&w, pc, cb, data);
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%d/task", (int)pid);
	fd = openat(w.procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = errno == ENOENT ? -ESRCH : -errno;
		walk_done(&w);
		return r;
	}
	w.pid = pid;
	r = dir_foreach_pid(fd, w.tbuf, walk_thread, &w);
	close(fd);
	walk_done(&w);
	return r;
}

static int collect(const struct taskid *id, void *data)
{
	struct tasklist *tl = data;

	if (tl->n == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 1024;
		struct taskid *v = realloc(tl->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		tl->v = v;
		tl->cap = cap;
	}
	tl->v[tl->n++] = *id;
	return 0;
}

int tasklist_read(struct path_cxt *pc, struct tasklist *ret)
{
	struct tasklist tl = { 0 };
	int r = tasklist_foreach(pc, collect, &tl);

	if (r < 0) {
		tasklist_free(&tl);
		return r;
	}
	*ret = tl;
	return 0;
}

void tasklist_free(struct tasklist *tl)
{
	if (!tl)
		return;
	free(tl->v);
	tl->v = NULL;
	tl->n = tl->cap = 0;
}
