// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuset_parse_list(): whatever the kernel-syntax parser accepts must format
 * to a canonical cpulist that parses back to the same set and formats to the
 * same text again (stable), and also survive the hex mask round trip.
 * cpuset_format_list() must behave like snprintf for every buffer size.
 */
#include <errno.h>

#include "cpuset.h"
#include "fuzz.h"

static void check_format_truncation(const cpuset_t *set, const char *full, size_t fulllen)
{
	char buf[16];

	for (size_t len = 0; len <= sizeof(buf); len += 5) {
		size_t n;

		memset(buf, 'X', sizeof(buf));
		n = cpuset_format_list(set, buf, len);
		FUZZ_ASSERT(n == fulllen);
		if (len == 0)
			continue;
		FUZZ_ASSERT(strlen(buf) == (fulllen < len ? fulllen : len - 1));
		FUZZ_ASSERT(strncmp(buf, full, strlen(buf)) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int nbits = 0;
	cpuset_t set, again, viamask;
	char *str, *list, *list2, *mask;
	int r;

	/* First byte picks the CPU space: 0 = CPUSET_MAX, else a small nr_cpu_ids. */
	if (size > 0) {
		nbits = data[0] % 2 ? 0 : (unsigned int)data[0] * 2 + 1;
		data++;
		size--;
	}
	str = fuzz_strdup(data, size);
	memset(&set, 0xa5, sizeof(set));
	r = cpuset_parse_list(str, nbits, &set);
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL || r == -ERANGE);
		free(str);
		return 0;
	}
	FUZZ_ASSERT(r == 0);
	if (nbits)
		FUZZ_ASSERT(cpuset_last(&set) < (int)nbits);

	list = cpuset_to_list(&set);
	FUZZ_ASSERT(list);
	FUZZ_ASSERT(strlen(list) == cpuset_format_list(&set, NULL, 0));
	check_format_truncation(&set, list, strlen(list));

	/* list -> set -> list is the identity on canonical text */
	FUZZ_ASSERT(cpuset_parse_list(list, nbits, &again) == 0);
	FUZZ_ASSERT(cpuset_equal(&set, &again));
	list2 = cpuset_to_list(&again);
	FUZZ_ASSERT(list2 && strcmp(list, list2) == 0);
	FUZZ_ASSERT(cpuset_count(&set) == cpuset_count(&again));

	/* and through the mask */
	mask = cpuset_to_mask(&set, nbits);
	FUZZ_ASSERT(mask);
	FUZZ_ASSERT(cpuset_parse_mask(mask, &viamask) == 0);
	FUZZ_ASSERT(cpuset_equal(&set, &viamask));

	free(mask);
	free(list2);
	free(list);
	free(str);
	return 0;
}
