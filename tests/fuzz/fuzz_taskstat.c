// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/PID/stat (taskstat_parse): any text; on success the fields are the
 * ones after the last ')' and comm is the text between the first '(' and
 * that ')' (cut to the buffer); on failure *ret is untouched. ppid is never
 * negative, processor only -1 (absent: fewer than 39 fields), never a sign.
 */
#include <errno.h>

#include "fuzz.h"
#include "taskstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct taskstat st, canary;
	char *str;
	int r;

	str = fuzz_strdup(data, size);
	memset(&st, 0x6b, sizeof(st));
	canary = st;
	r = taskstat_parse(str, &st);
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL);
		/* both were memset as a whole, padding included */
		// NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
		FUZZ_ASSERT(!memcmp(&st, &canary, sizeof(st)));
	} else {
		const char *open = strchr(str, '('), *close = strrchr(str, ')');

		FUZZ_ASSERT(r == 0);
		FUZZ_ASSERT(open && close && open < close);
		FUZZ_ASSERT(memchr(st.comm, '\0', sizeof(st.comm)));
		FUZZ_ASSERT(strncmp(st.comm, open + 1, strlen(st.comm)) == 0);
		FUZZ_ASSERT(strchr(close, st.state));
		FUZZ_ASSERT(st.ppid >= 0 && st.processor >= -1);
	}
	free(str);
	return 0;
}
