// SPDX-License-Identifier: MIT
/*
 * fuzz-options - libFuzzer target for zcperf's command-line parser: the
 * input is split at NUL bytes into argv.
 */
#include "zcperf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef ZP_FUZZ_STUB
const char *zc_version(void);
const char *zc_version(void)
{
	return "fuzz";
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	char *argv[33];
	int argc = 1;
	struct zp_opts o;
	char err[256];

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = (char *)"zcperf";
	for (size_t i = 0; i < size && argc < 32;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	zp_opts_parse(&o, argc, argv, err, sizeof(err));
	free(buf);
	return 0;
}
