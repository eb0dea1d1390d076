// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-alloc: the daemon's event loop.
 *
 * One epoll loop: every connection is non-blocking, read as it comes and fed
 * to the incremental reader, so a request is answered as soon as its object
 * is complete (EPA's clients send, then wait without closing their side), and
 * a client that says nothing is cut off at its deadline without holding up
 * anyone else.
 *
 * Group commit: the requests completed since the last pass are answered in
 * arrival order against the state in memory (one batch), the state is
 * written once (atomically, fsync'ed), and only then are the replies sent. If
 * the write fails, the batch is undone: every request of it that changed
 * something is refused, and the others are answered again from the restored
 * state. The write runs in a second thread, the committer, which does nothing
 * else: while it waits for the disk, the loop goes on accepting and reading
 * the next requests, which form the next batch when the write is done (one
 * batch in flight at a time, so the next is always answered from a state that
 * is on disk or being undone). Only the loop touches the state and the
 * connections; the committer gets the text to write and gives back a result.
 *
 * The socket comes from systemd (sd_listen_fds) or is made here; the peer's
 * credentials (SO_PEERCRED, SO_PEERGROUPS) decide what it may do.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "alloc.h"

#define MAX_CONNS 1024
#define READ_CHUNK 16384

enum conn_state {
	CONN_READING,
	CONN_PENDING, /* a whole request, answered in the next batch (out of epoll until then) */
	CONN_WRITING,
};

struct conn {
	int fd;
	enum conn_state state;
	struct alloc_reader rd;
	struct alloc_req req;
	struct alloc_peer peer;
	int64_t deadline; /* ms, CLOCK_MONOTONIC */
	json_object *reply;
	bool changed;
	bool in_epoll; /* registered in the loop's epoll */
	char *out;
	size_t outlen, outoff;
	struct conn *prev, *next; /* all connections */
	struct conn *pending;	  /* the queue of requests, or of the batch */
};

/* Requests answered together, their replies held until one write of the state is done. */
struct batch {
	struct conn *head, **tail;
	struct allocstate undo; /* the state before the batch */
	bool have_undo;
	bool changed; /* the state needs writing */
};

/* The committer: one state write at a time, off the event loop. */
struct committer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int efd;      /* eventfd: a write is done */
	char *text;   /* the state to write; NULL: nothing to do */
	uint64_t seq; /* its number (alloc_state_write_seq) */
	int result;   /* of the last write */
	/*
	 * Its own copy of the daemon's path context: the loop reads files
	 * through d->pc meanwhile, and path_last() lives in the context.
	 */
	struct path_cxt pc;
	bool done, stop, started;
};

struct server {
	struct alloc_daemon *d;
	const struct alloc_serve_opts *o;
	int ep, lfd, sfd;
	bool own_socket; /* made here: removed at exit */
	struct conn *conns;
	size_t nconns;
	struct conn *pending_head, **pending_tail; /* read, not answered yet */
	struct batch writing;			   /* its state on its way to the disk */
	struct batch next;			   /* answered meanwhile, written next */
	bool in_flight;				   /* writing is being written */
	struct committer cm;
	unsigned long served;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_close(struct server *s, struct conn *c)
{
	close(c->fd);
	alloc_reader_done(&c->rd);
	json_object_put(c->reply);
	free(c->out);
	if (s->conns == c)
		s->conns = c->next;
	else if (c->prev)
		c->prev->next = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	free(c);
}

/* Send what is left of the reply; close when done (or when the peer is gone). */
static void conn_write(struct server *s, struct conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

			/* a request answered from its first read, or out while it waited */
			if (epoll_ctl(s->ep, c->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd,
				      &ev) == 0)
				c->in_epoll = true;
			return;
		}
		if (n <= 0)
			break; /* EPIPE, ECONNRESET: the client left; nothing to tell it */
		c->outoff += (size_t)n;
	}
	conn_close(s, c);
}

/* Start sending reply (taken over); one compact object, no newline, then close. */
static void conn_reply(struct server *s, struct conn *c, json_object *reply)
{
	const char *text = reply ? alloc_json_text(reply) : NULL;

	c->out = text ? strdup(text) : NULL;
	json_object_put(reply);
	if (!c->out) {
		alloc_log(LOG_ERR, "out of memory answering a request");
		conn_close(s, c);
		return;
	}
	c->outlen = strlen(c->out);
	c->outoff = 0;
	c->state = CONN_WRITING;
	c->deadline = now_ms() + s->o->timeout_ms;
	conn_write(s, c);
}

static void conn_error(struct server *s, struct conn *c, const char *text)
{
	conn_reply(s, c, alloc_error_reply(text, cpuset_empty(&s->d->pool)));
}

/*
 * Read what has come; a whole request joins the queue. True when the
 * connection waits for more (reading), false when it is queued, answered
 * (an error) or closed: then c may be gone.
 */
static bool conn_read(struct server *s, struct conn *c)
{
	char buf[READ_CHUNK], err[256];

	for (;;) {
		json_object *obj = NULL;
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n < 0) {
			conn_close(s, c); /* reset by the peer */
			return false;
		}
		if (n == 0) {
			if (c->rd.total == 0)
				conn_close(s, c); /* connected and left: nothing to answer */
			else
				conn_error(
					s, c,
					"Incomplete JSON request: the connection ended inside the object");
			return false;
		}
		switch (alloc_reader_feed(&c->rd, buf, (size_t)n, &obj, err, sizeof(err))) {
		case ALLOC_READ_MORE:
			continue;
		case ALLOC_READ_BAD:
			conn_error(s, c, err);
			return false;
		case ALLOC_READ_DONE:
			break;
		}
		if (alloc_req_from_json(obj, &c->req, err, sizeof(err)) < 0) {
			json_object_put(obj);
			conn_error(s, c, err);
			return false;
		}
		json_object_put(obj);
		/*
		 * Out of epoll until its reply: a client that hangs up or sends
		 * a newline meanwhile would wake the loop for nothing, again and
		 * again while a write is on its way to the disk.
		 */
		if (c->in_epoll && epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL) == 0)
			c->in_epoll = false;
		c->state = CONN_PENDING;
		c->pending = NULL;
		*s->pending_tail = c;
		s->pending_tail = &c->pending;
		return false;
	}
}

static bool in_group(int fd, gid_t gid, gid_t primary)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);

	if (primary == gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false; /* too many groups or an old kernel: the primary group only */
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static void accept_all(struct server *s)
{
	for (;;) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct epoll_event ev = { .events = EPOLLIN };
		struct conn *c;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				alloc_log(LOG_WARNING, "accept: %s", strerror(errno));
			return;
		}
		if (s->nconns >= MAX_CONNS) {
			static const char busy[] =
				"{\"version\":\"1.0\",\"error\":\"Too many connections: try again\"}";

			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				alloc_log(LOG_DEBUG, "too many connections, and the client left");
			close(fd);
			continue;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c || alloc_reader_init(&c->rd) < 0) {
			free(c);
			close(fd);
			alloc_log(LOG_ERR, "out of memory accepting a connection");
			continue;
		}
		c->fd = fd;
		c->peer.pid = cred.pid;
		c->peer.uid = cred.uid;
		c->peer.gid = cred.gid;
		c->peer.privileged = cred.uid == 0 ||
				     (s->d->group && in_group(fd, s->d->gid, cred.gid));
		c->deadline = now_ms() + s->o->timeout_ms;
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->nconns++;
		/*
		 * EPA's clients send right after connecting: read at once, and
		 * into epoll only when the request is not whole yet (most are:
		 * two epoll_ctl calls saved)
		 */
		if (!conn_read(s, c))
			continue;
		ev.data.ptr = c;
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			conn_close(s, c);
			continue;
		}
		c->in_epoll = true;
	}
}

/* --- the committer ----------------------------------------------------------------- */

static void *committer_main(void *arg)
{
	struct server *s = arg;
	struct committer *cm = &s->cm;

	pthread_mutex_lock(&cm->lock);
	for (;;) {
		uint64_t seq;
		char *text;
		int r;

		while (!cm->text && !cm->stop)
			pthread_cond_wait(&cm->cond, &cm->lock);
		if (!cm->text)
			break;
		text = cm->text;
		seq = cm->seq;
		pthread_mutex_unlock(&cm->lock);
		r = alloc_state_write_seq(s->d, &cm->pc, text, seq);
		pthread_mutex_lock(&cm->lock);
		free(text);
		cm->text = NULL;
		cm->result = r;
		cm->done = true;
		if (eventfd_write(cm->efd, 1) < 0)
			alloc_log(LOG_ERR, "the committer cannot wake the loop: %s",
				  strerror(errno));
	}
	pthread_mutex_unlock(&cm->lock);
	return NULL;
}

static int committer_start(struct server *s)
{
	struct committer *cm = &s->cm;
	int r;

	cm->pc = s->d->pc;
	cm->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (cm->efd < 0)
		return -errno;
	pthread_mutex_init(&cm->lock, NULL);
	pthread_cond_init(&cm->cond, NULL);
	r = pthread_create(&cm->thread, NULL, committer_main, s);
	if (r)
		return -r;
	cm->started = true;
	return 0;
}

static void committer_stop(struct server *s)
{
	struct committer *cm = &s->cm;

	if (!cm->started)
		return;
	pthread_mutex_lock(&cm->lock);
	cm->stop = true;
	pthread_cond_signal(&cm->cond);
	pthread_mutex_unlock(&cm->lock);
	pthread_join(cm->thread, NULL);
	pthread_cond_destroy(&cm->cond);
	pthread_mutex_destroy(&cm->lock);
	cm->started = false;
}

/* Hand text (taken over) to the committer. */
static void committer_submit(struct server *s, char *text)
{
	pthread_mutex_lock(&s->cm.lock);
	s->cm.text = text;
	s->cm.seq = ++s->d->text_seq;
	s->cm.done = false;
	pthread_cond_signal(&s->cm.cond);
	pthread_mutex_unlock(&s->cm.lock);
}

/* The result of the write in flight, once it is done: 1 not yet, else 0 or -errno. */
static int committer_poll(struct server *s, bool wait)
{
	eventfd_t v;
	int r = 1;

	if (wait) {
		struct pollfd p = { .fd = s->cm.efd, .events = POLLIN };

		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
	}
	if (eventfd_read(s->cm.efd, &v) < 0)
		return 1;
	pthread_mutex_lock(&s->cm.lock);
	if (s->cm.done) {
		s->cm.done = false;
		r = s->cm.result;
	}
	pthread_mutex_unlock(&s->cm.lock);
	return r;
}

/* --- a batch: answered, written once, then replied -------------------------------- */

static void batch_reset(struct batch *b)
{
	allocstate_free(&b->undo);
	memset(b, 0, sizeof(*b));
	b->tail = &b->head;
}

/*
 * Answer the requests waiting against the state in memory, into the batch
 * s->next (made here, with a copy of the state before it for an undo). Runs
 * while the batch before is on its way to the disk: the replies wait for
 * their own batch's write.
 */
static void batch_answer(struct server *s)
{
	struct alloc_daemon *d = s->d;
	struct batch *b = &s->next;
	struct conn *c;
	int r;

	if (!s->pending_head)
		return;
	/*
	 * A new batch: the state before it, and the pool read again (once a
	 * batch: the requests joining it while a write is in flight are
	 * answered from the pool read when it began, at most one write ago)
	 */
	if (!b->head) {
		b->have_undo = allocstate_copy(&b->undo, &d->st) == 0;
		r = alloc_refresh(d, &b->changed);
		if (r < 0)
			alloc_log(LOG_WARNING, "the pool: %s: %s, the last one kept",
				  path_last(&d->pc), path_read_strerror(r));
	}
	for (c = s->pending_head; c; c = c->pending) {
		if (alloc_action_writes(c->req.action) && !b->have_undo) {
			c->reply = alloc_error_reply("Out of memory: try again", false);
			continue;
		}
		c->changed = false;
		c->reply = alloc_handle(d, &c->req, &c->peer, &c->changed);
		b->changed |= c->changed;
	}
	*b->tail = s->pending_head;
	b->tail = s->pending_tail;
	s->pending_head = NULL;
	s->pending_tail = &s->pending_head;
}

/*
 * The batch s->writing is on disk (r == 0) or could not be written: send its
 * replies. On a failed write the state goes back to what it was before the
 * batch; the batch after it, answered from the state that failed, goes back
 * to the queue to be answered again.
 */
static void batch_finish(struct server *s, int r)
{
	struct alloc_daemon *d = s->d;
	struct batch *b = &s->writing;
	struct conn *c;

	if (r < 0) {
		char text[PATH_MAX + 128];

		/* the committer's context names the file (its write is done) */
		snprintf(text, sizeof(text), "Could not save the state: %s: %s",
			 path_last(&s->cm.pc), path_strerror(r));
		alloc_log(LOG_ERR, "%s; the requests are refused", text);
		if (b->have_undo) {
			allocstate_free(&d->st);
			d->st = b->undo;
			memset(&b->undo, 0, sizeof(b->undo));
		}
		if (s->next.head) {
			for (c = s->next.head; c; c = c->pending) {
				json_object_put(c->reply);
				c->reply = NULL;
			}
			*s->next.tail = s->pending_head;
			if (!s->pending_head)
				s->pending_tail = s->next.tail;
			s->pending_head = s->next.head;
			batch_reset(&s->next);
		}
		for (c = b->head; c; c = c->pending) {
			bool dummy = false;

			json_object_put(c->reply);
			if (alloc_action_writes(c->req.action))
				c->reply = alloc_error_reply(text, cpuset_empty(&d->pool));
			else
				c->reply = alloc_handle(d, &c->req, &c->peer, &dummy);
		}
	}
	while ((c = b->head)) {
		json_object *reply = c->reply;

		b->head = c->pending;
		c->reply = NULL;
		s->served++;
		conn_reply(s, c, reply);
	}
	batch_reset(b);
	s->in_flight = false;
}

/*
 * When no write is in flight: the batch answered becomes the one written
 * (its state to the committer), or, when it changed nothing, is replied to
 * at once.
 */
static void batch_submit(struct server *s)
{
	char *text;

	while (!s->in_flight && s->next.head) {
		s->writing = s->next; /* with its undo: next is cleared, not freed */
		memset(&s->next, 0, sizeof(s->next));
		batch_reset(&s->next);
		s->in_flight = true;
		if (!s->writing.changed) {
			batch_finish(s, 0);
			continue;
		}
		text = alloc_state_text(s->d);
		if (!text) {
			batch_finish(s, -ENOMEM);
			continue;
		}
		committer_submit(s, text);
	}
}

static int next_timeout(struct server *s)
{
	int64_t t = now_ms(), first = -1;

	for (struct conn *c = s->conns; c; c = c->next)
		if (c->state != CONN_PENDING && (first < 0 || c->deadline < first))
			first = c->deadline;
	if (first < 0)
		return -1;
	return first <= t ? 0 : (int)(first - t);
}

static void expire(struct server *s)
{
	int64_t t = now_ms();
	struct conn *c = s->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->deadline > t)
			continue;
		if (c->state == CONN_READING) {
			c->deadline = t + s->o->timeout_ms;
			conn_error(s, c, "Timed out waiting for a complete request");
		} else if (c->state == CONN_WRITING) {
			conn_close(s, c);
		}
	}
}

/* --- the listening socket --------------------------------------------------------- */

int alloc_sockaddr(const char *path, struct sockaddr_un *sa, socklen_t *ret_len, int *ret_dirfd)
{
	const char *slash = strrchr(path, '/');
	size_t n = strlen(path);
	int dfd;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	*ret_dirfd = -1;
	if (n < sizeof(sa->sun_path)) {
		memcpy(sa->sun_path, path, n + 1);
		*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
		return 0;
	}
	/* too long for sun_path: through the directory's file descriptor */
	if (!slash || !slash[1])
		return -ENAMETOOLONG;
	{
		char dir[PATH_MAX];

		if ((size_t)(slash - path) >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		dfd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return -errno;
	}
	n = (size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dfd,
			     slash + 1);
	if (n >= sizeof(sa->sun_path)) {
		close(dfd);
		return -ENAMETOOLONG;
	}
	*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	*ret_dirfd = dfd;
	return 0;
}

static int mkdir_parents(const char *path)
{
	char dir[PATH_MAX];

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* Is something listening at path? 1 yes, 0 a stale socket, -errno. */
static int someone_listens(const char *path)
{
	struct sockaddr_un sa;
	socklen_t len;
	int dfd, fd, r;

	r = alloc_sockaddr(path, &sa, &len, &dfd);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
	} else {
		r = connect(fd, (struct sockaddr *)&sa, len) == 0 ? 1 :
		    errno == ECONNREFUSED			  ? 0 :
								    -errno;
		close(fd);
	}
	if (dfd >= 0)
		close(dfd);
	return r;
}

static int make_socket(struct server *s, char *err, size_t errlen)
{
	const char *path = s->o->socket_path;
	struct sockaddr_un sa;
	struct stat st;
	socklen_t len = 0;
	mode_t old;
	int fd, dfd, r;

	r = mkdir_parents(path);
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot make its directory: %s", path, strerror(-r));
		return r;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s: exists and is not a socket", path);
			return -EEXIST;
		}
		r = someone_listens(path);
		if (r != 0) {
			snprintf(err, errlen, "%s: %s", path,
				 r > 0 ? "another isol-alloc is listening there" : strerror(-r));
			return r > 0 ? -EADDRINUSE : r;
		}
		unlink(path); /* stale: its daemon is gone */
	}
	r = alloc_sockaddr(path, &sa, &len, &dfd);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	old = umask(0177); /* never wider than 0600 until chmod below */
	r = fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0 ? -errno : 0;
	umask(old);
	if (r == 0 && chmod(path, s->o->socket_mode) < 0)
		r = -errno;
	if (r == 0 && s->d->group && chown(path, (uid_t)-1, s->d->gid) < 0)
		r = -errno;
	if (r == 0 && listen(fd, SOMAXCONN) < 0)
		r = -errno;
	if (dfd >= 0)
		close(dfd);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	s->own_socket = true;
	return fd;
}

static int listen_fd(struct server *s, char *err, size_t errlen)
{
	int n = sd_listen_fds(1), fd = SD_LISTEN_FDS_START;

	if (n < 0) {
		snprintf(err, errlen, "sd_listen_fds: %s", strerror(-n));
		return n;
	}
	if (n == 0)
		return make_socket(s, err, errlen);
	if (n != 1 || sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
		snprintf(err, errlen,
			 "systemd passed %d sockets: one listening Unix stream socket expected", n);
		return -EINVAL;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "the activated socket: %s", strerror(errno));
		return -errno;
	}
	alloc_log(LOG_INFO, "listening on the socket systemd passed");
	return fd;
}

static int setup(struct server *s, char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	s->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->sfd < 0 || s->ep < 0) {
		snprintf(err, errlen, "signalfd/epoll: %s", strerror(errno));
		return -errno;
	}
	s->lfd = listen_fd(s, err, errlen);
	if (s->lfd < 0)
		return s->lfd;
	ev.data.ptr = &s->lfd;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev) < 0)
		return -errno;
	ev.data.ptr = &s->sfd;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->sfd, &ev) < 0)
		return -errno;
	if (committer_start(s) < 0) {
		snprintf(err, errlen, "the committer thread: %s", strerror(errno));
		return -errno;
	}
	ev.data.ptr = &s->cm.efd;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->cm.efd, &ev) < 0)
		return -errno;
	return 0;
}

int alloc_serve(struct alloc_daemon *d, const struct alloc_serve_opts *o)
{
	struct server s = { .d = d, .o = o, .ep = -1, .lfd = -1, .sfd = -1, .cm.efd = -1 };
	struct epoll_event evs[64];
	char err[PATH_MAX + 128] = "";
	bool stop = false;
	char *pool;

	s.pending_tail = &s.pending_head;
	batch_reset(&s.writing);
	batch_reset(&s.next);
	if (setup(&s, err, sizeof(err)) < 0) {
		alloc_log(LOG_ERR, "%s", err[0] ? err : strerror(errno));
		committer_stop(&s);
		return 1;
	}
	pool = cpuset_to_list(&d->pool);
	alloc_log(LOG_INFO, "serving %zu grants; pool %s (%u CPUs)%s", d->st.grants.n,
		  pool && *pool ? pool : "empty", cpuset_count(&d->pool),
		  cpuset_empty(&d->pool) ?
			  ": no-op mode, allocations answer \"No CPUs available\"" :
			  "");
	sd_notifyf(0, "READY=1\nSTATUS=%zu grants, pool %s", d->st.grants.n,
		   pool && *pool ? pool : "empty (no-op mode)");
	free(pool);

	while (!stop) {
		int n = epoll_wait(s.ep, evs, 64, next_timeout(&s));
		bool written = false;

		if (n < 0 && errno != EINTR) {
			alloc_log(LOG_ERR, "epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (evs[i].data.ptr == &s.lfd) {
				accept_all(&s);
			} else if (evs[i].data.ptr == &s.sfd) {
				struct signalfd_siginfo si;

				if (read(s.sfd, &si, sizeof(si)) == sizeof(si))
					alloc_log(LOG_INFO, "signal %u: stopping", si.ssi_signo);
				stop = true;
			} else if (evs[i].data.ptr == &s.cm.efd) {
				written = true;
			} else if (c->state == CONN_READING) {
				conn_read(&s, c);
			} else if (c->state == CONN_WRITING) {
				conn_write(&s, c);
			}
		}
		if (written && s.in_flight) {
			int r = committer_poll(&s, false);

			if (r <= 0)
				batch_finish(&s, r);
		}
		batch_answer(&s);
		batch_submit(&s);
		expire(&s);
	}
	sd_notify(0, "STOPPING=1");
	/* the batches answered are written and replied to: their state will be there */
	while (s.in_flight) {
		batch_finish(&s, committer_poll(&s, true));
		batch_submit(&s);
	}
	batch_reset(&s.next);
	committer_stop(&s);
	while (s.conns)
		conn_close(&s, s.conns);
	if (s.own_socket)
		unlink(o->socket_path);
	close(s.lfd);
	close(s.sfd);
	close(s.cm.efd);
	close(s.ep);
	return 0;
}
