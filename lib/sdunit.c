// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sdunit: systemd transient units through sd-bus. The D-Bus API is
 * org.freedesktop.systemd1(5): Manager.StartTransientUnit(name, mode,
 * a(sv) properties, a(sa(sv)) aux) and Manager.StopUnit(name, mode) return a
 * job object path; Manager.JobRemoved(u id, o job, s unit, s result) says
 * how that job ended.
 */
#include "sdunit.h"
#include "pathnames.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"
#define SD_ERR_NO_SUCH_UNIT "org.freedesktop.systemd1.NoSuchUnit"
#define SD_ERR_ALREADY_SUBSCRIBED "org.freedesktop.systemd1.AlreadySubscribed"
#define SYSTEM_BUS_DEFAULT "unix:path=/run/dbus/system_bus_socket"
/* AllowedCPUs= says which CPUs: systemctl status shows both */
#define SLICE_DESCRIPTION "quietcore: CPUs isolated at run time (early-pin --partition)"

static __attribute__((format(printf, 3, 4))) void say(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
}

/* The bus's reason: the D-Bus error's message, else strerror of r. */
static int say_bus_error(char *msg, size_t len, int r, const sd_bus_error *error, const char *what)
{
	if (sd_bus_error_is_set(error) && error->message)
		say(msg, len, "%s: %s", what, error->message);
	else
		say(msg, len, "%s: %s", what, strerror(-r));
	return r;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

int sdunit_cpus_bytes(const cpuset_t *cpus, uint8_t *buf, size_t len)
{
	int last = cpuset_last(cpus);
	size_t n;

	if (last < 0)
		return 0;
	n = (size_t)last / 8 + 1;
	if (n > len)
		return -ENOBUFS;
	memset(buf, 0, n);
	cpuset_foreach(cpu, cpus)
		buf[cpu / 8] |= (uint8_t)(1U << (cpu % 8));
	return (int)n;
}

/* ---- the connection -------------------------------------------------------- */

/* The private socket's peer must be root: it is systemd itself. */
static int check_peer_root(sd_bus *bus)
{
	struct ucred cred;
	socklen_t n = sizeof(cred);
	int fd = sd_bus_get_fd(bus);

	if (fd < 0)
		return fd;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &n) < 0)
		return -errno;
	return cred.uid == 0 ? 0 : -EPERM;
}

static int connect_private(sd_bus **ret)
{
	sd_bus *bus = NULL;
	int r;

	r = sd_bus_new(&bus);
	if (r < 0)
		return r;
	r = sd_bus_set_address(bus, "unix:path=" PATH_SYSTEMD_PRIVATE);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r >= 0)
		r = check_peer_root(bus);
	if (r < 0) {
		sd_bus_close_unref(bus);
		return r;
	}
	*ret = bus;
	return 0;
}

static int subscribe(sd_bus *bus, char *msg, size_t len)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &error, NULL, "");
	if (r < 0 && !sd_bus_error_has_name(&error, SD_ERR_ALREADY_SUBSCRIBED)) {
		say_bus_error(msg, len, r, &error, "systemd's Manager.Subscribe");
		sd_bus_error_free(&error);
		return r;
	}
	sd_bus_error_free(&error);
	return 0;
}

int sdunit_connect(sd_bus **ret, char *msg, size_t len)
{
	struct stat st;
	sd_bus *bus = NULL;
	int r = -ENOENT;

	say(msg, len, "%s", "");
	if (geteuid() == 0 && stat(PATH_SYSTEMD_PRIVATE, &st) == 0 && S_ISSOCK(st.st_mode))
		r = connect_private(&bus);
	if (r < 0) {
		r = sd_bus_open_system(&bus);
		if (r < 0) {
			/* where sd-bus looked, for the message */
			const char *addr = secure_getenv("DBUS_SYSTEM_BUS_ADDRESS");

			say(msg, len, "cannot connect to the system bus at %s: %s",
			    addr && *addr ? addr : SYSTEM_BUS_DEFAULT, strerror(-r));
			return r;
		}
	}
	r = subscribe(bus, msg, len);
	if (r < 0) {
		sd_bus_flush_close_unref(bus);
		return r;
	}
	*ret = bus;
	return 0;
}

/* ---- waiting for a job ------------------------------------------------------- */

struct job_wait {
	const char *job; /* the job object path; NULL until the call returned it */
	bool done;
	char result[32];
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct job_wait *w = userdata;
	const char *path, *unit, *result;
	uint32_t id;

	(void)ret_error;
	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0; /* not ours to judge: someone else's malformed signal */
	if (w->job && !w->done && strcmp(path, w->job) == 0) {
		w->done = true;
		snprintf(w->result, sizeof(w->result), "%s", result);
	}
	return 0;
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}

/* Process the bus until w->done or the deadline. */
static int job_wait_done(sd_bus *bus, struct job_wait *w, uint64_t deadline, char *msg, size_t len)
{
	int r;

	while (!w->done) {
		uint64_t now;

		r = sd_bus_process(bus, NULL);
		if (r < 0) {
			say(msg, len, "lost the connection to systemd waiting for job %s: %s",
			    w->job, strerror(-r));
			return r;
		}
		if (r > 0)
			continue;
		now = now_usec();
		if (now >= deadline) {
			say(msg, len, "systemd's job %s did not finish in time", w->job);
			return -ETIMEDOUT;
		}
		r = sd_bus_wait(bus, deadline - now);
		if (r < 0 && r != -EINTR) {
			say(msg, len, "lost the connection to systemd waiting for job %s: %s",
			    w->job, strerror(-r));
			return r;
		}
	}
	if (strcmp(w->result, "done") == 0)
		return 0;
	say(msg, len, "systemd's job ended with result '%s'", w->result);
	if (strcmp(w->result, "canceled") == 0)
		return -ECANCELED;
	if (strcmp(w->result, "timeout") == 0)
		return -ETIMEDOUT;
	return -EIO;
}

/*
 * Send m (a Manager method returning a job path), then wait for the job.
 * The match is in place before the call, so the job's JobRemoved cannot be
 * missed; sd_bus_call() queues signals, they are dispatched afterwards.
 * *ret_error gets the method's D-Bus error, if any.
 */
static int call_and_wait(sd_bus *bus, sd_bus_message *m, uint64_t timeout_usec,
			 sd_bus_error *ret_error, const char *what, char *msg, size_t len)
{
	uint64_t deadline = now_usec() + timeout_usec;
	struct job_wait w = { 0 };
	sd_bus_message *reply = NULL;
	sd_bus_slot *slot = NULL;
	const char *job;
	int r;

	r = sd_bus_match_signal(bus, &slot, sd_bus_is_bus_client(bus) > 0 ? SD_DEST : NULL, SD_PATH,
				SD_MANAGER, "JobRemoved", on_job_removed, &w);
	if (r < 0) {
		say(msg, len, "cannot watch systemd's jobs: %s", strerror(-r));
		return r;
	}
	r = sd_bus_call(bus, m, timeout_usec, ret_error, &reply);
	if (r < 0) {
		if (r == -ETIMEDOUT && !sd_bus_error_is_set(ret_error))
			say(msg, len, "%s: no answer from systemd in time", what);
		else
			say_bus_error(msg, len, r, ret_error, what);
		goto out;
	}
	r = sd_bus_message_read(reply, "o", &job);
	if (r < 0) {
		say(msg, len, "%s: systemd's answer is not a job: %s", what, strerror(-r));
		goto out;
	}
	w.job = job;
	r = job_wait_done(bus, &w, deadline, msg, len);
out:
	sd_bus_message_unref(reply);
	sd_bus_slot_unref(slot);
	return r;
}

/* ---- the units ---------------------------------------------------------------- */

/* -EEXIST when unit is loaded and not inactive/failed. */
static int refuse_active(sd_bus *bus, const char *unit, char *msg, size_t len)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	char *state = NULL;
	int r;

	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &error, &reply, "s",
			       unit);
	if (r < 0) {
		if (sd_bus_error_has_name(&error, SD_ERR_NO_SUCH_UNIT))
			r = 0; /* not loaded: free to start */
		else
			say_bus_error(msg, len, r, &error, "systemd's Manager.GetUnit");
		goto out;
	}
	r = sd_bus_message_read(reply, "o", &path);
	if (r < 0) {
		say(msg, len, "systemd's Manager.GetUnit: not an object path: %s", strerror(-r));
		goto out;
	}
	r = sd_bus_get_property_string(bus, SD_DEST, path, SD_UNIT, "ActiveState", &error, &state);
	if (r < 0) {
		say_bus_error(msg, len, r, &error, "the unit's ActiveState");
		goto out;
	}
	if (strcmp(state, "inactive") != 0 && strcmp(state, "failed") != 0) {
		say(msg, len, "unit %s is already %s", unit, state);
		r = -EEXIST;
	}
out:
	free(state);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&error);
	return r;
}

/* A new StartTransientUnit(unit, "fail", ...) call with its property array opened. */
static int transient_begin(sd_bus *bus, const char *unit, sd_bus_message **ret)
{
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
					   "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", unit, "fail");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r < 0) {
		sd_bus_message_unref(m);
		return r;
	}
	*ret = m;
	return 0;
}

/* Close the property array and send the empty auxiliary-unit array. */
static int transient_end(sd_bus_message *m)
{
	int r = sd_bus_message_close_container(m);

	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	return r;
}

/* One property whose value is an array of fixed-size items ("ay", "au"). */
static int append_array_property(sd_bus_message *m, const char *name, char type, const void *items,
				 size_t size)
{
	char sig[3] = { 'a', type, '\0' };
	int r;

	r = sd_bus_message_open_container(m, 'r', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", name);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', sig);
	if (r >= 0)
		r = sd_bus_message_append_array(m, type, items, size);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

static int start_transient(sd_bus *bus, uint64_t timeout_usec, const char *unit, sd_bus_message *m,
			   char *msg, size_t len)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = transient_end(m);
	if (r < 0) {
		say(msg, len, "cannot build the D-Bus call: %s", strerror(-r));
		return r;
	}
	r = call_and_wait(bus, m, timeout_usec, &error, "systemd's Manager.StartTransientUnit", msg,
			  len);
	sd_bus_error_free(&error);
	return r;
}

/*
 * The end of both starts: built is what building the call's properties
 * returned; send the call if that went well, and free the message.
 */
static int finish_transient(sd_bus *bus, uint64_t timeout_usec, const char *unit, sd_bus_message *m,
			    int built, char *msg, size_t len)
{
	int r = built;

	if (r < 0)
		say(msg, len, "cannot build the D-Bus call: %s", strerror(-r));
	else
		r = start_transient(bus, timeout_usec, unit, m, msg, len);
	sd_bus_message_unref(m);
	return r;
}

int sdunit_bus_start_slice(sd_bus *bus, uint64_t timeout_usec, const char *unit,
			   const cpuset_t *cpus, char *msg, size_t len)
{
	uint8_t bytes[CPUSET_MAX / 8];
	sd_bus_message *m = NULL;
	int n, r;

	say(msg, len, "%s", "");
	if (!has_suffix(unit, ".slice")) {
		say(msg, len, "not a slice unit name");
		return -EINVAL;
	}
	n = sdunit_cpus_bytes(cpus, bytes, sizeof(bytes));
	if (n <= 0) {
		say(msg, len, "no CPUs for AllowedCPUs=");
		return -EINVAL;
	}
	r = refuse_active(bus, unit, msg, len);
	if (r < 0)
		return r;
	r = transient_begin(bus, unit, &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)", "Description", "s", SLICE_DESCRIPTION);
	if (r >= 0)
		r = append_array_property(m, "AllowedCPUs", 'y', bytes, (size_t)n);
	return finish_transient(bus, timeout_usec, unit, m, r, msg, len);
}

int sdunit_bus_start_scope(sd_bus *bus, uint64_t timeout_usec, const char *unit, const char *slice,
			   pid_t pid, char *msg, size_t len)
{
	sd_bus_message *m = NULL;
	uint32_t pids[1];
	char desc[128];
	int r;

	say(msg, len, "%s", "");
	if (!has_suffix(unit, ".scope")) {
		say(msg, len, "not a scope unit name");
		return -EINVAL;
	}
	if (!has_suffix(slice, ".slice")) {
		say(msg, len, "%s is not a slice unit name", slice);
		return -EINVAL;
	}
	if (pid <= 0) {
		say(msg, len, "no process for the scope");
		return -EINVAL;
	}
	pids[0] = (uint32_t)pid;
	snprintf(desc, sizeof(desc), "quietcore: process %d on the isolated CPUs", (int)pid);
	r = transient_begin(bus, unit, &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)(sv)", "Description", "s", desc, "Slice", "s",
					  slice, "CollectMode", "s", "inactive-or-failed");
	if (r >= 0)
		r = append_array_property(m, "PIDs", 'u', pids, sizeof(pids));
	return finish_transient(bus, timeout_usec, unit, m, r, msg, len);
}

int sdunit_bus_stop(sd_bus *bus, uint64_t timeout_usec, const char *unit, char *msg, size_t len)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	int r;

	say(msg, len, "%s", "");
	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", unit, "replace");
	if (r < 0) {
		say(msg, len, "cannot build the D-Bus call: %s", strerror(-r));
		goto out;
	}
	r = call_and_wait(bus, m, timeout_usec, &error, "systemd's Manager.StopUnit", msg, len);
	if (r < 0 && sd_bus_error_has_name(&error, SD_ERR_NO_SUCH_UNIT)) {
		say(msg, len, "%s", ""); /* not loaded: nothing to stop */
		r = 0;
	}
out:
	sd_bus_error_free(&error);
	sd_bus_message_unref(m);
	return r;
}

/* ---- on the system's manager ---------------------------------------------------- */

int sdunit_start_slice(const char *unit, const cpuset_t *cpus, char *msg, size_t len)
{
	sd_bus *bus = NULL;
	int r;

	r = sdunit_connect(&bus, msg, len);
	if (r < 0)
		return r;
	r = sdunit_bus_start_slice(bus, SDUNIT_TIMEOUT_USEC, unit, cpus, msg, len);
	sd_bus_flush_close_unref(bus);
	return r;
}

int sdunit_start_scope(const char *unit, const char *slice, pid_t pid, char *msg, size_t len)
{
	sd_bus *bus = NULL;
	int r;

	r = sdunit_connect(&bus, msg, len);
	if (r < 0)
		return r;
	r = sdunit_bus_start_scope(bus, SDUNIT_TIMEOUT_USEC, unit, slice, pid, msg, len);
	sd_bus_flush_close_unref(bus);
	return r;
}

int sdunit_stop(const char *unit, char *msg, size_t len)
{
	sd_bus *bus = NULL;
	int r;

	r = sdunit_connect(&bus, msg, len);
	if (r < 0)
		return r;
	r = sdunit_bus_stop(bus, SDUNIT_TIMEOUT_USEC, unit, msg, len);
	sd_bus_flush_close_unref(bus);
	return r;
}
