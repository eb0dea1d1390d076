// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/sdunit against a fake systemd: an sd-bus server on the other end of a
 * socketpair, in a thread, that answers Manager.Subscribe, GetUnit,
 * StartTransientUnit and StopUnit and the unit's ActiveState as systemd's
 * D-Bus API does, records what it was sent (each property with its D-Bus
 * type) and ends every job with a JobRemoved signal whose result the test
 * chooses, after a decoy JobRemoved of another job. The real manager is the
 * QEMU tests' part.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-id128.h>

#include "sdunit.h"

#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define UNIT_PATH SD_PATH "/unit/the_2eunit"

struct fake_systemd {
	/* how it answers */
	const char *active_state; /* NULL: GetUnit says NoSuchUnit */
	const char *job_result;	  /* NULL: the job never ends */
	const char *start_error;  /* a D-Bus error name for StartTransientUnit */
	bool signal_first;	  /* JobRemoved before the method's reply */
	bool stop_not_loaded;	  /* StopUnit says NoSuchUnit */

	/* what it was sent (the last call of each kind) */
	int subscribed, get_unit, get_state, starts, stops;
	char unit[256], mode[32];
	char props[256]; /* "Name:type Name:type" in the order sent */
	char description[256], slice[256], collect[64];
	uint8_t cpus[1024];
	size_t ncpus;
	uint32_t pids[8];
	size_t npids;
	size_t naux;

	int fd;
	pthread_t thread;
	uint32_t next_job;
};

struct fixture {
	struct fake_systemd fake;
	sd_bus *bus;
};

static void append_prop(struct fake_systemd *f, const char *name, const char *type)
{
	size_t n = strlen(f->props);

	snprintf(f->props + n, sizeof(f->props) - n, "%s%s:%s", n ? " " : "", name, type);
}

/* One (sv) of StartTransientUnit's properties, recorded with its type. */
static int read_prop(struct fake_systemd *f, sd_bus_message *m)
{
	const char *name, *contents, *s;
	const void *ptr;
	size_t size;
	char type;
	int r;

	r = sd_bus_message_read(m, "s", &name);
	if (r >= 0)
		r = sd_bus_message_peek_type(m, &type, &contents);
	if (r >= 0)
		r = sd_bus_message_enter_container(m, 'v', contents);
	if (r < 0)
		return r;
	append_prop(f, name, contents);
	if (strcmp(contents, "s") == 0) {
		r = sd_bus_message_read(m, "s", &s);
		if (r >= 0 && strcmp(name, "Description") == 0)
			snprintf(f->description, sizeof(f->description), "%s", s);
		else if (r >= 0 && strcmp(name, "Slice") == 0)
			snprintf(f->slice, sizeof(f->slice), "%s", s);
		else if (r >= 0 && strcmp(name, "CollectMode") == 0)
			snprintf(f->collect, sizeof(f->collect), "%s", s);
	} else if (strcmp(contents, "ay") == 0) {
		r = sd_bus_message_read_array(m, 'y', &ptr, &size);
		if (r >= 0 && size <= sizeof(f->cpus)) {
			memcpy(f->cpus, ptr, size);
			f->ncpus = size;
		}
	} else if (strcmp(contents, "au") == 0) {
		r = sd_bus_message_read_array(m, 'u', &ptr, &size);
		if (r >= 0 && size <= sizeof(f->pids)) {
			memcpy(f->pids, ptr, size);
			f->npids = size / sizeof(uint32_t);
		}
	} else {
		r = sd_bus_message_skip(m, contents);
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	return r;
}

static int read_transient(struct fake_systemd *f, sd_bus_message *m)
{
	const char *unit, *mode;
	int r;

	f->props[0] = '\0';
	r = sd_bus_message_read(m, "ss", &unit, &mode);
	if (r < 0)
		return r;
	snprintf(f->unit, sizeof(f->unit), "%s", unit);
	snprintf(f->mode, sizeof(f->mode), "%s", mode);
	r = sd_bus_message_enter_container(m, 'a', "(sv)");
	while (r >= 0 && (r = sd_bus_message_enter_container(m, 'r', "sv")) > 0) {
		r = read_prop(f, m);
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	/* the auxiliary units: none expected, but count what came */
	if (r >= 0)
		r = sd_bus_message_enter_container(m, 'a', "(sa(sv))");
	while (r >= 0 && (r = sd_bus_message_skip(m, "(sa(sv))")) > 0)
		f->naux++;
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	return r;
}

static int job_removed(sd_bus *bus, uint32_t id, const char *job, const char *unit,
		       const char *result)
{
	return sd_bus_emit_signal(bus, SD_PATH, SD_MANAGER, "JobRemoved", "uoss", id, job, unit,
				  result);
}

/* Reply with a new job's path; a decoy job ends first, then (maybe) ours. */
static int reply_job(struct fake_systemd *f, sd_bus_message *m)
{
	sd_bus *bus = sd_bus_message_get_bus(m);
	uint32_t id = ++f->next_job;
	char job[64], decoy[64];
	int r;

	snprintf(job, sizeof(job), SD_PATH "/job/%u", id);
	snprintf(decoy, sizeof(decoy), SD_PATH "/job/%u", id + 1000);
	r = job_removed(bus, id + 1000, decoy, "other.service", "failed");
	if (r >= 0 && f->signal_first && f->job_result)
		r = job_removed(bus, id, job, f->unit, f->job_result);
	if (r >= 0)
		r = sd_bus_reply_method_return(m, "o", job);
	if (r >= 0 && !f->signal_first && f->job_result)
		r = job_removed(bus, id, job, f->unit, f->job_result);
	return r;
}

static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct fake_systemd *f = userdata;
	const char *unit, *mode, *iface, *prop;

	(void)ret_error;
	if (sd_bus_message_is_method_call(m, SD_MANAGER, "Subscribe")) {
		f->subscribed++;
		return sd_bus_reply_method_return(m, "");
	}
	if (sd_bus_message_is_method_call(m, SD_MANAGER, "GetUnit")) {
		f->get_unit++;
		if (sd_bus_message_read(m, "s", &unit) < 0)
			return -EINVAL;
		if (!f->active_state)
			return sd_bus_reply_method_errorf(m, "org.freedesktop.systemd1.NoSuchUnit",
							  "Unit %s not loaded.", unit);
		return sd_bus_reply_method_return(m, "o", UNIT_PATH);
	}
	if (sd_bus_message_is_method_call(m, "org.freedesktop.DBus.Properties", "Get")) {
		if (sd_bus_message_read(m, "ss", &iface, &prop) < 0)
			return -EINVAL;
		if (strcmp(sd_bus_message_get_path(m), UNIT_PATH) != 0 ||
		    strcmp(iface, "org.freedesktop.systemd1.Unit") != 0 ||
		    strcmp(prop, "ActiveState") != 0)
			return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_UNKNOWN_PROPERTY,
							  "no %s.%s here", iface, prop);
		f->get_state++;
		return sd_bus_reply_method_return(m, "v", "s", f->active_state);
	}
	if (sd_bus_message_is_method_call(m, SD_MANAGER, "StartTransientUnit")) {
		f->starts++;
		if (read_transient(f, m) < 0)
			return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_INVALID_ARGS,
							  "cannot parse the call");
		if (f->start_error)
			return sd_bus_reply_method_errorf(
				m, f->start_error,
				"Unit %s was already loaded or has a fragment file.", f->unit);
		return reply_job(f, m);
	}
	if (sd_bus_message_is_method_call(m, SD_MANAGER, "StopUnit")) {
		f->stops++;
		if (sd_bus_message_read(m, "ss", &unit, &mode) < 0)
			return -EINVAL;
		snprintf(f->unit, sizeof(f->unit), "%s", unit);
		snprintf(f->mode, sizeof(f->mode), "%s", mode);
		if (f->stop_not_loaded)
			return sd_bus_reply_method_errorf(m, "org.freedesktop.systemd1.NoSuchUnit",
							  "Unit %s not loaded.", unit);
		return reply_job(f, m);
	}
	return 0;
}

static void *server_main(void *arg)
{
	struct fake_systemd *f = arg;
	sd_bus *bus = NULL;
	sd_id128_t id;
	int r;

	r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_fd(bus, f->fd, f->fd);
	if (r >= 0)
		r = sd_id128_randomize(&id);
	if (r >= 0)
		r = sd_bus_set_server(bus, 1, id);
	if (r >= 0)
		r = sd_bus_add_filter(bus, NULL, on_message, f);
	if (r >= 0)
		r = sd_bus_start(bus);
	while (r >= 0) {
		r = sd_bus_process(bus, NULL);
		if (r == 0)
			r = sd_bus_wait(bus, UINT64_MAX);
	}
	sd_bus_flush_close_unref(bus);
	return NULL;
}

/* The fake (configured by the test) and a client connection to it. */
static void fixture_start(struct fixture *fx)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fx->fake.fd = sv[1];
	assert_int_equal(pthread_create(&fx->fake.thread, NULL, server_main, &fx->fake), 0);
	assert_true(sd_bus_new(&fx->bus) >= 0);
	assert_true(sd_bus_set_fd(fx->bus, sv[0], sv[0]) >= 0);
	assert_true(sd_bus_start(fx->bus) >= 0);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->fake.job_result = "done";
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->bus) {
		sd_bus_flush_close_unref(fx->bus);
		pthread_join(fx->fake.thread, NULL);
	}
	free(fx);
	return 0;
}

static void test_cpus_bytes(void **state)
{
	static const struct {
		const char *list;
		int len;
		uint8_t bytes[4];
	} cases[] = {
		{ "", 0, { 0 } },
		{ "0", 1, { 0x01 } },
		{ "2-3", 1, { 0x0c } },
		{ "7", 1, { 0x80 } },
		{ "8", 2, { 0x00, 0x01 } },
		{ "0,9,17", 3, { 0x01, 0x02, 0x02 } },
		{ "0-31", 4, { 0xff, 0xff, 0xff, 0xff } },
	};
	uint8_t buf[8];
	cpuset_t set;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cpuset_parse_list(cases[i].list, 0, &set), 0);
		memset(buf, 0xee, sizeof(buf));
		assert_int_equal(sdunit_cpus_bytes(&set, buf, sizeof(buf)), cases[i].len);
		assert_memory_equal(buf, cases[i].bytes, (size_t)cases[i].len);
	}
	/* CPU 8191: the last of 1024 bytes */
	uint8_t big[1024];
	assert_int_equal(cpuset_parse_list("8191", 0, &set), 0);
	assert_int_equal(sdunit_cpus_bytes(&set, big, sizeof(big)), 1024);
	assert_int_equal(big[1023], 0x80);
	assert_int_equal(sdunit_cpus_bytes(&set, big, 1023), -ENOBUFS);
}

static void test_slice(void **state)
{
	struct fixture *fx = *state;
	char msg[256] = "junk";
	cpuset_t cpus;

	fixture_start(fx);
	assert_int_equal(cpuset_parse_list("2-3,9", 0, &cpus), 0);
	assert_int_equal(sdunit_bus_start_slice(fx->bus, 5000000, "quietcore.slice", &cpus, msg,
						sizeof(msg)),
			 0);
	assert_string_equal(msg, "");
	assert_int_equal(fx->fake.get_unit, 1); /* asked before starting */
	assert_int_equal(fx->fake.starts, 1);
	assert_string_equal(fx->fake.unit, "quietcore.slice");
	assert_string_equal(fx->fake.mode, "fail");
	assert_string_equal(fx->fake.props, "Description:s AllowedCPUs:ay");
	assert_non_null(strstr(fx->fake.description, "quietcore"));
	assert_int_equal(fx->fake.ncpus, 2);
	assert_int_equal(fx->fake.cpus[0], 0x0c);
	assert_int_equal(fx->fake.cpus[1], 0x02);
	assert_int_equal(fx->fake.naux, 0);
}

static void test_slice_already_active(void **state)
{
	static const struct {
		const char *state;
		int r;
		const char *msg;
	} cases[] = {
		{ "active", -EEXIST, "unit quietcore.slice is already active" },
		{ "activating", -EEXIST, "unit quietcore.slice is already activating" },
		{ "inactive", 0, "" }, /* loaded, not running: systemd decides */
		{ "failed", 0, "" },
	};
	struct fixture *fx = *state;
	char msg[256];
	cpuset_t cpus;

	fixture_start(fx);
	assert_int_equal(cpuset_parse_list("1", 0, &cpus), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int starts = fx->fake.starts;

		fx->fake.active_state = cases[i].state;
		assert_int_equal(sdunit_bus_start_slice(fx->bus, 5000000, "quietcore.slice", &cpus,
							msg, sizeof(msg)),
				 cases[i].r);
		assert_string_equal(msg, cases[i].msg);
		/* refused: nothing was started */
		assert_int_equal(fx->fake.starts, starts + (cases[i].r == 0));
	}
	assert_int_equal(fx->fake.get_state, 4);
}

static void test_job_results(void **state)
{
	static const struct {
		const char *result;
		bool signal_first;
		int r;
	} cases[] = {
		{ "done", false, 0 },
		{ "done", true, 0 }, /* the signal before the reply: not lost */
		{ "failed", false, -EIO },
		{ "dependency", true, -EIO },
		{ "canceled", false, -ECANCELED },
		{ "timeout", false, -ETIMEDOUT },
	};
	struct fixture *fx = *state;
	char msg[256], want[128];
	cpuset_t cpus;

	fixture_start(fx);
	assert_int_equal(cpuset_parse_list("1", 0, &cpus), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fx->fake.job_result = cases[i].result;
		fx->fake.signal_first = cases[i].signal_first;
		assert_int_equal(sdunit_bus_start_slice(fx->bus, 5000000, "q.slice", &cpus, msg,
							sizeof(msg)),
				 cases[i].r);
		if (cases[i].r == 0) {
			assert_string_equal(msg, "");
			continue;
		}
		snprintf(want, sizeof(want), "systemd's job ended with result '%s'",
			 cases[i].result);
		assert_string_equal(msg, want);
	}
}

static void test_job_never_ends(void **state)
{
	struct fixture *fx = *state;
	struct timespec t0, t1;
	char msg[256];
	cpuset_t cpus;
	long ms;

	fx->fake.job_result = NULL;
	fixture_start(fx);
	assert_int_equal(cpuset_parse_list("1", 0, &cpus), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(sdunit_bus_start_slice(fx->bus, 300000, "q.slice", &cpus, msg,
						sizeof(msg)),
			 -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 250 && ms < 3000);
	assert_string_equal(msg, "systemd's job " SD_PATH "/job/1 did not finish in time");
}

static void test_start_refused(void **state)
{
	struct fixture *fx = *state;
	char msg[256];
	cpuset_t cpus;
	int r;

	fx->fake.start_error = "org.freedesktop.systemd1.UnitExists";
	fixture_start(fx);
	assert_int_equal(cpuset_parse_list("1", 0, &cpus), 0);
	r = sdunit_bus_start_slice(fx->bus, 5000000, "q.slice", &cpus, msg, sizeof(msg));
	assert_int_equal(r, -EEXIST); /* libsystemd maps systemd's error names */
	assert_string_equal(msg, "systemd's Manager.StartTransientUnit: Unit q.slice was already "
				 "loaded or has a fragment file.");
}

static void test_scope(void **state)
{
	struct fixture *fx = *state;
	char msg[256];

	fixture_start(fx);
	assert_int_equal(sdunit_bus_start_scope(fx->bus, 5000000, "quietcore-run-42.scope",
						"quietcore.slice", 42, msg, sizeof(msg)),
			 0);
	assert_string_equal(msg, "");
	assert_int_equal(fx->fake.get_unit, 0);
	assert_string_equal(fx->fake.unit, "quietcore-run-42.scope");
	assert_string_equal(fx->fake.mode, "fail");
	assert_string_equal(fx->fake.props, "Description:s Slice:s CollectMode:s PIDs:au");
	assert_string_equal(fx->fake.slice, "quietcore.slice");
	assert_string_equal(fx->fake.collect, "inactive-or-failed");
	assert_int_equal(fx->fake.npids, 1);
	assert_int_equal(fx->fake.pids[0], 42);
}

static void test_stop(void **state)
{
	struct fixture *fx = *state;
	char msg[256];

	fixture_start(fx);
	assert_int_equal(sdunit_bus_stop(fx->bus, 5000000, "quietcore.slice", msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	assert_int_equal(fx->fake.stops, 1);
	assert_string_equal(fx->fake.unit, "quietcore.slice");
	assert_string_equal(fx->fake.mode, "replace");
	/* not loaded: nothing to stop, not an error */
	fx->fake.stop_not_loaded = true;
	assert_int_equal(sdunit_bus_stop(fx->bus, 5000000, "gone.slice", msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	fx->fake.stop_not_loaded = false;
	fx->fake.job_result = "failed";
	assert_int_equal(sdunit_bus_stop(fx->bus, 5000000, "quietcore.slice", msg, sizeof(msg)),
			 -EIO);
	assert_string_equal(msg, "systemd's job ended with result 'failed'");
}

/* What is refused before anything is sent. */
static void test_bad_arguments(void **state)
{
	struct fixture *fx = *state;
	char msg[256];
	cpuset_t cpus, none;

	fixture_start(fx);
	assert_int_equal(cpuset_parse_list("1", 0, &cpus), 0);
	cpuset_zero(&none);
	assert_int_equal(sdunit_bus_start_slice(fx->bus, 5000000, "q.scope", &cpus, msg,
						sizeof(msg)),
			 -EINVAL);
	assert_string_equal(msg, "not a slice unit name");
	assert_int_equal(sdunit_bus_start_slice(fx->bus, 5000000, "q.slice", &none, msg,
						sizeof(msg)),
			 -EINVAL);
	assert_string_equal(msg, "no CPUs for AllowedCPUs=");
	assert_int_equal(sdunit_bus_start_scope(fx->bus, 5000000, "r.slice", "q.slice", 1, msg,
						sizeof(msg)),
			 -EINVAL);
	assert_int_equal(sdunit_bus_start_scope(fx->bus, 5000000, "r.scope", "q.scope", 1, msg,
						sizeof(msg)),
			 -EINVAL);
	assert_int_equal(sdunit_bus_start_scope(fx->bus, 5000000, "r.scope", "q.slice", 0, msg,
						sizeof(msg)),
			 -EINVAL);
	/* a NULL msg is allowed */
	assert_int_equal(sdunit_bus_start_scope(fx->bus, 5000000, "r.scope", "q.slice", 0, NULL, 0),
			 -EINVAL);
	assert_int_equal(fx->fake.get_unit + fx->fake.starts + fx->fake.stops, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpus_bytes),
		cmocka_unit_test_setup_teardown(test_slice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slice_already_active, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_never_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
