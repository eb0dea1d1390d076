// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify: check results and their details.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "verify.h"

const char *vstatus_name(enum vstatus st)
{
	switch (st) {
	case VS_OK:
		return "ok";
	case VS_WARNING:
		return "warning";
	case VS_CRITICAL:
		return "critical";
	case VS_UNKNOWN:
		return "unknown";
	case VS_SKIPPED:
		return "skipped";
	}
	return "unknown";
}

int vstatus_rank(enum vstatus st)
{
	switch (st) {
	case VS_SKIPPED:
		return 0;
	case VS_OK:
		return 1;
	case VS_UNKNOWN:
		return 2;
	case VS_WARNING:
		return 3;
	case VS_CRITICAL:
		return 4;
	}
	return 2;
}

void check_init(struct check *c, const char *id)
{
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->status = VS_OK;
	c->details = json_object_new_object();
}

void check_free(struct check *c)
{
	if (!c)
		return;
	free(c->message);
	json_object_put(c->details);
	c->message = NULL;
	c->details = NULL;
}

static __attribute__((format(printf, 1, 0))) char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

void check_problem(struct check *c, enum vstatus st, const char *fmt, ...)
{
	json_object *arr, *o;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	if (!s)
		return;
	arr = check_detail_array(c, "problems");
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(vstatus_name(st)));
	json_object_object_add(o, "message", json_object_new_string(s));
	json_object_array_add(arr, o);

	/* A real problem outranks "skipped", and the first of the worst stays the message. */
	if (!c->finished || c->status == VS_SKIPPED || vstatus_rank(st) > vstatus_rank(c->status)) {
		free(c->message);
		c->message = s;
		c->status = st;
		c->finished = true;
		return;
	}
	free(s);
}

bool check_read_failed(struct check *c, const struct path_cxt *pc, int r)
{
	if (r >= 0 || r == -ENOENT)
		return false;
	check_problem(c, VS_UNKNOWN, "cannot read %s: %s", path_last(pc), path_read_strerror(r));
	return true;
}

void check_ok(struct check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->finished)
		return;
	va_start(ap, fmt);
	free(c->message);
	c->message = vformat(fmt, ap);
	va_end(ap);
	c->status = VS_OK;
}

void check_skip(struct check *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (c->finished)
		return;
	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	free(c->message);
	c->message = s;
	c->status = VS_SKIPPED;
	if (s)
		json_object_object_add(c->details, "reason", json_object_new_string(s));
	c->finished = true;
}

void check_detail_str(struct check *c, const char *key, const char *val)
{
	json_object_object_add(c->details, key, val ? json_object_new_string(val) : NULL);
}

void check_detail_int(struct check *c, const char *key, int64_t val)
{
	json_object_object_add(c->details, key, json_object_new_int64(val));
}

json_object *json_double3(double val)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.3f", val);
	return json_object_new_double_s(val, buf);
}

void check_detail_double(struct check *c, const char *key, double val)
{
	json_object_object_add(c->details, key, json_double3(val));
}

void check_detail_bool(struct check *c, const char *key, bool val)
{
	json_object_object_add(c->details, key, json_object_new_boolean(val));
}

json_object *json_cpulist(const cpuset_t *set)
{
	char *s = cpuset_to_list(set);
	json_object *o = json_object_new_string(s ? s : "");

	free(s);
	return o;
}

void check_detail_cpuset(struct check *c, const char *key, const cpuset_t *set)
{
	json_object_object_add(c->details, key, json_cpulist(set));
}

json_object *check_detail_array(struct check *c, const char *key)
{
	json_object *a;

	if (json_object_object_get_ex(c->details, key, &a) &&
	    json_object_is_type(a, json_type_array))
		return a;
	a = json_object_new_array();
	json_object_object_add(c->details, key, a);
	return a;
}

json_object *check_detail_object(struct check *c, const char *key)
{
	json_object *o;

	if (json_object_object_get_ex(c->details, key, &o) &&
	    json_object_is_type(o, json_type_object))
		return o;
	o = json_object_new_object();
	json_object_object_add(c->details, key, o);
	return o;
}

const char *cpulist_str(const cpuset_t *set, char *buf, size_t len)
{
	size_t n = cpuset_format_list(set, buf, len);

	if (n >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}
