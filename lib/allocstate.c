// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-alloc's state file (see allocstate.h): formatted and parsed here,
 * written by isol-alloc (alloc/state.c), read by it and by isol-verify.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "allocstate.h"
#include "atomicfile.h"

#define STATE_FORMAT "quietcore-isol-alloc"
#define STATE_VERSION 1

int allocstate_copy(struct allocstate *dst, const struct allocstate *src)
{
	struct allocstate_hp *hp = NULL;
	struct allocstate_cg *cg = NULL;

	if (src->nhp) {
		hp = malloc(src->nhp * sizeof(*hp));
		if (!hp)
			return -ENOMEM;
		memcpy(hp, src->hp, src->nhp * sizeof(*hp));
	}
	if (src->ncg) {
		cg = malloc(src->ncg * sizeof(*cg));
		if (!cg) {
			free(hp);
			return -ENOMEM;
		}
		memcpy(cg, src->cg, src->ncg * sizeof(*cg));
	}
	if (cpualloc_copy(&dst->grants, &src->grants) < 0) {
		free(hp);
		free(cg);
		return -ENOMEM;
	}
	free(dst->hp);
	dst->hp = hp;
	dst->nhp = dst->caphp = src->nhp;
	free(dst->cg);
	dst->cg = cg;
	dst->ncg = src->ncg;
	return 0;
}

struct allocstate_cg *allocstate_cg_find(const struct allocstate *st, const char *service)
{
	for (size_t i = 0; i < st->ncg; i++)
		if (!strcmp(st->cg[i].service, service))
			return &st->cg[i];
	return NULL;
}

int allocstate_cg_set(struct allocstate *st, const char *service, const struct cgroup_task *t)
{
	struct allocstate_cg *c = allocstate_cg_find(st, service), *v;

	if (!c) {
		if (strlen(service) > CPUALLOC_NAME_MAX)
			return -EINVAL;
		v = realloc(st->cg, (st->ncg + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		st->cg = v;
		c = &st->cg[st->ncg++];
		memset(c, 0, sizeof(*c));
		strcpy(c->service, service);
	}
	c->t = *t;
	return 0;
}

int allocstate_cg_remove(struct allocstate *st, const char *service)
{
	struct allocstate_cg *c = allocstate_cg_find(st, service);

	if (!c)
		return -ENOENT;
	memmove(c, c + 1, (size_t)(&st->cg[st->ncg] - (c + 1)) * sizeof(*c));
	st->ncg--;
	return 0;
}

void allocstate_free(struct allocstate *st)
{
	if (!st)
		return;
	cpualloc_grants_free(&st->grants);
	free(st->hp);
	st->hp = NULL;
	st->nhp = st->caphp = 0;
	free(st->cg);
	st->cg = NULL;
	st->ncg = 0;
}

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

char *allocstate_format(const struct allocstate *st, const char *boot_id, const cpuset_t *pool)
{
	json_object *o = json_object_new_object(), *grants = json_object_new_array(),
		    *hp = json_object_new_array(), *cgs = json_object_new_array();
	char *text = NULL;
	int r = 0;

	if (!o || !grants || !hp || !cgs) {
		json_object_put(o);
		json_object_put(grants);
		json_object_put(hp);
		json_object_put(cgs);
		return NULL;
	}
	r |= add(o, "format", json_object_new_string(STATE_FORMAT));
	r |= add(o, "version", json_object_new_int(STATE_VERSION));
	r |= add(o, "boot_id", json_object_new_string(boot_id));
	r |= add_list(o, "pool", pool);
	r |= add(o, "grants", grants);
	r |= add(o, "hugepages", hp);
	r |= add(o, "cgroups", cgs);
	for (size_t i = 0; r == 0 && i < st->grants.n; i++) {
		const struct cpualloc_grant *g = &st->grants.v[i];
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
	for (size_t i = 0; r == 0 && i < st->nhp; i++) {
		const struct allocstate_hp *h = &st->hp[i];
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
	for (size_t i = 0; r == 0 && i < st->ncg; i++) {
		const struct cgroup_task *t = &st->cg[i].t;
		json_object *e = json_object_new_object();

		r = add_entry(cgs, e);
		if (r < 0)
			break;
		r |= add(e, "service", json_object_new_string(st->cg[i].service));
		r |= add(e, "mount",
			 json_object_new_string(
				 cgroup_mount_word(t->mount) ? cgroup_mount_word(t->mount) : ""));
		r |= add(e, "pid", json_object_new_int64(t->pid));
		r |= add_list(e, "cpus", &t->cpus);
		r |= add(e, "from", json_object_new_string(t->from));
		r |= add(e, "dir", json_object_new_string(t->dir));
		r |= add(e, "slice", json_object_new_string(t->slice));
		r |= add(e, "scope", json_object_new_string(t->scope));
		r |= add(e, "enabled_cpuset", json_object_new_boolean(t->enabled_cpuset));
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

static int bad(struct allocstate_err *e, enum allocstate_bad why, size_t index, const char *service)
{
	memset(e, 0, sizeof(*e));
	e->bad = why;
	e->index = index;
	if (service)
		snprintf(e->service, sizeof(e->service), "%s", service);
	return why == ALLOCSTATE_FOREIGN ? -EMEDIUMTYPE : -EBADMSG;
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
	    !cpualloc_name_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
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

/* A string field of at most len - 1 bytes, without control characters. */
static int field_str(json_object *o, const char *key, char *ret, size_t len)
{
	json_object *v;
	const char *str;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return -EINVAL;
	str = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) >= len ||
	    strlen(str) != (size_t)json_object_get_string_len(v))
		return -EINVAL;
	for (const char *p = str; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -EINVAL;
	strcpy(ret, str);
	return 0;
}

static int parse_cg(json_object *e, struct allocstate_cg *c)
{
	struct cgroup_task *t = &c->t;
	char mount[16];
	int64_t pid;
	json_object *v;

	memset(c, 0, sizeof(*c));
	if (!json_object_is_type(e, json_type_object) || field_name(e, "service", c->service) ||
	    field_str(e, "mount", mount, sizeof(mount)) ||
	    field_int(e, "pid", 1, INT32_MAX, &pid) || field_list(e, "cpus", &t->cpus) ||
	    field_str(e, "from", t->from, sizeof(t->from)) ||
	    field_str(e, "dir", t->dir, sizeof(t->dir)) ||
	    field_str(e, "slice", t->slice, sizeof(t->slice)) ||
	    field_str(e, "scope", t->scope, sizeof(t->scope)) ||
	    !json_object_object_get_ex(e, "enabled_cpuset", &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return -EINVAL;
	t->mount = cgroup_mount_from_word(mount);
	t->pid = (int32_t)pid;
	t->enabled_cpuset = json_object_get_boolean(v);
	/* a path below the mount, no "." or ".." component; a scope goes in a slice */
	if (t->mount == CGROUP_MOUNT_NONE || t->dir[0] != '/' || strstr(t->dir, "/.") ||
	    strstr(t->dir, "//") || (t->from[0] && t->from[0] != '/') ||
	    (t->scope[0] != '\0') != (t->slice[0] != '\0') || strchr(t->scope, '/') ||
	    strchr(t->slice, '/'))
		return -EINVAL;
	return 0;
}

static int parse_hp(json_object *e, struct allocstate_hp *h)
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

int allocstate_parse(const char *text, unsigned int flags, struct allocstate *ret, char *boot_id,
		     size_t boot_len, struct allocstate_err *ret_err)
{
	struct allocstate st = { 0 };
	json_object *o, *v, *grants, *hp, *cgs;
	enum json_tokener_error jerr;
	const char *bid = NULL;
	cpuset_t seen;
	int64_t ver;
	int r = 0;

	o = json_tokener_parse_verbose(text, &jerr);
	if (!o) {
		r = bad(ret_err, ALLOCSTATE_NOT_JSON, 0, NULL);
		ret_err->json_err = (int)jerr;
		return r;
	}
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "format", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), STATE_FORMAT)) {
		json_object_put(o);
		return bad(ret_err, ALLOCSTATE_FOREIGN, 0, NULL);
	}
	if (field_int(o, "version", 0, INT32_MAX, &ver) || ver != STATE_VERSION) {
		r = bad(ret_err, ALLOCSTATE_VERSION, 0, NULL);
		goto out;
	}
	if (!json_object_object_get_ex(o, "boot_id", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) >= boot_len) {
		r = bad(ret_err, ALLOCSTATE_BOOT_ID, 0, NULL);
		goto out;
	}
	bid = json_object_get_string(v);
	if (!json_object_object_get_ex(o, "grants", &grants) ||
	    !json_object_is_type(grants, json_type_array) ||
	    !json_object_object_get_ex(o, "hugepages", &hp) ||
	    !json_object_is_type(hp, json_type_array)) {
		r = bad(ret_err, ALLOCSTATE_ARRAYS, 0, NULL);
		goto out;
	}
	cpuset_zero(&seen);
	for (size_t i = 0; i < json_object_array_length(grants); i++) {
		struct cpualloc_grant g;

		if (parse_grant(json_object_array_get_idx(grants, i), &g) < 0) {
			r = bad(ret_err, ALLOCSTATE_GRANT, i + 1, NULL);
			goto out;
		}
		if (!(flags & ALLOCSTATE_KEEP_OVERLAP) && cpuset_intersects(&seen, &g.cpus)) {
			r = bad(ret_err, ALLOCSTATE_OVERLAP, i + 1, g.service);
			goto out;
		}
		cpuset_or(&seen, &seen, &g.cpus);
		r = cpualloc_add(&st.grants, &g);
		if (r == -EEXIST) {
			r = bad(ret_err, ALLOCSTATE_DUPLICATE, i + 1, g.service);
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
			r = bad(ret_err, ALLOCSTATE_HUGEPAGES, i + 1, NULL);
			goto out;
		}
	/* informative only (the daemon reads the pool afresh): not a reason to refuse */
	st.pool_known = field_list(o, "pool", &st.pool) == 0;
	/* absent: a file of a daemon without --cgroup, or of before it */
	if (json_object_object_get_ex(o, "cgroups", &cgs)) {
		if (!json_object_is_type(cgs, json_type_array)) {
			r = bad(ret_err, ALLOCSTATE_ARRAYS, 0, NULL);
			goto out;
		}
		for (size_t i = 0; i < json_object_array_length(cgs); i++) {
			struct allocstate_cg c;

			if (parse_cg(json_object_array_get_idx(cgs, i), &c) < 0 ||
			    allocstate_cg_find(&st, c.service)) {
				r = bad(ret_err, ALLOCSTATE_CGROUP, i + 1, NULL);
				goto out;
			}
			r = allocstate_cg_set(&st, c.service, &c.t);
			if (r < 0)
				goto out;
		}
	}
out:
	if (r == 0)
		snprintf(boot_id, boot_len, "%s", bid);
	json_object_put(o);
	if (r < 0) {
		allocstate_free(&st);
		return r;
	}
	allocstate_free(ret);
	*ret = st;
	return 0;
}

void allocstate_err_format(const struct allocstate_err *e, char *buf, size_t len)
{
	switch (e->bad) {
	case ALLOCSTATE_NOT_JSON:
		snprintf(buf, len, "not JSON: %s",
			 json_tokener_error_desc((enum json_tokener_error)e->json_err));
		break;
	case ALLOCSTATE_FOREIGN:
		snprintf(buf, len, "not an isol-alloc state file (no \"format\":\"%s\")",
			 STATE_FORMAT);
		break;
	case ALLOCSTATE_VERSION:
		snprintf(buf, len, "version: not %d", STATE_VERSION);
		break;
	case ALLOCSTATE_BOOT_ID:
		snprintf(buf, len, "boot_id: not a string");
		break;
	case ALLOCSTATE_ARRAYS:
		snprintf(buf, len, "grants or hugepages: not an array");
		break;
	case ALLOCSTATE_GRANT:
		snprintf(buf, len, "grant %zu: malformed", e->index);
		break;
	case ALLOCSTATE_OVERLAP:
		snprintf(buf, len, "grant %zu (%s): a CPU already in another grant", e->index,
			 e->service);
		break;
	case ALLOCSTATE_DUPLICATE:
		snprintf(buf, len, "grant %zu (%s): a second grant of one service", e->index,
			 e->service);
		break;
	case ALLOCSTATE_HUGEPAGES:
		snprintf(buf, len, "hugepage record %zu: malformed", e->index);
		break;
	case ALLOCSTATE_CGROUP:
		snprintf(buf, len, "cgroup record %zu: malformed, or a second one of its service",
			 e->index);
		break;
	case ALLOCSTATE_NUL:
		snprintf(buf, len, "a NUL byte in the file");
		break;
	default:
		snprintf(buf, len, "damaged");
		break;
	}
}

int allocstate_read(struct path_cxt *pc, const char *path, unsigned int flags,
		    struct allocstate *ret, char *boot_id, size_t boot_len,
		    struct allocstate_err *ret_err)
{
	char *buf = NULL;
	size_t len;
	int r;

	r = atomicfile_read(pc, path, &buf, &len, NULL);
	path_get(pc, "%s", path); /* path_last(): the file, not its directory */
	if (r < 0)
		return r;
	if (strlen(buf) != len)
		r = bad(ret_err, ALLOCSTATE_NUL, 0, NULL);
	else
		r = allocstate_parse(buf, flags, ret, boot_id, boot_len, ret_err);
	free(buf);
	return r;
}
