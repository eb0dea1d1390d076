/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sdunit: systemd transient units through sd-bus (libsystemd), for the
 * run-time partition: a slice with AllowedCPUs=, a scope holding a process,
 * and stopping either.
 *
 * Only dynamic programs link this (quietcore-unit, run by early-pin's real
 * ops): early-pin itself is static, libc and libkmod only. It is not part of
 * libquietcore.a.
 *
 * Every call returns once systemd's job has finished: it subscribes to the
 * manager's JobRemoved signal before the method call, matches the job object
 * path the call returned, and wants the result "done" (anything else, or no
 * answer within the timeout, is an error naming the result). The return value
 * is 0 or -errno; msg (len bytes, may be NULL) is "" on success and systemd's
 * (or the bus's) reason on failure: one line, without the unit's name, which
 * the caller prints with it. Nothing here prints.
 *
 * Unit names are systemd's: a slice's name says where it is ("a-b.slice" is
 * a child of "a.slice"), so a top-level slice has no '-' before ".slice".
 */
#ifndef QC_SDUNIT_H
#define QC_SDUNIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>

#include "cpuset.h"

/* How long to wait for systemd's answer and for its job to finish. */
#define SDUNIT_TIMEOUT_USEC (30ULL * 1000000ULL)

/*
 * A slice unit with Description= and AllowedCPUs=cpus (not empty). A unit of
 * that name that is already active (or activating, ...): -EEXIST, "unit X is
 * already active" (GetUnit + ActiveState, before anything is started).
 */
int sdunit_start_slice(const char *unit, const cpuset_t *cpus, char *msg, size_t len);

/*
 * A scope unit in slice holding pid, with CollectMode=inactive-or-failed
 * (systemd forgets it once it is over, even when it failed).
 */
int sdunit_start_scope(const char *unit, const char *slice, pid_t pid, char *msg, size_t len);

/* StopUnit(unit, "replace"). A unit systemd has not loaded: 0 (nothing to stop). */
int sdunit_stop(const char *unit, char *msg, size_t len);

/*
 * The connection the calls above use, as systemctl makes it: as root, and
 * when it exists, systemd's private socket PATH_SYSTEMD_PRIVATE (no
 * dbus-daemon needed; its peer must be root); else, or when that fails, the
 * system bus. Manager.Subscribe() is called on it (the private socket
 * delivers signals anyway; on the system bus it asks for them). *ret is the
 * caller's (sd_bus_flush_close_unref()).
 */
int sdunit_connect(sd_bus **ret, char *msg, size_t len);

/*
 * The same on a connection the caller made (sdunit_connect(), or in tests a
 * peer on a socketpair) with a timeout of the caller's choosing.
 */
int sdunit_bus_start_slice(sd_bus *bus, uint64_t timeout_usec, const char *unit,
			   const cpuset_t *cpus, char *msg, size_t len);
int sdunit_bus_start_scope(sd_bus *bus, uint64_t timeout_usec, const char *unit, const char *slice,
			   pid_t pid, char *msg, size_t len);
int sdunit_bus_stop(sd_bus *bus, uint64_t timeout_usec, const char *unit, char *msg, size_t len);

/*
 * AllowedCPUs= as systemd's D-Bus API carries it ("ay"): CPU n is bit n % 8
 * of byte n / 8, as many bytes as the highest CPU needs. Fills buf and
 * returns that length (0 for an empty set); -ENOBUFS if len is too small.
 */
int sdunit_cpus_bytes(const cpuset_t *cpus, uint8_t *buf, size_t len);

#endif
