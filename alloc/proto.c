// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-alloc: the wire. One request object per connection, EPA protocol 1.0
 * (its schemas.py): checked here, field by field, before anything acts on it.
 * No I/O: tests/fuzz/fuzz_allocreq.c drives alloc_req_parse() directly.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"

static const char *const action_names[] = {
	[ALLOC_ALLOCATE_CORES] = "allocate_cores",
	[ALLOC_ALLOCATE_NUMA_CORES] = "allocate_numa_cores",
	[ALLOC_ALLOCATE_CORES_PERCENT] = "allocate_cores_percent",
	[ALLOC_LIST_ALLOCATIONS] = "list_allocations",
	[ALLOC_GET_MEMORY_INFO] = "get_memory_info",
	[ALLOC_ALLOCATE_HUGEPAGES] = "allocate_hugepages",
};

#define NR_ACTIONS (sizeof(action_names) / sizeof(action_names[0]))

const char *alloc_action_name(enum alloc_action a)
{
	return (size_t)a < NR_ACTIONS ? action_names[a] : "?";
}

bool alloc_action_writes(enum alloc_action a)
{
	return a != ALLOC_LIST_ALLOCATIONS && a != ALLOC_GET_MEMORY_INFO;
}

const char *alloc_json_text(json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
}

static bool hexn(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool alloc_pci_normalize(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s);
	const char *bdf = s;
	char dom[5] = "0000";

	if (n == 12 && hexn(s, 4) && s[4] == ':') {
		memcpy(dom, s, 4);
		bdf = s + 5;
	} else if (n != 7) {
		return false;
	}
	/* BB:DD.F, F 0-7 */
	if (!hexn(bdf, 2) || bdf[2] != ':' || !hexn(bdf + 3, 2) || bdf[5] != '.' || bdf[6] < '0' ||
	    bdf[6] > '7' || bdf[7] != '\0')
		return false;
	if (len < 13)
		return false;
	snprintf(buf, len, "%s:%s", dom, bdf);
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return true;
}

/* --- the reader ------------------------------------------------------------- */

int alloc_reader_init(struct alloc_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	if (!r->tok)
		return -ENOMEM;
	json_tokener_set_flags(r->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	return 0;
}

void alloc_reader_done(struct alloc_reader *r)
{
	if (r->tok)
		json_tokener_free(r->tok);
	r->tok = NULL;
	free(r->buf);
	r->buf = NULL;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * How many bytes at the end of s begin a UTF-8 sequence that is not complete
 * yet: such a tail waits for the next piece (json-c 0.16's UTF-8 check starts
 * afresh with each piece and refuses a sequence split between two).
 */
static size_t utf8_tail(const char *s, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++) {
		unsigned char c = (unsigned char)s[n - k];
		size_t need;

		if ((c & 0xc0) == 0x80)
			continue; /* a continuation byte: its lead is further back */
		if (c < 0x80)
			return 0;
		need = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
		return need > k ? k : 0;
	}
	return 0;
}

/* The text as one piece, with the incremental reader's rules; NULL with err. */
static json_object *parse_whole(const char *buf, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	enum json_tokener_error jerr;
	json_object *obj;

	if (!tok) {
		seterr(err, errlen, "Out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!obj && jerr == json_tokener_continue)
		seterr(err, errlen, "Malformed JSON: the object does not end");
	else if (!obj)
		seterr(err, errlen, "Malformed JSON: %s at byte %zu", json_tokener_error_desc(jerr),
		       json_tokener_get_parse_end(tok) + 1);
	json_tokener_free(tok);
	return obj;
}

enum alloc_read alloc_reader_feed(struct alloc_reader *r, const char *buf, size_t len,
				  json_object **ret_obj, char *err, size_t errlen)
{
	enum alloc_read ret = ALLOC_READ_BAD;
	enum json_tokener_error jerr;
	const char *p = buf;
	json_object *obj;
	char *joined = NULL;
	size_t n = len, end, hold, before;

	*ret_obj = NULL;
	if (len > ALLOC_REQUEST_MAX - r->total) {
		seterr(err, errlen, "Request larger than %u bytes", ALLOC_REQUEST_MAX);
		return ALLOC_READ_BAD;
	}
	r->total += len;
	if (r->nheld) {
		joined = malloc(r->nheld + len);
		if (!joined) {
			seterr(err, errlen, "Out of memory");
			return ALLOC_READ_BAD;
		}
		memcpy(joined, r->held, r->nheld);
		memcpy(joined + r->nheld, buf, len);
		p = joined;
		n = r->nheld + len;
		r->nheld = 0;
	}
	hold = utf8_tail(p, n);
	memcpy(r->held, p + n - hold, hold);
	r->nheld = hold;
	n -= hold;
	if (n == 0) {
		free(joined);
		return ALLOC_READ_MORE;
	}
	if (r->fed + n > r->cap) {
		size_t cap = r->cap ? r->cap : 1024;
		char *nb;

		while (cap < r->fed + n)
			cap *= 2;
		nb = realloc(r->buf, cap);
		if (!nb) {
			free(joined);
			seterr(err, errlen, "Out of memory");
			return ALLOC_READ_BAD;
		}
		r->buf = nb;
		r->cap = cap;
	}
	before = r->fed;
	memcpy(r->buf + r->fed, p, n);
	r->fed += n;
	obj = json_tokener_parse_ex(r->tok, p, (int)n);
	jerr = json_tokener_get_error(r->tok);
	end = json_tokener_get_parse_end(r->tok);
	if (!obj) {
		if (jerr == json_tokener_continue)
			ret = ALLOC_READ_MORE;
		else
			seterr(err, errlen, "Malformed JSON: %s at byte %zu",
			       json_tokener_error_desc(jerr), before + end + 1);
		goto out;
	}
	for (size_t i = end; i < n + r->nheld; i++)
		if (i >= n || (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')) {
			json_object_put(obj);
			seterr(err, errlen, "Malformed JSON: %s at byte %zu",
			       json_tokener_error_desc(json_tokener_error_parse_unexpected),
			       before + i + 1);
			goto out;
		}
	/* complete: the whole text in one piece decides */
	json_object_put(obj);
	obj = parse_whole(r->buf, r->fed, err, errlen);
	if (!obj)
		goto out;
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		seterr(err, errlen, "The request is not a JSON object");
		goto out;
	}
	*ret_obj = obj;
	ret = ALLOC_READ_DONE;
out:
	free(joined);
	return ret;
}

/* --- the fields ------------------------------------------------------------- */

/* The JSON text of a value for an error message, shortened; "None" for null (EPA says so). */
static void value_text(json_object *v, char *buf, size_t len)
{
	const char *s;

	if (!v) {
		snprintf(buf, len, "None");
		return;
	}
	s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) :
						       alloc_json_text(v);
	snprintf(buf, len, "%.64s%s", s, strlen(s) > 64 ? "..." : "");
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

enum presence {
	OPTIONAL,
	REQUIRED,
};

/* An integer field within [min, max]: 1 present, 0 absent (or null), -EINVAL. */
static int get_int(json_object *obj, const char *name, enum presence p, int64_t min, int64_t max,
		   const char *range, int64_t *ret, char *err, size_t errlen)
{
	json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(obj, name, &v) || json_object_is_type(v, json_type_null)) {
		if (p == OPTIONAL)
			return 0;
		seterr(err, errlen, "%s: field required", name);
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_int)) {
		seterr(err, errlen, "%s: must be an integer", name);
		return -EINVAL;
	}
	x = json_object_get_int64(v);
	/* json-c saturates what int64 cannot hold; anything beyond int32 is out of range */
	if (x < INT32_MIN || x > INT32_MAX) {
		seterr(err, errlen, "%s: out of range", name);
		return -EINVAL;
	}
	if (x < min || x > max) {
		seterr(err, errlen, "%s: %s", name, range);
		return -EINVAL;
	}
	*ret = x;
	return 1;
}

static int get_bool(json_object *obj, const char *name, bool *ret, char *err, size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		seterr(err, errlen, "%s: must be true or false", name);
		return -EINVAL;
	}
	*ret = json_object_get_boolean(v);
	return 1;
}

static int get_service(json_object *obj, enum presence p, char *ret, char *err, size_t errlen)
{
	json_object *v;
	const char *s;
	size_t len;

	if (!json_object_object_get_ex(obj, "service_name", &v) ||
	    json_object_is_type(v, json_type_null)) {
		if (p == OPTIONAL)
			return 0;
		seterr(err, errlen, "service_name: field required");
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		seterr(err, errlen, "service_name: must be a string");
		return -EINVAL;
	}
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len == 0 && p == OPTIONAL)
		return 0; /* EPA's own list request says "" */
	if (len == 0) {
		seterr(err, errlen, "service_name: must not be empty");
		return -EINVAL;
	}
	if (len > CPUALLOC_NAME_MAX) {
		seterr(err, errlen, "service_name: longer than %d bytes", CPUALLOC_NAME_MAX);
		return -EINVAL;
	}
	if (!cpualloc_name_valid(s, len)) {
		seterr(err, errlen, "service_name: control characters are not allowed");
		return -EINVAL;
	}
	memcpy(ret, s, len + 1);
	return 1;
}

static int get_extensions(json_object *obj, struct alloc_req *ret, char *err, size_t errlen)
{
	json_object *v;
	int64_t pid;
	int r;

	r = get_int(obj, "pid", OPTIONAL, 1, INT32_MAX, "must be a positive integer", &pid, err,
		    errlen);
	if (r < 0)
		return r;
	if (r)
		ret->pid = (int32_t)pid;
	if (json_object_object_get_ex(obj, "near", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_string) ||
		    !alloc_pci_normalize(json_object_get_string(v), ret->near, sizeof(ret->near))) {
			seterr(err, errlen, "near: not a PCI address (DDDD:BB:DD.F)");
			return -EINVAL;
		}
	}
	r = get_bool(obj, "whole_cores", &ret->whole_cores, err, errlen);
	if (r < 0)
		return r;
	r = get_bool(obj, "require", &ret->require, err, errlen);
	return r < 0 ? r : 0;
}

void alloc_req_init(struct alloc_req *req, enum alloc_action action)
{
	memset(req, 0, sizeof(*req));
	req->action = action;
	req->numa_node = -1;
}

static int check_action(json_object *obj, enum alloc_action *ret, char *err, size_t errlen)
{
	json_object *v = NULL;
	char text[80];

	if (json_object_object_get_ex(obj, "action", &v) &&
	    json_object_is_type(v, json_type_string))
		for (size_t i = 0; i < NR_ACTIONS; i++)
			if (!strcmp(json_object_get_string(v), action_names[i])) {
				*ret = (enum alloc_action)i;
				return 0;
			}
	value_text(v && !json_object_is_type(v, json_type_null) ? v : NULL, text, sizeof(text));
	seterr(err, errlen, "Unknown action: %s", text);
	return -EINVAL;
}

static int check_version(json_object *obj, char *err, size_t errlen)
{
	json_object *v;
	char text[80];

	if (!json_object_object_get_ex(obj, "version", &v))
		return 0;
	if (json_object_is_type(v, json_type_string) &&
	    !strcmp(json_object_get_string(v), ALLOC_API_VERSION))
		return 0;
	value_text(v, text, sizeof(text));
	seterr(err, errlen, "Unsupported version: %s (isol-alloc speaks %s)", text,
	       ALLOC_API_VERSION);
	return -EINVAL;
}

#define INT(name, p, min, max, range, field)                                              \
	do {                                                                              \
		int r_ = get_int(obj, name, p, min, max, range, &req.field, err, errlen); \
		if (r_ < 0)                                                               \
			return r_;                                                        \
	} while (0)

int alloc_req_from_json(json_object *obj, struct alloc_req *ret, char *err, size_t errlen)
{
	struct alloc_req req;
	enum alloc_action a;
	int r;

	r = check_action(obj, &a, err, errlen);
	if (r < 0)
		return r;
	alloc_req_init(&req, a);
	r = check_version(obj, err, errlen);
	if (r < 0)
		return r;
	r = get_service(obj, alloc_action_writes(a) ? REQUIRED : OPTIONAL, req.service, err,
			errlen);
	if (r < 0)
		return r;
	switch (a) {
	case ALLOC_ALLOCATE_CORES:
		INT("num_of_cores", OPTIONAL, -1, INT32_MAX, "must be >= -1 (-1 releases)",
		    num_of_cores);
		INT("numa_node", OPTIONAL, 0, INT32_MAX, "must be >= 0", numa_node);
		break;
	case ALLOC_ALLOCATE_NUMA_CORES:
		INT("numa_node", REQUIRED, 0, INT32_MAX, "must be >= 0", numa_node);
		INT("num_of_cores", REQUIRED, -1, INT32_MAX, "must be > 0, or -1 to release",
		    num_of_cores);
		if (req.num_of_cores == 0) {
			seterr(err, errlen, "num_of_cores=0 is invalid for allocate_numa_cores");
			return -EINVAL;
		}
		break;
	case ALLOC_ALLOCATE_CORES_PERCENT:
		INT("percent", REQUIRED, -1, 100, "must be between -1 and 100 (-1 or 0 release)",
		    percent);
		INT("numa_node", OPTIONAL, 0, INT32_MAX, "must be >= 0", numa_node);
		break;
	case ALLOC_LIST_ALLOCATIONS:
	case ALLOC_GET_MEMORY_INFO:
		break;
	case ALLOC_ALLOCATE_HUGEPAGES:
		INT("hugepages_requested", REQUIRED, -1, INT32_MAX, "must be > 0, or -1 to release",
		    hugepages_requested);
		if (req.hugepages_requested == 0) {
			seterr(err, errlen,
			       "hugepages_requested=0 is invalid for allocate_hugepages");
			return -EINVAL;
		}
		INT("node_id", REQUIRED, 0, INT32_MAX, "must be >= 0", node_id);
		INT("size_kb", REQUIRED, 1, INT32_MAX, "must be > 0", size_kb);
		break;
	}
	r = get_extensions(obj, &req, err, errlen);
	if (r < 0)
		return r;
	*ret = req;
	return 0;
}

int alloc_req_parse(const char *buf, size_t len, struct alloc_req *ret, char *err, size_t errlen)
{
	struct alloc_reader rd;
	json_object *obj = NULL;
	int r;

	if (alloc_reader_init(&rd) < 0) {
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	switch (alloc_reader_feed(&rd, buf, len, &obj, err, errlen)) {
	case ALLOC_READ_MORE:
		r = 1;
		break;
	case ALLOC_READ_BAD:
		r = -EINVAL;
		break;
	case ALLOC_READ_DONE:
		r = alloc_req_from_json(obj, ret, err, errlen);
		break;
	default:
		r = -EINVAL;
		break;
	}
	json_object_put(obj);
	alloc_reader_done(&rd);
	return r;
}

/* --- the client's request ---------------------------------------------------- */

static int add(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

json_object *alloc_req_to_json(const struct alloc_req *req)
{
	json_object *o = json_object_new_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= add(o, "version", json_object_new_string(ALLOC_API_VERSION));
	r |= add(o, "action", json_object_new_string(alloc_action_name(req->action)));
	if (req->service[0])
		r |= add(o, "service_name", json_object_new_string(req->service));
	switch (req->action) {
	case ALLOC_ALLOCATE_CORES:
		r |= add(o, "num_of_cores", json_object_new_int64(req->num_of_cores));
		break;
	case ALLOC_ALLOCATE_NUMA_CORES:
		r |= add(o, "numa_node", json_object_new_int64(req->numa_node));
		r |= add(o, "num_of_cores", json_object_new_int64(req->num_of_cores));
		break;
	case ALLOC_ALLOCATE_CORES_PERCENT:
		r |= add(o, "percent", json_object_new_int64(req->percent));
		break;
	case ALLOC_LIST_ALLOCATIONS:
	case ALLOC_GET_MEMORY_INFO:
		break;
	case ALLOC_ALLOCATE_HUGEPAGES:
		r |= add(o, "hugepages_requested", json_object_new_int64(req->hugepages_requested));
		r |= add(o, "node_id", json_object_new_int64(req->node_id));
		r |= add(o, "size_kb", json_object_new_int64(req->size_kb));
		break;
	}
	if (req->action != ALLOC_ALLOCATE_NUMA_CORES && req->numa_node >= 0)
		r |= add(o, "numa_node", json_object_new_int64(req->numa_node));
	if (req->pid > 0)
		r |= add(o, "pid", json_object_new_int64(req->pid));
	if (req->near[0])
		r |= add(o, "near", json_object_new_string(req->near));
	if (req->whole_cores)
		r |= add(o, "whole_cores", json_object_new_boolean(1));
	if (req->require)
		r |= add(o, "require", json_object_new_boolean(1));
	if (r) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
