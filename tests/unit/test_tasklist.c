// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/tasklist: the /proc/PID/task/TID walk, on a fake tree (odd entries,
 * vanished processes) and on the real /proc (our own threads must be seen).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "path.h"
#include "tasklist.h"

static char root[64];

static void mk(const char *rel)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_tasklist.XXXXXX");
	assert_non_null(mkdtemp(root));
	mk("proc/1/task/1");
	mk("proc/1/task/7");
	mk("proc/20/task/20");
	mk("proc/30");		   /* exiting: no task directory */
	mk("proc/irq/5");	   /* not a process */
	mk("proc/0123/task/0123"); /* not a kernel pid name */
	mk("proc/40/task/x");	   /* junk inside a task directory */
	mk("proc/40/task/41");
	snprintf(cmd, sizeof(cmd), "ln -s 1 '%s/proc/self'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static int cmp_id(const void *a, const void *b)
{
	const struct taskid *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

static void test_fake_tree(void **state)
{
	static const struct taskid want[] = { { 1, 1 }, { 1, 7 }, { 20, 20 }, { 40, 41 } };
	struct tasklist tl = { 0 };
	struct path_cxt pc;

	(void)state;
	assert_int_equal(path_cxt_init(&pc, root), 0);
	assert_int_equal(tasklist_read(&pc, &tl), 0);
	assert_int_equal(tl.n, sizeof(want) / sizeof(want[0]));
	qsort(tl.v, tl.n, sizeof(*tl.v), cmp_id);
	for (size_t i = 0; i < tl.n; i++) {
		assert_int_equal(tl.v[i].pid, want[i].pid);
		assert_int_equal(tl.v[i].tid, want[i].tid);
	}
	tasklist_free(&tl);
	tasklist_free(&tl); /* twice is fine */
	tasklist_free(NULL);
}

static int count_cb(const struct taskid *id, void *data)
{
	(void)id;
	return ++*(int *)data == 2 ? -ECANCELED : 0;
}

static void test_stop_and_errors(void **state)
{
	struct tasklist tl = { 0 };
	struct path_cxt pc;
	int n = 0;

	(void)state;
	assert_int_equal(path_cxt_init(&pc, root), 0);
	assert_int_equal(tasklist_foreach(&pc, count_cb, &n), -ECANCELED);
	assert_int_equal(n, 2);
	assert_int_equal(tasklist_foreach_thread(&pc, 30, count_cb, &n), -ESRCH); /* exiting */
	assert_int_equal(tasklist_foreach_thread(&pc, 99, count_cb, &n), -ESRCH);
	assert_int_equal(path_cxt_init(&pc, "/tmp"), 0);
	assert_int_equal(tasklist_read(&pc, &tl), -ENOENT); /* no /tmp/proc */
	assert_null(tl.v);
}

/*
 * An exited process (no task directory) is skipped quietly; one whose task
 * directory is there but cannot be listed is skipped and reported.
 */
static void test_unreadable_reported(void **state)
{
	struct tasklist_unreadable unr = { .n = 99 };
	struct path_cxt pc;
	char p[128];
	int n = 0;
	FILE *f;

	(void)state;
	assert_int_equal(path_cxt_init(&pc, root), 0);
	assert_int_equal(tasklist_foreach_report(&pc, count_cb, &n, &unr), -ECANCELED);
	assert_int_equal(unr.n, 99); /* untouched when the scan stops */
	n = -1000;
	assert_int_equal(tasklist_foreach_report(&pc, count_cb, &n, &unr), 0);
	assert_int_equal(unr.n, 0); /* proc/30 exited: not counted */

	snprintf(p, sizeof(p), "%s/proc/50", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/proc/50/task", root);
	f = fopen(p, "we");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(tasklist_foreach_report(&pc, count_cb, &n, &unr), 0);
	assert_int_equal(unr.n, 1);
	assert_int_equal(unr.first_pid, 50);
	assert_int_equal(unr.first_err, -ENOTDIR);
	assert_int_equal(tasklist_foreach(&pc, count_cb, &n), 0); /* skipped there */
	assert_int_equal(unlink(p), 0);
	snprintf(p, sizeof(p), "%s/proc/50", root);
	assert_int_equal(rmdir(p), 0);
}

static void *sleeper(void *arg)
{
	int *tid = arg;

	*tid = gettid();
	pause();
	return NULL;
}

struct find {
	pid_t tid;
	bool found;
	size_t n;
};

static int find_cb(const struct taskid *id, void *data)
{
	struct find *f = data;

	f->n++;
	if (id->tid == f->tid && id->pid == getpid())
		f->found = true;
	return 0;
}

static void test_real_proc(void **state)
{
	volatile int tid = 0;
	struct find f = { 0 };
	struct path_cxt pc;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, sleeper, (void *)&tid), 0);
	while (!tid)
		usleep(1000);
	f.tid = tid;
	assert_int_equal(path_cxt_init(&pc, NULL), 0);
	assert_int_equal(tasklist_foreach(&pc, find_cb, &f), 0);
	assert_true(f.found);
	assert_true(f.n >= 3); /* init, us, our thread at least */
	f.found = false;
	assert_int_equal(tasklist_foreach_thread(&pc, getpid(), find_cb, &f), 0);
	assert_true(f.found);
	pthread_cancel(t);
	pthread_join(t, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_tree),
		cmocka_unit_test(test_stop_and_errors),
		cmocka_unit_test(test_unreadable_reported),
		cmocka_unit_test(test_real_proc),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
