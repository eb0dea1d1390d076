// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-alloc's request parser (alloc/proto.c): the bytes a client sends, as
 * the daemon reads them.
 *
 * The first input byte picks where the bytes are split in two, as two reads
 * of the socket would split them; the rest is the request.
 *
 * Properties:
 *  - the reader fed in two pieces accepts exactly what it accepts fed in
 *    one (a refusal may come a piece later: json-c checks a number when it
 *    ends);
 *  - a refusal has a reason, and no control character in it;
 *  - an accepted request is within the protocol's ranges, its service name
 *    is clean, and the client's encoding of it (alloc_req_to_json) parses
 *    back to the same request.
 */
#include <errno.h>

#include "alloc.h"
#include "fuzz.h"

static enum alloc_read feed_split(const char *buf, size_t len, size_t split, json_object **obj,
				  char *err, size_t errlen)
{
	struct alloc_reader rd;
	enum alloc_read r;

	FUZZ_ASSERT(alloc_reader_init(&rd) == 0);
	r = alloc_reader_feed(&rd, buf, split, obj, err, errlen);
	if (r == ALLOC_READ_MORE)
		r = alloc_reader_feed(&rd, buf + split, len - split, obj, err, errlen);
	else if (r == ALLOC_READ_DONE && split < len) {
		/* complete after the first read: the rest must be whitespace to be accepted whole */
		for (size_t i = split; i < len; i++)
			if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n') {
				json_object_put(*obj);
				*obj = NULL;
				r = ALLOC_READ_BAD;
				break;
			}
	}
	alloc_reader_done(&rd);
	return r;
}

static void check_ranges(const struct alloc_req *q)
{
	FUZZ_ASSERT(!q->service[0] || cpualloc_name_valid(q->service, strlen(q->service)));
	if (alloc_action_writes(q->action))
		FUZZ_ASSERT(q->service[0]);
	switch (q->action) {
	case ALLOC_ALLOCATE_CORES:
		FUZZ_ASSERT(q->num_of_cores >= -1 && q->num_of_cores <= INT32_MAX);
		break;
	case ALLOC_ALLOCATE_NUMA_CORES:
		FUZZ_ASSERT(q->numa_node >= 0 && q->num_of_cores != 0 && q->num_of_cores >= -1);
		break;
	case ALLOC_ALLOCATE_CORES_PERCENT:
		FUZZ_ASSERT(q->percent >= -1 && q->percent <= 100);
		break;
	case ALLOC_ALLOCATE_HUGEPAGES:
		FUZZ_ASSERT(q->hugepages_requested == -1 || q->hugepages_requested > 0);
		FUZZ_ASSERT(q->node_id >= 0 && q->size_kb > 0);
		break;
	case ALLOC_LIST_ALLOCATIONS:
	case ALLOC_GET_MEMORY_INFO:
		break;
	}
	FUZZ_ASSERT(q->numa_node >= -1 && q->pid >= 0);
	if (q->near[0]) {
		char again[ALLOC_PCI_MAX + 1];

		FUZZ_ASSERT(alloc_pci_normalize(q->near, again, sizeof(again)));
		FUZZ_ASSERT(!strcmp(again, q->near));
	}
}

static void check_round_trip(const struct alloc_req *q)
{
	struct alloc_req back;
	json_object *o = alloc_req_to_json(q);
	const char *text;
	char err[256];

	FUZZ_ASSERT(o);
	text = alloc_json_text(o);
	if (alloc_req_parse(text, strlen(text), &back, err, sizeof(err)) != 0) {
		fprintf(stderr, "round trip refused: %s: %s\n", text, err);
		abort();
	}
	FUZZ_ASSERT(q->action == back.action && !strcmp(q->service, back.service));
	FUZZ_ASSERT(q->num_of_cores == back.num_of_cores && q->numa_node == back.numa_node);
	FUZZ_ASSERT(q->percent == back.percent &&
		    q->hugepages_requested == back.hugepages_requested);
	FUZZ_ASSERT(q->node_id == back.node_id && q->size_kb == back.size_kb);
	FUZZ_ASSERT(q->pid == back.pid && !strcmp(q->near, back.near));
	FUZZ_ASSERT(q->whole_cores == back.whole_cores && q->require == back.require);
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data + 1;
	size_t len, split;
	char err1[256] = "", err2[256] = "";
	json_object *o1 = NULL, *o2 = NULL;
	enum alloc_read r1, r2;
	struct alloc_req q;
	int r;

	if (size < 1 || size > ALLOC_REQUEST_MAX + 1)
		return 0;
	len = size - 1;
	split = len ? data[0] % (len + 1) : 0;

	r1 = feed_split(buf, len, len, &o1, err1, sizeof(err1));
	r2 = feed_split(buf, len, split, &o2, err2, sizeof(err2));
	/*
	 * json-c checks a number's text when the number ends: "--" in one piece
	 * is refused at once, "-" then "-" waits for more. Only the moment of a
	 * refusal may differ, never whether an object is accepted.
	 */
	FUZZ_ASSERT(r1 == r2 || (r1 != ALLOC_READ_DONE && r2 != ALLOC_READ_DONE));
	FUZZ_ASSERT((r1 == ALLOC_READ_DONE) == (o1 != NULL));
	json_object_put(o2);
	if (r1 == ALLOC_READ_BAD)
		FUZZ_ASSERT(err1[0]);

	memset(&q, 0, sizeof(q));
	r = alloc_req_parse(buf, len, &q, err1, sizeof(err1));
	FUZZ_ASSERT(r == 0 || r == 1 || r == -EINVAL);
	FUZZ_ASSERT((r == 1) == (r1 == ALLOC_READ_MORE));
	if (r == -EINVAL) {
		FUZZ_ASSERT(err1[0]);
		for (const char *p = err1; *p; p++)
			FUZZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
	}
	if (r == 0) {
		FUZZ_ASSERT(o1);
		check_ranges(&q);
		check_round_trip(&q);
	}
	json_object_put(o1);
	return 0;
}
