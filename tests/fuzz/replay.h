/* The replay driver's file reader, shared by the fuzz targets built with -DFUZZ_REPLAY: runs
 * one file's bytes through LLVMFuzzerTestOneInput. Include after declaring that function. */
#ifndef FUZZ_REPLAY_H
#define FUZZ_REPLAY_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		perror(path);
		return 1;
	}
	do {
		if (len == cap) {
			uint8_t *q = realloc(p, cap = cap ? cap * 2 : 4096);

			if (!q) {
				free(p);
				fclose(f);
				return 1;
			}
			p = q;
		}
		n = fread(p + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(p, len);
	free(p);
	return 0;
}

/* The replay build's main: the files given, or the built-in seeds when there are none. */
static int replay_main(int argc, char **argv, const char *const *seeds, size_t n_seeds,
                       const char *name)
{
	int rc = 0;

	if (argc < 2)
		for (size_t s = 0; s < n_seeds; s++)
			LLVMFuzzerTestOneInput((const uint8_t *)seeds[s], strlen(seeds[s]));
	for (int i = 1; i < argc; i++)
		rc |= replay_file(argv[i]);
	printf("%s: replayed %d input(s)\n", name, argc < 2 ? (int)n_seeds : argc - 1);
	return rc;
}

#endif
