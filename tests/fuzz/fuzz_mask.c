// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuset_parse_mask(): an accepted mask formats back (minimal width and
 * a given nr_cpu_ids) to text that parses to the same set and formats
 * identically again; the cpulist of the set agrees.
 */
#include <errno.h>

#include "cpuset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cpuset_t set, again, vialist;
	char *str, *mask, *mask2, *wide, *list;
	unsigned int nbits;
	int r;

	str = fuzz_strdup(data, size);
	memset(&set, 0x5a, sizeof(set));
	r = cpuset_parse_mask(str, &set);
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL || r == -ERANGE);
		free(str);
		return 0;
	}
	FUZZ_ASSERT(r == 0);

	mask = cpuset_to_mask(&set, 0);
	FUZZ_ASSERT(mask);
	FUZZ_ASSERT(strlen(mask) == cpuset_format_mask(&set, 0, NULL, 0));
	FUZZ_ASSERT(cpuset_parse_mask(mask, &again) == 0);
	FUZZ_ASSERT(cpuset_equal(&set, &again));
	mask2 = cpuset_to_mask(&again, 0);
	FUZZ_ASSERT(mask2 && strcmp(mask, mask2) == 0);

	/* a width that holds every CPU of the set (as nr_cpu_ids would) */
	nbits = (unsigned int)(cpuset_last(&set) + 1) + size % 97;
	wide = cpuset_to_mask(&set, nbits);
	FUZZ_ASSERT(wide);
	FUZZ_ASSERT(cpuset_parse_mask(wide, &again) == 0);
	FUZZ_ASSERT(cpuset_equal(&set, &again));

	list = cpuset_to_list(&set);
	FUZZ_ASSERT(list);
	FUZZ_ASSERT(cpuset_parse_list(list, 0, &vialist) == 0);
	FUZZ_ASSERT(cpuset_equal(&set, &vialist));

	free(list);
	free(wide);
	free(mask2);
	free(mask);
	free(str);
	return 0;
}
