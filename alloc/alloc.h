/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isol-alloc: hands the isolated CPUs to the services that need them over a
 * Unix socket, speaking Canonical's EPA orchestrator protocol 1.0 (so its
 * clients work unchanged) plus optional fields they ignore.
 *
 *   proto.c    the wire: one request object parsed and checked, the client's
 *              request built (no I/O; fuzzed by tests/fuzz/fuzz_allocreq.c)
 *   engine.c   one request against the daemon's state: EPA's actions, the
 *              placement of lib/cpualloc, authorisation, the replies
 *   system.c   what the daemon reads of the machine below --root: the
 *              topology, hugepages, PCI locality, processes (the pool is
 *              lib/isolation's isolation_pool())
 *   state.c    the state file (JSON, atomic, durable before a reply) and the
 *              reconciliation on start
 *   server.c   the event loop: socket activation, peer credentials, timeouts,
 *              concurrent connections, group commit
 *   client.c   request / release / list
 *   log.c      the journal when systemd runs us, stderr otherwise
 */
#ifndef QC_ALLOC_H
#define QC_ALLOC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <json-c/json.h>

#include "allocstate.h"
#include "cgroup.h"
#include "cpualloc.h"
#include "cpuset.h"
#include "ops.h"
#include "path.h"
#include "topology.h"

#define PROG "isol-alloc"

#define ALLOC_API_VERSION "1.0"
#define ALLOC_REQUEST_MAX (64U * 1024) /* bytes of one request */
#define ALLOC_SOCKET_DIR "/run/quietcore"
#define ALLOC_SOCKET_PATH ALLOC_SOCKET_DIR "/alloc.sock"
#define ALLOC_STATE_PATH ALLOCSTATE_PATH
#define ALLOC_TIMEOUT_MS 5000 /* a client's whole request, and its reply */
#define ALLOC_PCI_MAX 16      /* "0000:3b:00.0" */

/* --- proto.c: the wire ----------------------------------------------------- */

enum alloc_action {
	ALLOC_ALLOCATE_CORES,
	ALLOC_ALLOCATE_NUMA_CORES,
	ALLOC_ALLOCATE_CORES_PERCENT,
	ALLOC_LIST_ALLOCATIONS,
	ALLOC_GET_MEMORY_INFO,
	ALLOC_ALLOCATE_HUGEPAGES,
};

/* One request, checked: every value in its range, every name clean. */
struct alloc_req {
	enum alloc_action action;
	char service[CPUALLOC_NAME_MAX + 1]; /* "" when absent (list, memory info) */
	int64_t num_of_cores;		     /* allocate_cores (default 0), numa */
	int64_t numa_node;		     /* -1: absent or null */
	int64_t percent;		     /* allocate_cores_percent */
	int64_t hugepages_requested;	     /* allocate_hugepages: > 0 or -1 */
	int64_t node_id;		     /* allocate_hugepages */
	int64_t size_kb;		     /* allocate_hugepages */
	/* extensions, ignored by EPA's clients */
	int32_t pid;		      /* 0: absent */
	char near[ALLOC_PCI_MAX + 1]; /* a PCI address, "" absent */
	bool whole_cores;	      /* sizes count whole cores */
	bool require;		      /* the client refuses no-op mode */
};

const char *alloc_action_name(enum alloc_action a);
/* Does the action change grants or records (and so need privilege)? */
bool alloc_action_writes(enum alloc_action a);

/*
 * Check a parsed request object into *ret. 0, or -EINVAL with the reason
 * (EPA's text where EPA has one) in err.
 */
int alloc_req_from_json(json_object *obj, struct alloc_req *ret, char *err, size_t errlen);

/*
 * The incremental reader of one request: feed it bytes as they arrive; it
 * says when one complete object has come (no delimiter needed; whitespace
 * after it is allowed), or why the bytes can never be one. What it accepts
 * does not depend on how the bytes were split: json-c's incremental
 * tokener says when the object is complete, a parse of the whole text in
 * one piece decides (json-c 0.16 takes "4" then "-8}" for 4, and refuses a
 * UTF-8 sequence split between two pieces).
 */
struct alloc_reader {
	struct json_tokener *tok;
	size_t total; /* bytes received so far */
	char *buf;    /* of them, those given to the tokener */
	size_t fed;
	size_t cap;
	char held[4]; /* an incomplete UTF-8 sequence at the end of the last piece */
	size_t nheld;
};

enum alloc_read {
	ALLOC_READ_MORE, /* incomplete: wait for more */
	ALLOC_READ_DONE, /* *ret_obj is the object (the caller puts it) */
	ALLOC_READ_BAD,	 /* malformed, too large, not an object: err says why */
};

int alloc_reader_init(struct alloc_reader *r);
void alloc_reader_done(struct alloc_reader *r);
enum alloc_read alloc_reader_feed(struct alloc_reader *r, const char *buf, size_t len,
				  json_object **ret_obj, char *err, size_t errlen);

/*
 * A whole request from bytes (what the fuzzer drives): the reader, then the
 * checks. 0, or -EINVAL with err; 1 when the bytes are an incomplete object.
 */
int alloc_req_parse(const char *buf, size_t len, struct alloc_req *ret, char *err, size_t errlen);

/* The request as the client sends it (compact JSON; EPA's fields first). NULL: ENOMEM. */
json_object *alloc_req_to_json(const struct alloc_req *req);
void alloc_req_init(struct alloc_req *req, enum alloc_action action);

/* "0000:3b:00.0" or "3b:00.0" (domain 0) into the long form; false if neither. */
bool alloc_pci_normalize(const char *s, char *buf, size_t len);

/* A compact JSON text of obj (json-c's buffer, valid until obj is put). */
const char *alloc_json_text(json_object *obj);

/* --- log.c ----------------------------------------------------------------- */

extern bool alloc_log_quiet;
/* syslog priorities (LOG_ERR, LOG_WARNING, LOG_INFO); the journal when systemd runs us. */
void alloc_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --- system.c: the machine below --root ------------------------------------ */

struct alloc_hp_size {
	int64_t size_kb;
	int64_t total; /* nr_hugepages */
	int64_t free;  /* free_hugepages */
};

struct alloc_hp_node {
	int64_t id;
	bool has_dir; /* nodeN/hugepages exists */
	struct alloc_hp_size *sizes;
	size_t nsizes;
};

/* The hugepages of every node/nodeN (ascending id). 0 or -errno. */
int alloc_read_hugepages(struct path_cxt *pc, struct alloc_hp_node **ret, size_t *ret_n);
void alloc_hugepages_free(struct alloc_hp_node *v, size_t n);
/*
 * A PCI device's locality: its local_cpulist (else the CPUs of its numa_node)
 * into *ret_cpus, its numa_node (-1 unknown) into *ret_node. -ENOENT no such
 * device; 0 with an empty set when the kernel knows no locality.
 */
int alloc_read_pci(struct path_cxt *pc, const struct topology *topo, const char *addr,
		   cpuset_t *ret_cpus, int *ret_node);
/* A process's start time and owner (/proc/PID). -ESRCH gone, other -errno unreadable. */
int alloc_read_process(struct path_cxt *pc, pid_t pid, uint64_t *ret_starttime, uid_t *ret_uid);

/* --- engine.c: the daemon's state and one request against it ---------------- */

struct alloc_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool privileged; /* root, or in the configured group */
};

struct alloc_daemon {
	struct path_cxt pc;
	struct topology *topo;
	cpuset_t online_file; /* cpu/online as last read (the topology may drop CPUs of it) */
	bool online_known;
	cpuset_t pool;
	char boot_id[64]; /* "" unknown */
	struct allocstate st;
	const char *state_path; /* absolute, below the root */
	const char *group;	/* --group NAME, NULL: root only */
	gid_t gid;
	bool no_preempt;
	/* --cgroup (enforce.c) */
	struct qc_ops ops; /* real on the real root, recording below --root */
	bool ops_ready;
	bool enforce; /* --cgroup, and cgroup v2 with cpuset: enforced */
	bool systemd; /* /run/systemd/system below the root */
	struct cgroup_fs fs;
	/*
	 * The state file has two writers: the committer thread (server.c)
	 * and alloc_state_save on the loop (enforce.c: a cgroup's record is
	 * durable before the cgroup is made, while a batch's write may be in
	 * flight). Each text is numbered when the loop makes it; the file only
	 * moves forward: a text older than the one written last is not written,
	 * because the newer one, made later from the same state, holds it.
	 */
	pthread_mutex_t write_lock;
	uint64_t text_seq;    /* the number of the last text made (the loop's) */
	uint64_t written_seq; /* of the last text written (under write_lock) */
};

/*
 * Answer one request. *changed is set when the state changed (the caller
 * writes it before sending the reply). Never NULL but on ENOMEM.
 */
json_object *alloc_handle(struct alloc_daemon *d, const struct alloc_req *req,
			  const struct alloc_peer *peer, bool *changed);
/* An error reply: {"version":"1.0","error":TEXT} (+ "mode":"noop" when noop). */
json_object *alloc_error_reply(const char *text, bool noop);

/*
 * Read the pool again (and the topology when the online CPUs changed); CPUs
 * that left the pool leave the grants, logged. *changed as above. 0 or -errno
 * (path_last names the file; the old pool is kept).
 */
int alloc_refresh(struct alloc_daemon *d, bool *changed);
/* "pool changed: WAS -> NOW[: no-op mode]SINCE", logged */
void alloc_log_pool_change(const cpuset_t *was, const cpuset_t *now, const char *since);

/* --- state.c --------------------------------------------------------------- */

/*
 * Load d->state_path (absent: empty; lib/allocstate parses it), or write it
 * atomically. 0 or -errno (-EBADMSG, -EMEDIUMTYPE: err says why).
 */
int alloc_state_load(struct alloc_daemon *d, char *err, size_t errlen);
int alloc_state_save(struct alloc_daemon *d);
/*
 * alloc_state_save in two steps, so that the write can run off the event
 * loop: the text of the state (NULL: ENOMEM; the caller frees it), then its
 * atomic write to state_path below pc (a path_cxt of the writing thread's
 * own: path_last() is per context), which touches nothing of the daemon.
 */
char *alloc_state_text(const struct alloc_daemon *d);
int alloc_state_write(struct path_cxt *pc, const char *state_path, const char *text);
/*
 * alloc_state_write of the text numbered seq (++d->text_seq when it was
 * made), serialised with the other writer; a text older than the last one
 * written is skipped (0). Any thread.
 */
int alloc_state_write_seq(struct alloc_daemon *d, struct path_cxt *pc, const char *text,
			  uint64_t seq);
/* On start: grants of processes gone (pid + start time, a new boot) and CPUs left the pool. */
void alloc_reconcile(struct alloc_daemon *d, bool *changed);

/* --- enforce.c: --cgroup -------------------------------------------------- */

/* The ops, and with want the probe: cgroup v2 without cpuset is logged once, not enforced. */
int alloc_enforce_init(struct alloc_daemon *d, bool want);
void alloc_enforce_done(struct alloc_daemon *d);
/* Undo the cgroups of grants gone, or whose CPUs or pid changed. *changed when one was. */
void alloc_enforce_sync(struct alloc_daemon *d, bool *changed);
/*
 * service's grant (with a pid) into a cgroup of its own, recorded and saved
 * first. 0 (also: not enforcing, no pid), or -errno with err naming the file
 * or unit and the reason; nothing is left made then.
 */
int alloc_enforce_grant(struct alloc_daemon *d, const char *service, bool *changed, char *err,
			size_t errlen);
/* Has service's grant a cgroup of its own? */
bool alloc_enforced(const struct alloc_daemon *d, const char *service);

/* --- server.c -------------------------------------------------------------- */

struct alloc_serve_opts {
	const char *socket_path; /* as given, or below the root */
	mode_t socket_mode;
	int timeout_ms;
};

/* Run the daemon until SIGTERM/SIGINT. Returns the exit status. */
int alloc_serve(struct alloc_daemon *d, const struct alloc_serve_opts *o);

/* --- client.c -------------------------------------------------------------- */

/*
 * One round trip: connect, send req, read the reply until the daemon
 * closes. 0 with *ret_reply, or -errno (err says what failed).
 */
int alloc_call(const char *socket_path, const struct alloc_req *req, int timeout_ms,
	       json_object **ret_reply, char *err, size_t errlen);
/* sun_path cannot hold long paths: connect/bind through /proc/self/fd of the directory. */
int alloc_sockaddr(const char *path, struct sockaddr_un *sa, socklen_t *ret_len, int *ret_dirfd);

#endif
