// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/allocstate: isol-alloc's state file as isol-alloc and isol-verify read
 * it. Valid files, every way one is refused (with the text the programs
 * print), the round trip through allocstate_format(), and allocstate_read()
 * on a fake root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "allocstate.h"
#include "table.h"
#include "tmproot.h"

static char root[64];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_allocstate.XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmproot_remove(root);
}

#define HEAD \
	"{\"format\":\"quietcore-isol-alloc\",\"version\":1,\"boot_id\":\"b1\",\"pool\":\"2-7\","
#define GRANT(svc, cpus, expl, pid)                                                               \
	"{\"service\":\"" svc "\",\"cpus\":\"" cpus "\",\"explicit\":\"" expl "\",\"lost\":\"\"," \
	"\"uid\":0,\"pid\":" pid ",\"starttime\":77}"
#define GRANTS(g) HEAD "\"grants\":[" g "],\"hugepages\":[]}"
#define NOVA GRANT("nova", "2-3", "", "0")
#define DPDK GRANT("dpdk", "4,6", "6", "42")
#define NOVA_EXPL GRANT("nova", "2-3", "3", "9")
#define A_1_2 GRANT("a", "1-2", "", "0")
#define A_3 GRANT("a", "3", "", "0")
#define B_2_3 GRANT("b", "2-3", "", "0")
#define FOREIGN "not an isol-alloc state file (no \"format\":\"quietcore-isol-alloc\")"
#define HP "{\"service\":\"dpdk\",\"node_id\":0,\"size_kb\":2048,\"count\":4,\"uid\":0}"

/* "service:cpus:pid,..." of the grants */
static void grants_str(const struct allocstate *st, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < st->grants.n && o < len; i++) {
		char cpus[64];

		cpuset_format_list(&st->grants.v[i].cpus, cpus, sizeof(cpus));
		o += (size_t)snprintf(buf + o, len - o, "%s%s:%s:%d", i ? "," : "",
				      st->grants.v[i].service, cpus, st->grants.v[i].pid);
	}
}

#define CG(svc, dir, scope, slice)                                                                       \
	"{\"service\":\"" svc                                                                            \
	"\",\"mount\":\"unified\",\"pid\":42,\"cpus\":\"2-3\",\"from\":\"/system.slice\",\"dir\":\"" dir \
	"\",\"slice\":\"" slice "\",\"scope\":\"" scope "\",\"enabled_cpuset\":true}"
#define CGROUPS(x) HEAD "\"grants\":[],\"hugepages\":[],\"cgroups\":[" x "]}"

static void test_parse(void **state)
{
	static const struct {
		const char *text;
		unsigned int flags;
		int ret;
		const char *want; /* the grants, or the refusal's text */
	} t[] = {
		{ GRANTS(""), 0, 0, "" },
		{ HEAD "\"grants\":[" NOVA "," DPDK "],\"hugepages\":[" HP "]}", 0, 0,
		  "nova:2-3:0,dpdk:4,6:42" },
		{ "{", 0, -EBADMSG, "not JSON: unexpected end of data" },
		{ "[]", 0, -EMEDIUMTYPE, FOREIGN },
		{ "{\"format\":\"something else\"}", 0, -EMEDIUMTYPE, FOREIGN },
		{ "{\"format\":\"quietcore-isol-alloc\",\"version\":2}", 0, -EBADMSG,
		  "version: not 1" },
		{ "{\"format\":\"quietcore-isol-alloc\",\"version\":1,\"boot_id\":3}", 0, -EBADMSG,
		  "boot_id: not a string" },
		{ HEAD "\"grants\":{},\"hugepages\":[]}", 0, -EBADMSG,
		  "grants or hugepages: not an array" },
		{ GRANTS(GRANT("nova", "2-x", "", "0")), 0, -EBADMSG, "grant 1: malformed" },
		{ GRANTS(GRANT("nova", "2-3", "4", "0")), 0, -EBADMSG, "grant 1: malformed" },
		{ GRANTS(GRANT("no\\u0001va", "2-3", "", "0")), 0, -EBADMSG, "grant 1: malformed" },
		{ GRANTS(GRANT("nova", "2-3", "", "-1")), 0, -EBADMSG, "grant 1: malformed" },
		{ GRANTS(A_1_2 "," B_2_3), 0, -EBADMSG,
		  "grant 2 (b): a CPU already in another grant" },
		{ GRANTS(A_1_2 "," B_2_3), ALLOCSTATE_KEEP_OVERLAP, 0, "a:1-2:0,b:2-3:0" },
		{ GRANTS(A_1_2 "," A_3), ALLOCSTATE_KEEP_OVERLAP, -EBADMSG,
		  "grant 2 (a): a second grant of one service" },
		{ HEAD "\"grants\":[],\"hugepages\":[" HP ",{\"service\":\"x\"}]}", 0, -EBADMSG,
		  "hugepage record 2: malformed" },
		{ CGROUPS(CG("nova", "/quietcore-alloc-nova", "", "")), 0, 0, "" },
		{ CGROUPS(CG("nova", "/quietcore-alloc-nova", "", "") "," CG("nova", "/x", "", "")),
		  0, -EBADMSG, "cgroup record 2: malformed, or a second one of its service" },
		{ CGROUPS(CG("nova", "/../etc", "", "")), 0, -EBADMSG,
		  "cgroup record 1: malformed, or a second one of its service" },
		{ CGROUPS(CG("nova", "relative", "", "")), 0, -EBADMSG,
		  "cgroup record 1: malformed, or a second one of its service" },
		{ CGROUPS(CG("nova", "/a.slice/b.scope", "b.scope", "")), 0, -EBADMSG,
		  "cgroup record 1: malformed, or a second one of its service" },
		{ CGROUPS(CG("nova", "/a.slice/b.scope", "b.scope", "a.slice")), 0, 0, "" },
		{ HEAD "\"grants\":[],\"hugepages\":[],\"cgroups\":{}}", 0, -EBADMSG,
		  "grants or hugepages: not an array" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct allocstate st = { 0 };
		struct allocstate_err e;
		char boot[ALLOCSTATE_BOOT_ID_MAX] = "untouched", got[256];
		int r;

		r = allocstate_parse(t[i].text, t[i].flags, &st, boot, sizeof(boot), &e);
		if (r == 0)
			grants_str(&st, got, sizeof(got));
		else
			allocstate_err_format(&e, got, sizeof(got));
		if (r != t[i].ret || strcmp(got, t[i].want) ||
		    strcmp(boot, r == 0 ? "b1" : "untouched") || (r < 0 && st.grants.n))
			case_fail("row %zu: got %d '%s' boot '%s'", i, r, got, boot);
		allocstate_free(&st);
		allocstate_free(&st);
	}
	table_done();
}

/* What allocstate_format() writes is what allocstate_parse() reads, and a copy is equal. */
static void test_round_trip(void **state)
{
	struct allocstate st = { 0 }, back = { 0 }, copy = { 0 };
	struct allocstate_err e;
	char boot[ALLOCSTATE_BOOT_ID_MAX], a[256], b[256];
	cpuset_t pool;
	char *text;

	(void)state;
	assert_int_equal(allocstate_parse(HEAD "\"grants\":[" NOVA_EXPL "],\"hugepages\":[" HP "]}",
					  0, &st, boot, sizeof(boot), &e),
			 0);
	assert_int_equal(cpuset_parse_list("2-7", 0, &pool), 0);
	text = allocstate_format(&st, "b2", &pool);
	assert_non_null(text);
	assert_int_equal(text[strlen(text) - 1], '\n');
	assert_int_equal(allocstate_parse(text, 0, &back, boot, sizeof(boot), &e), 0);
	assert_string_equal(boot, "b2");
	grants_str(&st, a, sizeof(a));
	grants_str(&back, b, sizeof(b));
	assert_string_equal(a, b);
	assert_true(cpuset_equal(&back.grants.v[0].explicit_cpus, &st.grants.v[0].explicit_cpus));
	assert_int_equal(back.grants.v[0].starttime, 77);
	assert_int_equal(back.nhp, 1);
	assert_int_equal(back.hp[0].count, 4);
	assert_int_equal(allocstate_copy(&copy, &back), 0);
	grants_str(&copy, b, sizeof(b));
	assert_string_equal(a, b);
	assert_int_equal(copy.nhp, 1);
	free(text);
	allocstate_free(&st);
	allocstate_free(&back);
	allocstate_free(&copy);
}

/* A cgroup record goes out and comes back as it was, and is copied and removed. */
static void test_cgroup_records(void **state)
{
	struct allocstate st = { 0 }, back = { 0 }, copy = { 0 };
	struct allocstate_err e;
	struct cgroup_task t = { .mount = CGROUP_MOUNT_HYBRID, .pid = 42, .enabled_cpuset = true };
	char boot[64], *text;
	cpuset_t pool;

	(void)state;
	cpuset_zero(&pool);
	assert_int_equal(cpuset_parse_list("2-3,5", 0, &t.cpus), 0);
	strcpy(t.from, "/system.slice/nova.service");
	strcpy(t.dir, "/quietcore.slice/quietcore-alloc_nova.slice/quietcore-alloc-nova.scope");
	strcpy(t.slice, "quietcore-alloc_nova.slice");
	strcpy(t.scope, "quietcore-alloc-nova.scope");
	assert_int_equal(allocstate_cg_set(&st, "nova", &t), 0);
	t.pid = 43;
	assert_int_equal(allocstate_cg_set(&st, "dpdk", &t), 0);
	assert_int_equal(st.ncg, 2);
	text = allocstate_format(&st, "b", &pool);
	assert_non_null(text);
	assert_int_equal(allocstate_parse(text, 0, &back, boot, sizeof(boot), &e), 0);
	free(text);
	assert_int_equal(back.ncg, 2);
	assert_memory_equal(&back.cg[0], &st.cg[0], sizeof(st.cg[0]));
	assert_memory_equal(&back.cg[1], &st.cg[1], sizeof(st.cg[1]));
	assert_int_equal(allocstate_copy(&copy, &back), 0);
	assert_int_equal(copy.ncg, 2);
	assert_int_equal(allocstate_cg_remove(&copy, "nova"), 0);
	assert_int_equal(allocstate_cg_remove(&copy, "nova"), -ENOENT);
	assert_int_equal(copy.ncg, 1);
	assert_string_equal(copy.cg[0].service, "dpdk");
	assert_int_equal(allocstate_cg_find(&copy, "dpdk")->t.pid, 43);
	assert_null(allocstate_cg_find(&copy, "nova"));
	allocstate_free(&st);
	allocstate_free(&back);
	allocstate_free(&copy);
}

static void test_read(void **state)
{
	static const struct {
		const char *content; /* NULL absent, "dir", "nul": a NUL byte */
		int ret;
		const char *want;
	} t[] = {
		{ NULL, -ENOENT, "" },
		{ "dir", -EISDIR, "" },
		{ "nul", -EBADMSG, "a NUL byte in the file" },
		{ GRANTS(NOVA) "\n", 0, "nova:2-3:0" },
		{ "garbage\n", -EBADMSG, "not JSON: unexpected character" },
	};
	const char *rel = "var/lib/quietcore/alloc.json";

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct allocstate st = { 0 };
		struct allocstate_err e;
		struct path_cxt pc;
		char boot[ALLOCSTATE_BOOT_ID_MAX], got[256] = "", want[256];
		int r;

		if (t[i].content && !strcmp(t[i].content, "nul")) {
			char path[256];
			FILE *f;

			assert_int_equal(tmproot_put(root, rel, ""), 0);
			snprintf(path, sizeof(path), "%s/%s", root, rel);
			f = fopen(path, "w");
			assert_non_null(f);
			fwrite(HEAD "\0}", 1, sizeof(HEAD "\0}") - 1, f);
			fclose(f);
		} else {
			assert_int_equal(tmproot_put(root, rel, t[i].content), 0);
		}
		assert_int_equal(path_cxt_init(&pc, root), 0);
		r = allocstate_read(&pc, "/var/lib/quietcore/alloc.json", 0, &st, boot,
				    sizeof(boot), &e);
		if (r == 0)
			grants_str(&st, got, sizeof(got));
		else if (r == -EBADMSG || r == -EMEDIUMTYPE)
			allocstate_err_format(&e, got, sizeof(got));
		snprintf(want, sizeof(want), "%s/%s", root, rel);
		if (r != t[i].ret || strcmp(got, t[i].want) ||
		    (r < 0 && r != -EBADMSG && strcmp(path_last(&pc), want)))
			case_fail("row %zu: got %d '%s' last %s", i, r, got, path_last(&pc));
		allocstate_free(&st);
	}
	table_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_cgroup_records),
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
