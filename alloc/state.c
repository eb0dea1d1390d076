// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-alloc: the state file, /var/lib/quietcore/alloc.json below --root.
 *
 *   {"format":"quietcore-isol-alloc","version":1,"boot_id":"...","pool":"2-7",
 *    "grants":[{"service":"nova","cpus":"2-5","explicit":"","lost":"",
 *               "uid":0,"pid":0,"starttime":0}],
 *    "hugepages":[{"service":"dpdk","node_id":0,"size_kb":2048,"count":4,"uid":0}]}
 *
 * Written whole through lib/atomicfile (temp file, fsync, rename, directory
 * fsync) before any reply that reports a change, so a daemon killed at any
 * moment restarts with every grant it announced and none it did not.
 * Read back strictly: a file that is not ours, or damaged (a CPU in two
 * grants, a bad name), stops the daemon rather than be overwritten.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "alloc.h"
#include "atomicfile.h"
#include "isolation.h"

#define STATE_FORMAT "quietcore-isol-alloc"
#define STATE_VERSION 1

static int add(json_object *o, const char *key, json_object *v)
{
	if (!v || json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int add_list(json_object *o, const char *key, const cpuset_t *set)
{
	char *s = cpuset_to_list(set);
	int r;

	if (!s)
		return -ENOMEM;
	r = add(o, key, json_object_new_string(s));
	free(s);
	return r;
}

/* Append a new object to an array (the array owns it then); -ENOMEM. */
static int add_entry(json_object *arr, json_object *e)
{
	if (!e)
		return -ENOMEM;
	if (json_object_array_add(arr, e) < 0) {
		json_object_put(e);
		return -ENOMEM;
	}
	return 0;
}

char *alloc_state_format(const struct alloc_daemon *d)
{
	json_object *o = json_object_new_object(), *grants = json_object_new_array(),
		    *hp = json_object_new_array();
	char *text = NULL;
	int r = 0;

	if (!o || !grants || !hp) {
		json_object_put(o);
		json_object_put(grants);
		json_object_put(hp);
		return NULL;
	}
	r |= add(o, "format", json_object_new_string(STATE_FORMAT));
	r |= add(o, "version", json_object_new_int(STATE_VERSION));
	r |= add(o, "boot_id", json_object_new_string(d->boot_id));
	r |= add_list(o, "pool", &d->pool);
	r |= add(o, "grants", grants);
	r |= add(o, "hugepages", hp);
	for (size_t i = 0; r == 0 && i < d->st.grants.n; i++) {
		const struct cpualloc_grant *g = &d->st.grants.v[i];
		json_object *e = json_object_new_object();

		r = add_entry(grants, e);
		if (r < 0)
			break;
		r |= add(e, "service", json_object_new_string(g->service));
		r |= add_list(e, "cpus", &g->cpus);
		r |= add_list(e, "explicit", &g->explicit_cpus);
		r |= add_list(e, "lost", &g->lost);
		r |= add(e, "uid", json_object_new_int64(g->uid));
		r |= add(e, "pid", json_object_new_int64(g->pid));
		r |= add(e, "starttime", json_object_new_uint64(g->starttime));
	}
	for (size_t i = 0; r == 0 && i < d->st.nhp; i++) {
		const struct alloc_hp_record *h = &d->st.hp[i];
		json_object *e = json_object_new_object();

		r = add_entry(hp, e);
		if (r < 0)
			break;
		r |= add(e, "service", json_object_new_string(h->service));
		r |= add(e, "node_id", json_object_new_int64(h->node_id));
		r |= add(e, "size_kb", json_object_new_int64(h->size_kb));
		r |= add(e, "count", json_object_new_int64(h->count));
		r |= add(e, "uid", json_object_new_int64(h->uid));
	}
	if (r == 0) {
		const char *s = json_object_to_json_string_ext(
			o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
		size_t n = s ? strlen(s) : 0;

		text = s ? malloc(n + 2) : NULL;
		if (text) {
			memcpy(text, s, n);
			text[n] = '\n';
			text[n + 1] = '\0';
		}
	}
	json_object_put(o);
	return text;
}

/* --- reading it back ------------------------------------------------------------ */

static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int field_int(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret)
{
	json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return -EINVAL;
	x = json_object_get_int64(v);
	if (x < min || x > max)
		return -ERANGE;
	*ret = x;
	return 0;
}

static int field_list(json_object *o, const char *key, cpuset_t *ret)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return -EINVAL;
	return cpuset_parse_list(json_object_get_string(v), 0, ret);
}

static int field_name(json_object *o, const char *key, char *ret)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
	    !alloc_name_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
		return -EINVAL;
	strcpy(ret, json_object_get_string(v));
	return 0;
}

static int parse_grant(json_object *e, struct cpualloc_grant *g)
{
	int64_t uid, pid, st;
	json_object *v;

	memset(g, 0, sizeof(*g));
	if (!json_object_is_type(e, json_type_object) || field_name(e, "service", g->service) ||
	    field_list(e, "cpus", &g->cpus) || field_list(e, "explicit", &g->explicit_cpus) ||
	    field_list(e, "lost", &g->lost) || field_int(e, "uid", 0, UINT32_MAX, &uid) ||
	    field_int(e, "pid", 0, INT32_MAX, &pid) ||
	    !json_object_object_get_ex(e, "starttime", &v) ||
	    !json_object_is_type(v, json_type_int))
		return -EINVAL;
	st = json_object_get_int64(v); /* negative only when it is: a large one saturates */
	if (st < 0)
		return -EINVAL;
	g->uid = (uint32_t)uid;
	g->pid = (int32_t)pid;
	g->starttime = json_object_get_uint64(v);
	return cpuset_subset(&g->explicit_cpus, &g->cpus) ? 0 : -EINVAL;
}

static int parse_hp(json_object *e, struct alloc_hp_record *h)
{
	int64_t uid;

	memset(h, 0, sizeof(*h));
	if (!json_object_is_type(e, json_type_object) || field_name(e, "service", h->service) ||
	    field_int(e, "node_id", 0, INT32_MAX, &h->node_id) ||
	    field_int(e, "size_kb", 1, INT32_MAX, &h->size_kb) ||
	    field_int(e, "count", 1, INT32_MAX, &h->count) ||
	    field_int(e, "uid", 0, UINT32_MAX, &uid))
		return -EINVAL;
	h->uid = (uint32_t)uid;
	return 0;
}

int alloc_state_parse(const char *text, struct alloc_state *ret, char *boot_id, size_t boot_len,
		      char *err, size_t errlen)
{
	struct alloc_state st = { 0 };
	json_object *o, *v, *grants, *hp;
	enum json_tokener_error jerr;
	cpuset_t seen;
	int64_t ver;
	int r = 0;

	o = json_tokener_parse_verbose(text, &jerr);
	if (!o)
		return bad(err, errlen, "not JSON: %s", json_tokener_error_desc(jerr));
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "format", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), STATE_FORMAT)) {
		json_object_put(o);
		snprintf(err, errlen, "not an isol-alloc state file (no \"format\":\"%s\")",
			 STATE_FORMAT);
		return -EMEDIUMTYPE;
	}
	if (field_int(o, "version", 0, INT32_MAX, &ver) || ver != STATE_VERSION) {
		r = bad(err, errlen, "version: not %d", STATE_VERSION);
		goto out;
	}
	if (!json_object_object_get_ex(o, "boot_id", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) >= boot_len) {
		r = bad(err, errlen, "boot_id: not a string");
		goto out;
	}
	snprintf(boot_id, boot_len, "%s", json_object_get_string(v));
	if (!json_object_object_get_ex(o, "grants", &grants) ||
	    !json_object_is_type(grants, json_type_array) ||
	    !json_object_object_get_ex(o, "hugepages", &hp) ||
	    !json_object_is_type(hp, json_type_array)) {
		r = bad(err, errlen, "grants or hugepages: not an array");
		goto out;
	}
	cpuset_zero(&seen);
	for (size_t i = 0; i < json_object_array_length(grants); i++) {
		struct cpualloc_grant g;

		if (parse_grant(json_object_array_get_idx(grants, i), &g) < 0) {
			r = bad(err, errlen, "grant %zu: malformed", i + 1);
			goto out;
		}
		if (cpuset_intersects(&seen, &g.cpus)) {
			r = bad(err, errlen, "grant %zu (%s): a CPU already in another grant",
				i + 1, g.service);
			goto out;
		}
		cpuset_or(&seen, &seen, &g.cpus);
		r = cpualloc_add(&st.grants, &g);
		if (r == -EEXIST) {
			r = bad(err, errlen, "grant %zu (%s): a second grant of one service", i + 1,
				g.service);
			goto out;
		}
		if (r < 0)
			goto out;
	}
	st.nhp = st.caphp = json_object_array_length(hp);
	st.hp = calloc(st.nhp ? st.nhp : 1, sizeof(*st.hp));
	if (!st.hp) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < st.nhp; i++)
		if (parse_hp(json_object_array_get_idx(hp, i), &st.hp[i]) < 0) {
			r = bad(err, errlen, "hugepage record %zu: malformed", i + 1);
			goto out;
		}
out:
	json_object_put(o);
	if (r < 0) {
		alloc_state_free(&st);
		return r;
	}
	alloc_state_free(ret);
	*ret = st;
	return 0;
}

int alloc_state_load(struct alloc_daemon *d, char *err, size_t errlen)
{
	char **removed = NULL, *buf = NULL;
	size_t nremoved = 0, len;
	int r;

	r = atomicfile_remove_stale(&d->pc, d->state_path, &removed, &nremoved);
	for (size_t i = 0; i < nremoved; i++) {
		alloc_log(LOG_NOTICE, "removed %s, left by a killed write", removed[i]);
		free(removed[i]);
	}
	free(removed);
	if (r < 0)
		alloc_log(LOG_WARNING, "looking for temporary files of %s: %s, ignoring",
			  d->state_path, path_strerror(r));
	r = atomicfile_read(&d->pc, d->state_path, &buf, &len, NULL);
	if (r == -ENOENT) {
		alloc_state_free(&d->st);
		d->boot_id[0] = '\0';
		return 0;
	}
	if (r < 0) {
		snprintf(err, errlen, "%s", path_strerror(r));
		return r;
	}
	if (strlen(buf) != len) {
		free(buf);
		snprintf(err, errlen, "a NUL byte in the file");
		return -EBADMSG;
	}
	r = alloc_state_parse(buf, &d->st, d->boot_id, sizeof(d->boot_id), err, errlen);
	free(buf);
	return r;
}

int alloc_state_save(struct alloc_daemon *d)
{
	char *text = alloc_state_format(d);
	int r;

	if (!text)
		return -ENOMEM;
	r = atomicfile_write(&d->pc, d->state_path, text, strlen(text), NULL);
	if (r == -ENOENT) {
		char dir[PATH_MAX];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", d->state_path);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			r = atomicfile_mkdirs(&d->pc, dir, 0755);
			if (r == 0)
				r = atomicfile_write(&d->pc, d->state_path, text, strlen(text),
						     NULL);
		}
	}
	free(text);
	return r;
}

/* --- reconciliation on start ------------------------------------------------------ */

void alloc_reconcile(struct alloc_daemon *d, bool *changed)
{
	char now[ISOLATION_BOOT_ID_MAX] = "";
	bool new_boot;

	if (isolation_boot_id(&d->pc, now, sizeof(now)) < 0)
		now[0] = '\0';
	new_boot = now[0] && d->boot_id[0] && strcmp(now, d->boot_id);
	for (size_t i = 0; i < d->st.grants.n;) {
		struct cpualloc_grant *g = &d->st.grants.v[i];
		uint64_t start;
		uid_t owner;
		int r;

		if (!g->pid) {
			i++;
			continue;
		}
		if (new_boot) {
			alloc_log(LOG_NOTICE, "%s: grant released: pid %d ran in a previous boot",
				  g->service, g->pid);
		} else {
			r = alloc_read_process(&d->pc, g->pid, &start, &owner);
			if (r == 0 && start == g->starttime) {
				i++;
				continue;
			}
			if (r < 0 && r != -ESRCH) {
				alloc_log(LOG_WARNING, "%s: pid %d: %s: %s, grant kept", g->service,
					  g->pid, path_last(&d->pc), path_read_strerror(r));
				i++;
				continue;
			}
			alloc_log(LOG_NOTICE, "%s: grant released: pid %d is gone", g->service,
				  g->pid);
		}
		cpualloc_remove(&d->st.grants, i);
		*changed = true;
	}
	if (strcmp(now, d->boot_id)) {
		snprintf(d->boot_id, sizeof(d->boot_id), "%s", now);
		*changed = true;
	}
}
