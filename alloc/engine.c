// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-alloc: one request against the daemon's state. EPA's actions with its
 * reply shapes (field names, order and JSON types as its schemas.py), the
 * placement of lib/cpualloc, the peer's rights, and our extension fields
 * (cpus, numa_node, mode, preempted, pid, ...) after EPA's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "alloc.h"
#include "isolation.h"
#include "pathnames.h"

/* --- building replies: a failed allocation is remembered, checked once ------ */

struct reply {
	json_object *o;
	bool oom;
};

static void rp_add(struct reply *r, json_object *o, const char *key, json_object *v)
{
	if (!v || json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		r->oom = true;
	}
}

static void rp_int(struct reply *r, const char *key, int64_t v)
{
	rp_add(r, r->o, key, json_object_new_int64(v));
}

static void rp_str(struct reply *r, const char *key, const char *v)
{
	rp_add(r, r->o, key, json_object_new_string(v));
}

static void rp_bool(struct reply *r, const char *key, bool v)
{
	rp_add(r, r->o, key, json_object_new_boolean(v));
}

static void rp_list(struct reply *r, json_object *o, const char *key, const cpuset_t *set)
{
	char *s = cpuset_to_list(set);

	if (!s) {
		r->oom = true;
		return;
	}
	rp_add(r, o, key, json_object_new_string(s));
	free(s);
}

static bool rp_init(struct reply *r)
{
	r->oom = false;
	r->o = json_object_new_object();
	if (!r->o)
		return false;
	rp_str(r, "version", ALLOC_API_VERSION);
	return !r->oom;
}

static json_object *rp_done(struct reply *r)
{
	if (r->oom) {
		json_object_put(r->o);
		return NULL;
	}
	return r->o;
}

json_object *alloc_error_reply(const char *text, bool noop)
{
	struct reply r;

	if (!rp_init(&r))
		return NULL;
	rp_str(&r, "error", text);
	if (noop)
		rp_str(&r, "mode", "noop");
	return rp_done(&r);
}

static json_object *errorf(const struct alloc_daemon *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static json_object *errorf(const struct alloc_daemon *d, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return alloc_error_reply(text, cpuset_empty(&d->pool));
}

/* --- the state --------------------------------------------------------------- */

/* The CPUs of the grants within the pool (they always are, after alloc_refresh). */
struct stats {
	unsigned int total, used, remaining;
	cpuset_t free;
};

static void stats_of(const struct alloc_daemon *d, struct stats *s)
{
	cpuset_t used;

	cpualloc_used(&d->st.grants, &d->pool, &used);
	cpuset_andnot(&s->free, &d->pool, &used);
	s->total = cpuset_count(&d->pool);
	s->used = cpuset_count(&used);
	s->remaining = cpuset_count(&s->free);
}

static int node_index(const struct topology *t, int64_t id)
{
	for (size_t i = 0; i < t->nodes.n; i++)
		if (t->nodes.v[i].id == id)
			return (int)i;
	return -1;
}

/* The node id of a set in one node, else -1. */
static int node_of(const struct topology *t, const cpuset_t *set)
{
	int id = -1;

	if (cpuset_empty(set))
		return -1;
	for (size_t i = 0; i < t->nodes.n; i++) {
		if (!cpuset_intersects(set, &t->nodes.v[i].cpus))
			continue;
		if (id >= 0 || !cpuset_subset(set, &t->nodes.v[i].cpus))
			return -1;
		id = t->nodes.v[i].id;
	}
	return id;
}

static void log_set(int prio, const char *what, const char *service, const cpuset_t *set,
		    const char *why)
{
	char *s = cpuset_to_list(set);

	alloc_log(prio, "%s: %s %s%s", service, what, s ? s : "?", why);
	free(s);
}

/* Grants emptied by CPUs leaving the pool go (logged); others keep what is left. */
static void shrink_to_pool(struct alloc_daemon *d, bool *changed)
{
	for (size_t i = 0; i < d->st.grants.n;) {
		struct cpualloc_grant *g = &d->st.grants.v[i];
		cpuset_t gone;

		cpuset_andnot(&gone, &g->cpus, &d->pool);
		if (cpuset_empty(&gone)) {
			i++;
			continue;
		}
		*changed = true;
		log_set(LOG_WARNING, "CPUs left the pool:", g->service, &gone,
			", taken from its grant");
		cpuset_andnot(&g->cpus, &g->cpus, &gone);
		cpuset_andnot(&g->explicit_cpus, &g->explicit_cpus, &gone);
		if (cpuset_empty(&g->cpus)) {
			alloc_log(LOG_WARNING,
				  "%s: grant released: none of its CPUs is in the pool",
				  g->service);
			cpualloc_remove(&d->st.grants, i);
			continue;
		}
		i++;
	}
}

int alloc_refresh(struct alloc_daemon *d, bool *changed)
{
	cpuset_t online, pool;
	int r;

	r = path_read_cpulist(&d->pc, 0, &online, PATH_SYS_CPU "/online");
	if (r == 0 && d->online_known && !cpuset_equal(&online, &d->online_file)) {
		struct topology *t;

		r = topology_read(&d->pc, &t);
		if (r < 0)
			return r;
		alloc_log(LOG_NOTICE, "online CPUs changed: topology read again");
		topology_free(d->topo);
		d->topo = t;
	} else if (r < 0 && r != -ENOENT) {
		return r; /* no cpu/online: the tree's CPU directories said it (topology) */
	}
	if (r == 0) {
		d->online_file = online;
		d->online_known = true;
	}
	r = isolation_pool(&d->pc, &d->topo->online, &pool);
	if (r < 0)
		return r;
	if (!cpuset_equal(&pool, &d->pool)) {
		alloc_log_pool_change(&d->pool, &pool, "");
		d->pool = pool;
	}
	shrink_to_pool(d, changed);
	alloc_enforce_sync(d, changed);
	return 0;
}

/* --- rights ------------------------------------------------------------------ */

static json_object *check_owner(const struct alloc_daemon *d, const struct alloc_peer *peer,
				const struct cpualloc_grant *g)
{
	if (!g || peer->uid == 0 || g->uid == peer->uid)
		return NULL;
	return errorf(d, "Permission denied: %s was allocated by uid %u", g->service, g->uid);
}

/* The CPUs a non-root peer may not preempt: other owners' grants. */
static void others_cpus(const struct alloc_daemon *d, uid_t uid, cpuset_t *ret)
{
	unsigned int span = cpuset_span(&d->pool); /* it is used within the pool */

	cpuset_zero(ret);
	for (size_t i = 0; i < d->st.grants.n; i++)
		if (d->st.grants.v[i].uid != uid)
			cpuset_or_below(ret, &d->st.grants.v[i].cpus, span);
}

/* --- allocate_cores, allocate_numa_cores, allocate_cores_percent ------------- */

struct placed {
	const struct cpualloc_grant *grant; /* NULL: released */
	cpuset_t cpus;			    /* chosen by this request (node part: explicit) */
	cpuset_t preempted;
	int node;
};

/*
 * Our fields after EPA's: the whole grant, its node (allocate_numa_cores has
 * EPA's numa_node already: the node asked for), what it preempted, the mode.
 */
static void add_extensions(const struct alloc_daemon *d, const struct alloc_req *req,
			   struct reply *r, const struct placed *p)
{
	cpuset_t none;

	cpuset_zero(&none);
	rp_list(r, r->o, "cpus", p->grant ? &p->grant->cpus : &none);
	if (req->action != ALLOC_ALLOCATE_NUMA_CORES)
		rp_int(r, "numa_node", p->grant ? node_of(d->topo, &p->grant->cpus) : -1);
	if (!cpuset_empty(&p->preempted))
		rp_list(r, r->o, "preempted", &p->preempted);
	if (p->grant && p->grant->pid) {
		rp_int(r, "pid", p->grant->pid);
		rp_bool(r, "enforced", alloc_enforced(d, p->grant->service));
	}
	rp_str(r, "mode", "active");
}

static json_object *reply_cores(const struct alloc_daemon *d, const struct alloc_req *req,
				const struct placed *p)
{
	struct reply r;
	struct stats s;

	stats_of(d, &s);
	if (!rp_init(&r))
		return NULL;
	rp_str(&r, "service_name", req->service);
	switch (req->action) {
	case ALLOC_ALLOCATE_CORES:
		rp_int(&r, "num_of_cores", p->grant ? req->num_of_cores : 0);
		rp_int(&r, "cores_allocated", cpuset_count(&p->cpus));
		rp_list(&r, r.o, "allocated_cores", &p->cpus);
		rp_list(&r, r.o, "shared_cpus", &s.free);
		break;
	case ALLOC_ALLOCATE_NUMA_CORES:
		rp_int(&r, "numa_node", req->numa_node);
		rp_int(&r, "num_of_cores", req->num_of_cores);
		rp_list(&r, r.o, "cores_allocated", &p->cpus);
		break;
	case ALLOC_ALLOCATE_CORES_PERCENT:
		rp_int(&r, "cores_allocated_count", cpuset_count(&p->cpus));
		rp_list(&r, r.o, "allocated_cores", &p->cpus);
		break;
	default:
		break;
	}
	rp_int(&r, "total_available_cpus", s.total);
	rp_int(&r, "remaining_available_cpus", s.remaining);
	add_extensions(d, req, &r, p);
	return rp_done(&r);
}

static json_object *do_release(struct alloc_daemon *d, const struct alloc_req *req,
			       const struct alloc_peer *peer, bool *changed)
{
	const struct cpualloc_grant *g = cpualloc_find(&d->st.grants, req->service);
	struct placed p = { .node = -1 };
	const cpuset_t *within = NULL;
	json_object *deny = check_owner(d, peer, g);
	cpuset_t freed;
	int ni = -1;

	if (deny)
		return deny;
	if (req->action == ALLOC_ALLOCATE_NUMA_CORES) {
		ni = node_index(d->topo, req->numa_node);
		within = &d->topo->nodes.v[ni].cpus;
	}
	if (cpualloc_release(&d->st.grants, req->service, within, &freed) == 0) {
		*changed = true;
		if (ni >= 0)
			log_set(LOG_INFO, "released", req->service, &freed,
				" (its NUMA node part)");
		else
			log_set(LOG_INFO, "released", req->service, &freed, "");
	}
	/* its process back where it was */
	alloc_enforce_sync(d, changed);
	p.grant = cpualloc_find(&d->st.grants, req->service); /* a NUMA release keeps the rest */
	cpuset_zero(&p.cpus);
	cpuset_zero(&p.preempted);
	return reply_cores(d, req, &p);
}

/* Why a placement failed, in EPA's words where EPA has them. */
static json_object *refusal(const struct alloc_daemon *d, const struct alloc_req *req,
			    const struct cpualloc_request *creq, const struct cpualloc_result *res,
			    int r)
{
	const char *unit = res->in_cores ? "whole cores" : "CPUs";
	char text[512];
	struct reply rp;

	switch (r) {
	case -ENODEV:
		return errorf(d, "NUMA node %d does not exist", creq->node);
	case -EINVAL:
		if (creq->unit == CPUALLOC_DEFAULT && !res->in_cores)
			return errorf(
				d,
				"Failed to allocate 0 cores: the default size of a pool of %u CPUs is 0",
				cpuset_count(&d->pool));
		return errorf(d, "Failed to allocate 0 cores: the pool has %u whole cores",
			      cpualloc_whole_cores(d->topo, &d->pool));
	case -ENOSPC:
		break;
	default:
		return errorf(d, "Failed to allocate cores: %s", strerror(-r));
	}
	if (res->why == CPUALLOC_SHORT_WHOLE)
		snprintf(
			text, sizeof(text),
			"Insufficient whole cores: %u CPUs cannot be made of the whole free cores (%u CPUs in them)",
			res->wanted, res->available);
	else if (req->action == ALLOC_ALLOCATE_NUMA_CORES && res->pool_there == 0)
		snprintf(text, sizeof(text), "No isolated CPUs available in NUMA node %d",
			 creq->node);
	else if (req->action == ALLOC_ALLOCATE_NUMA_CORES && res->pool_there < res->wanted)
		snprintf(text, sizeof(text),
			 "NUMA node %d only has %u isolated %s, but %u were requested", creq->node,
			 res->pool_there, unit, res->wanted);
	else if (req->action == ALLOC_ALLOCATE_NUMA_CORES)
		snprintf(
			text, sizeof(text),
			"Failed to allocate cores from NUMA node %d: %u requested, %u free, the others held by %s",
			creq->node, res->wanted, res->available,
			creq->no_preempt ? "other services (preemption is off)" :
					   "explicit grants or other users");
	else if (creq->node >= 0)
		snprintf(text, sizeof(text),
			 "Insufficient %s available on NUMA node %d. Requested: %u, Available: %u",
			 unit, creq->node, res->wanted, res->available);
	else
		snprintf(text, sizeof(text),
			 "Insufficient %s available. Requested: %u, Available: %u", unit,
			 res->wanted, res->available);
	if (!rp_init(&rp))
		return NULL;
	rp_str(&rp, "error", text);
	rp_int(&rp, "available", res->available);
	if (res->short_node >= 0)
		rp_int(&rp, "numa_node", res->short_node);
	else if (res->best_node >= 0) {
		rp_int(&rp, "best_numa_node", res->best_node);
		rp_int(&rp, "best_numa_node_available", res->best_node_available);
	}
	return rp_done(&rp);
}

static void log_grant(const struct alloc_daemon *d, const char *service,
		      const struct cpualloc_result *res)
{
	char *s = cpuset_to_list(&res->cpus);

	if (res->node >= 0)
		alloc_log(LOG_INFO, "%s: granted %s (%u CPUs, NUMA node %d)", service, s ? s : "?",
			  cpuset_count(&res->cpus), res->node);
	else
		alloc_log(LOG_INFO, "%s: granted %s (%u CPUs)", service, s ? s : "?",
			  cpuset_count(&res->cpus));
	free(s);
	/* who lost CPUs to it: nobody when it preempted nothing (the common case) */
	for (size_t i = 0; !cpuset_empty(&res->preempted) && i < d->st.grants.n; i++) {
		const struct cpualloc_grant *g = &d->st.grants.v[i];
		cpuset_t lost;
		char why[128 + CPUALLOC_NAME_MAX];

		if (!strcmp(g->service, service))
			continue;
		/* committed: the CPUs just taken are in its lost set (cleared when it asks again) */
		cpuset_and(&lost, &g->lost, &res->preempted);
		if (cpuset_empty(&lost))
			continue;
		snprintf(why, sizeof(why), " to %s's explicit grant on NUMA node %d (preempted)",
			 service, res->node);
		log_set(LOG_WARNING, "lost", g->service, &lost, why);
	}
}

static json_object *do_allocate(struct alloc_daemon *d, const struct alloc_req *req,
				const struct alloc_peer *peer, bool *changed)
{
	struct cpualloc_request creq = { .service = req->service, .node = -1 };
	struct cpualloc_grants before = { 0 };
	char err[PATH_MAX + 512];
	struct cpualloc_result *res;
	struct placed p = { .node = -1 };
	cpuset_t near, keep;
	uint64_t starttime = 0;
	json_object *reply;
	int r;

	reply = check_owner(d, peer, cpualloc_find(&d->st.grants, req->service));
	if (reply)
		return reply;
	switch (req->action) {
	case ALLOC_ALLOCATE_CORES:
		creq.unit = req->num_of_cores == 0 ? CPUALLOC_DEFAULT :
			    req->whole_cores	   ? CPUALLOC_CORES :
						     CPUALLOC_CPUS;
		creq.count = (unsigned int)req->num_of_cores;
		creq.whole_cores = req->whole_cores;
		creq.node = (int)req->numa_node;
		break;
	case ALLOC_ALLOCATE_NUMA_CORES:
		creq.unit = req->whole_cores ? CPUALLOC_CORES : CPUALLOC_CPUS;
		creq.count = (unsigned int)req->num_of_cores;
		creq.node = (int)req->numa_node;
		creq.explicit_numa = true;
		break;
	case ALLOC_ALLOCATE_CORES_PERCENT:
		creq.unit = CPUALLOC_PERCENT;
		creq.count = (unsigned int)req->percent;
		creq.whole_cores = req->whole_cores;
		creq.node = (int)req->numa_node;
		break;
	default:
		return errorf(d, "Unknown action: %s", alloc_action_name(req->action));
	}
	creq.no_preempt = d->no_preempt;
	if (peer->uid != 0) {
		others_cpus(d, peer->uid, &keep);
		creq.keep = &keep;
	}
	if (req->near[0]) {
		int node;

		r = alloc_read_pci(&d->pc, d->topo, req->near, &near, &node);
		if (r == -ENOENT)
			return errorf(d, "PCI device %s not found", req->near);
		if (r < 0)
			return errorf(d, "PCI device %s: %s: %s", req->near, path_last(&d->pc),
				      path_read_strerror(r));
		if (!cpuset_empty(&near))
			creq.near = &near;
	}
	if (req->pid) {
		uid_t owner;

		r = alloc_read_process(&d->pc, req->pid, &starttime, &owner);
		if (r == -ESRCH)
			return errorf(d, "pid %d: no such process", req->pid);
		if (r < 0)
			return errorf(d, "pid %d: %s: %s", req->pid, path_last(&d->pc),
				      path_read_strerror(r));
		if (peer->uid != 0 && owner != peer->uid)
			return errorf(d, "Permission denied: pid %d is not a process of uid %u",
				      req->pid, peer->uid);
	}
	res = malloc(sizeof(*res));
	if (!res)
		return NULL;
	if (d->enforce && req->pid && cpualloc_copy(&before, &d->st.grants) < 0) {
		free(res);
		return NULL;
	}
	r = cpualloc_place(d->topo, &d->pool, &d->st.grants, &creq, res);
	if (r == 0)
		r = cpualloc_commit(&d->st.grants, &creq, res, peer->uid, req->pid, starttime);
	if (r < 0) {
		reply = refusal(d, req, &creq, res, r);
		cpualloc_grants_free(&before);
		free(res);
		return reply;
	}
	*changed = true;
	r = alloc_enforce_grant(d, req->service, changed, err, sizeof(err));
	if (r < 0) {
		/* refused: the grants as they were, nothing made */
		cpualloc_grants_free(&d->st.grants);
		d->st.grants = before;
		alloc_log(LOG_WARNING, "%s: grant refused: enforcing it failed: %s", req->service,
			  err);
		free(res);
		return errorf(d, "Failed to enforce the grant of %s: %s", req->service, err);
	}
	cpualloc_grants_free(&before);
	log_grant(d, req->service, res);
	p.grant = cpualloc_find(&d->st.grants, req->service);
	p.cpus = res->cpus;
	p.preempted = res->preempted;
	p.node = res->node;
	free(res);
	return reply_cores(d, req, &p);
}

static json_object *handle_cpus(struct alloc_daemon *d, const struct alloc_req *req,
				const struct alloc_peer *peer, bool *changed)
{
	bool release = false;

	if (cpuset_empty(&d->pool))
		return alloc_error_reply("No CPUs available", true);
	switch (req->action) {
	case ALLOC_ALLOCATE_CORES:
		release = req->num_of_cores == -1;
		break;
	case ALLOC_ALLOCATE_NUMA_CORES:
		if (node_index(d->topo, req->numa_node) < 0)
			return errorf(d, "NUMA node %lld does not exist",
				      (long long)req->numa_node);
		release = req->num_of_cores == -1;
		break;
	case ALLOC_ALLOCATE_CORES_PERCENT:
		release = req->percent <= 0;
		break;
	default:
		break;
	}
	return release ? do_release(d, req, peer, changed) : do_allocate(d, req, peer, changed);
}

/* --- list_allocations --------------------------------------------------------- */

static json_object *handle_list(const struct alloc_daemon *d)
{
	bool noop = cpuset_empty(&d->pool);
	json_object *arr = json_object_new_array();
	struct reply r;
	struct stats s;

	if (!arr || !rp_init(&r)) {
		json_object_put(arr);
		return NULL;
	}
	stats_of(d, &s);
	rp_int(&r, "total_allocations", noop ? 0 : (int64_t)d->st.grants.n);
	rp_int(&r, "total_allocated_cpus", s.used);
	rp_int(&r, "total_available_cpus", s.total);
	rp_int(&r, "remaining_available_cpus", s.remaining);
	for (size_t i = 0; !noop && i < d->st.grants.n; i++) {
		const struct cpualloc_grant *g = &d->st.grants.v[i];
		json_object *e = json_object_new_object();

		if (!e || json_object_array_add(arr, e) < 0) {
			json_object_put(e);
			r.oom = true;
			break;
		}
		rp_add(&r, e, "service_name", json_object_new_string(g->service));
		rp_list(&r, e, "allocated_cores", &g->cpus);
		rp_add(&r, e, "cores_count", json_object_new_int64(cpuset_count(&g->cpus)));
		rp_add(&r, e, "is_explicit",
		       json_object_new_boolean(!cpuset_empty(&g->explicit_cpus)));
		rp_list(&r, e, "explicit_cores", &g->explicit_cpus);
		rp_list(&r, e, "preempted", &g->lost);
		rp_add(&r, e, "numa_node", json_object_new_int64(node_of(d->topo, &g->cpus)));
		rp_add(&r, e, "pid", json_object_new_int64(g->pid));
		rp_add(&r, e, "uid", json_object_new_int64(g->uid));
		if (g->pid)
			rp_add(&r, e, "enforced",
			       json_object_new_boolean(alloc_enforced(d, g->service)));
	}
	rp_add(&r, r.o, "allocations", arr);
	rp_str(&r, "mode", noop ? "noop" : "active");
	rp_bool(&r, "enforced", d->enforce);
	rp_list(&r, r.o, "pool", &d->pool);
	return rp_done(&r);
}

/* --- hugepages ---------------------------------------------------------------- */

static struct allocstate_hp *hp_find(const struct allocstate *st, const char *service, int64_t node,
				     int64_t size)
{
	for (size_t i = 0; i < st->nhp; i++)
		if (st->hp[i].node_id == node && st->hp[i].size_kb == size &&
		    !strcmp(st->hp[i].service, service))
			return &st->hp[i];
	return NULL;
}

/*
 * EPA's overlay of the pages recorded but not yet in use: free shrinks by
 * what the records hold beyond the pages already used (free never below 0).
 */
static int64_t hp_free(const struct allocstate *st, int64_t node, const struct alloc_hp_size *s)
{
	int64_t tracked = 0, used = s->total > s->free ? s->total - s->free : 0, over;

	for (size_t i = 0; i < st->nhp; i++)
		if (st->hp[i].node_id == node && st->hp[i].size_kb == s->size_kb)
			tracked += st->hp[i].count;
	if (tracked <= 0)
		return s->free;
	over = tracked > used ? tracked - used : 0;
	return s->free > over ? s->free - over : 0;
}

static json_object *memory_error(const struct alloc_daemon *d, int r)
{
	return errorf(d, "Failed to get memory information: %s: %s", path_last(&d->pc),
		      path_read_strerror(r));
}

static json_object *handle_memory_info(struct alloc_daemon *d, const struct alloc_req *req)
{
	struct alloc_hp_node *nodes = NULL;
	json_object *map;
	size_t n = 0;
	struct reply r;
	int ret;

	ret = alloc_read_hugepages(&d->pc, &nodes, &n);
	if (ret < 0)
		return memory_error(d, ret);
	if (!rp_init(&r)) {
		alloc_hugepages_free(nodes, n);
		return NULL;
	}
	rp_str(&r, "service_name", req->service);
	map = json_object_new_object();
	for (size_t i = 0; map && i < n; i++) {
		json_object *node = json_object_new_object(), *cap = json_object_new_array();
		json_object *allocs = json_object_new_object();
		char key[32];

		snprintf(key, sizeof(key), "node%lld", (long long)nodes[i].id);
		rp_add(&r, map, key, node);
		rp_add(&r, node ? node : map, "capacity", cap);
		rp_add(&r, node ? node : map, "allocations", allocs);
		if (!node || !cap || !allocs || !nodes[i].has_dir)
			continue;
		for (size_t k = 0; k < nodes[i].nsizes; k++) {
			const struct alloc_hp_size *s = &nodes[i].sizes[k];
			json_object *e = json_object_new_object();

			if (!e || json_object_array_add(cap, e) < 0) {
				json_object_put(e);
				r.oom = true;
				break;
			}
			rp_add(&r, e, "total", json_object_new_int64(s->total));
			rp_add(&r, e, "free",
			       json_object_new_int64(hp_free(&d->st, nodes[i].id, s)));
			rp_add(&r, e, "size", json_object_new_int64(s->size_kb));
		}
		for (size_t k = 0; k < d->st.nhp; k++) {
			const struct allocstate_hp *h = &d->st.hp[k];
			json_object *svc;
			char size[24];

			if (h->node_id != nodes[i].id)
				continue;
			if (!json_object_object_get_ex(allocs, h->service, &svc)) {
				svc = json_object_new_object();
				rp_add(&r, allocs, h->service, svc);
				if (!svc)
					continue;
			}
			snprintf(size, sizeof(size), "%lld", (long long)h->size_kb);
			rp_add(&r, svc, size, json_object_new_int64(h->count));
		}
	}
	rp_add(&r, r.o, "numa_hugepages", map);
	alloc_hugepages_free(nodes, n);
	return rp_done(&r);
}

static json_object *reply_hugepages(const struct alloc_req *req, const char *message)
{
	struct reply r;

	if (!rp_init(&r))
		return NULL;
	rp_str(&r, "service_name", req->service);
	rp_int(&r, "hugepages_requested", req->hugepages_requested);
	rp_bool(&r, "allocation_successful", true);
	rp_str(&r, "message", message);
	rp_int(&r, "node_id", req->node_id);
	rp_int(&r, "size_kb", req->size_kb);
	return rp_done(&r);
}

static json_object *handle_hugepages(struct alloc_daemon *d, const struct alloc_req *req,
				     const struct alloc_peer *peer, bool *changed)
{
	struct allocstate_hp *h = hp_find(&d->st, req->service, req->node_id, req->size_kb);
	struct alloc_hp_node *nodes = NULL;
	const struct alloc_hp_size *size = NULL;
	int64_t free_, delta;
	size_t n = 0, ni;
	char msg[128];
	int r;

	if (h && peer->uid != 0 && h->uid != peer->uid)
		return errorf(d, "Permission denied: the record of %s was made by uid %u",
			      req->service, h->uid);
	if (req->hugepages_requested == -1) {
		if (!h)
			return reply_hugepages(req, "No existing record to remove");
		memmove(h, h + 1, (size_t)(&d->st.hp[d->st.nhp] - (h + 1)) * sizeof(*h));
		d->st.nhp--;
		*changed = true;
		alloc_log(LOG_INFO, "%s: hugepage record removed (node %lld, %lld kB)",
			  req->service, (long long)req->node_id, (long long)req->size_kb);
		return reply_hugepages(req, "Removed recorded hugepage allocation");
	}
	r = alloc_read_hugepages(&d->pc, &nodes, &n);
	if (r < 0)
		return memory_error(d, r);
	for (ni = 0; ni < n && nodes[ni].id != req->node_id; ni++)
		;
	if (ni == n) {
		alloc_hugepages_free(nodes, n);
		return errorf(d, "NUMA node %lld not found", (long long)req->node_id);
	}
	for (size_t k = 0; k < nodes[ni].nsizes; k++)
		if (nodes[ni].sizes[k].size_kb == req->size_kb)
			size = &nodes[ni].sizes[k];
	if (!size) {
		alloc_hugepages_free(nodes, n);
		return errorf(d, "Hugepage size %lld KB not found on node %lld",
			      (long long)req->size_kb, (long long)req->node_id);
	}
	free_ = hp_free(&d->st, req->node_id, size);
	alloc_hugepages_free(nodes, n);
	delta = req->hugepages_requested - (h ? h->count : 0);
	if (delta > 0 && free_ < delta)
		return errorf(
			d,
			"NUMA node %lld size %lld KB only has %lld free hugepages, requested additional %lld",
			(long long)req->node_id, (long long)req->size_kb, (long long)free_,
			(long long)delta);
	if (!h) {
		if (d->st.nhp == d->st.caphp) {
			size_t cap = d->st.caphp ? d->st.caphp * 2 : 8;
			struct allocstate_hp *v = realloc(d->st.hp, cap * sizeof(*v));

			if (!v)
				return NULL;
			d->st.hp = v;
			d->st.caphp = cap;
		}
		h = &d->st.hp[d->st.nhp++];
		memset(h, 0, sizeof(*h));
		strcpy(h->service, req->service);
		h->node_id = req->node_id;
		h->size_kb = req->size_kb;
	}
	h->count = req->hugepages_requested;
	h->uid = peer->uid;
	*changed = true;
	alloc_log(LOG_INFO, "%s: hugepage record set to %lld (node %lld, %lld kB)", req->service,
		  (long long)h->count, (long long)req->node_id, (long long)req->size_kb);
	snprintf(msg, sizeof(msg), "Successfully set allocation request to %lld hugepages",
		 (long long)req->hugepages_requested);
	return reply_hugepages(req, msg);
}

/* --- dispatch ----------------------------------------------------------------- */

json_object *alloc_handle(struct alloc_daemon *d, const struct alloc_req *req,
			  const struct alloc_peer *peer, bool *changed)
{
	if (alloc_action_writes(req->action) && !peer->privileged) {
		if (d->group)
			return errorf(d, "Permission denied: %s needs root or the group %s",
				      alloc_action_name(req->action), d->group);
		return errorf(d, "Permission denied: %s needs root",
			      alloc_action_name(req->action));
	}
	switch (req->action) {
	case ALLOC_ALLOCATE_CORES:
	case ALLOC_ALLOCATE_NUMA_CORES:
	case ALLOC_ALLOCATE_CORES_PERCENT:
		return handle_cpus(d, req, peer, changed);
	case ALLOC_LIST_ALLOCATIONS:
		return handle_list(d);
	case ALLOC_GET_MEMORY_INFO:
		return handle_memory_info(d, req);
	case ALLOC_ALLOCATE_HUGEPAGES:
		return handle_hugepages(d, req, peer, changed);
	}
	return errorf(d, "Unknown action: %s", alloc_action_name(req->action));
}
