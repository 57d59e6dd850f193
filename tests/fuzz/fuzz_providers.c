/* Fuzz target for the providers' parsers: credential_process command lines (credproc_split)
 * and the IMDS endpoint rules (imds_endpoint, from the environment and the profile's values).
 * libFuzzer entry point, plus a replay driver (-DFUZZ_REPLAY) that runs files given as
 * arguments, or a few built-in seeds when there are none. Built by `make fuzz` with every
 * module. Input: 1 byte selecting the function (mod 3), then its input. */
#include "credproc.h"
#include "endpoint.h"
#include "err.h"
#include "imds.h"

#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Words never outnumber the bytes, and no quote or blank of the input is left unaccounted. */
static void fuzz_split(const char *s)
{
	struct shim_err err = {0};
	char **argv = NULL;
	size_t n = 0;

	if (credproc_split(&argv, s, &err) < 0) {
		if (argv || !err.status)
			abort();
		fuzz_check_text(err.msg, sizeof(err.msg));
		return;
	}
	while (argv[n])
		n++;
	if (n == 0 || n > strlen(s))
		abort();
	credproc_argv_free(argv);
}

/* The chosen endpoint is one a client can parse: the one given, less one trailing '/'. */
static void fuzz_imds(const char *s, int from_env)
{
	char *var = NULL, *envp[2] = {NULL, NULL}, *out = NULL, *host = NULL;
	struct imds_params p = {NULL, NULL};
	struct shim_err err = {0};
	int https;

	if (from_env) {
		if (asprintf(&var, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=%s", s) < 0)
			return;
		envp[0] = var;
	} else {
		p.endpoint = s;
	}
	if (imds_endpoint(&out, &p, envp, &err) == 0) {
		size_t len = strlen(out);

		if (endpoint_host(&host, &https, out, &err) < 0 ||
		    (!from_env && *s && (strncmp(out, s, len) != 0 || strlen(s) - len > 1)))
			abort();
		free(host);
		free(out);
	} else {
		fuzz_check_text(err.msg, sizeof(err.msg));
	}
	free(var);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	s = strndup((const char *)data + 1, size - 1);
	if (!s)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_split(s);
		break;
	case 1:
		fuzz_imds(s, 1);
		break;
	case 2:
		fuzz_imds(s, 0);
		break;
	}
	free(s);
	return 0;
}

#ifdef FUZZ_REPLAY
#include "replay.h"

static const char *const seeds[] = {
        "\x00/bin/prog --a 'b c' \"d\\\"e\" f\\ g",
        "\x00\"unclosed",
        "\x00trail\\",
        "\x00x '' y",
        "\x01IPv6",
        "\x01ipv7",
        "\x02http://[fd00:ec2::254]/",
        "\x02not a uri",
        "\x02https://custom",
};

int main(int argc, char **argv)
{
	size_t s;
	int i, rc = 0;

	for (s = 0; argc < 2 && s < sizeof(seeds) / sizeof(seeds[0]); s++)
		LLVMFuzzerTestOneInput((const uint8_t *)seeds[s], strlen(seeds[s] + 1) + 1);
	for (i = 1; i < argc; i++)
		rc |= replay_file(argv[i]);
	printf("fuzz_providers: replayed %d input(s)\n", argc < 2 ? (int)s : argc - 1);
	return rc;
}
#endif
