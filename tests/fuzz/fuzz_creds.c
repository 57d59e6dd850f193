/* Fuzz target for shim/creds.c and shim/endpoint.c: container credential responses, URL and
 * Host parsing, timestamps, task metadata and the container provider's URL rules. libFuzzer
 * entry point, plus a replay driver (-DFUZZ_REPLAY) that runs files given as arguments, or a
 * few built-in seeds when there are none.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE \
 *     tests/fuzz/fuzz_creds.c shim/creds.c shim/endpoint.c shim/opts.c shim/log.c shim/file.c shim/buf.c shim/err.c \
 *     $(pkg-config --cflags --libs jansson)
 * Input: 1 byte selecting the function (mod 6), then its input. Replay build: the same with
 * -DFUZZ_REPLAY and without "fuzzer," in -fsanitize. */
#include "creds.h"
#include "endpoint.h"
#include "err.h"

#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_container_body(const uint8_t *data, size_t size)
{
	struct aws_creds c = {0};
	struct shim_err e = {0};
	/* An exact-size copy, not NUL-terminated: any over-read trips ASan. */
	char *body = malloc(size ? size : 1);

	if (!body)
		return;
	memcpy(body, data, size);
	if (creds_parse_container(&c, body, size, &e) == 0) {
		if (!c.access_key_id[0] || !c.secret_access_key[0] || c.expiration < 0 ||
		    strcmp(c.source, "container") != 0)
			abort();
		fuzz_check_text(c.access_key_id, 1u << 20);
		fuzz_check_text(c.secret_access_key, 1u << 20);
		if (c.session_token)
			fuzz_check_text(c.session_token, 1u << 20);
	} else {
		fuzz_check_err(&e, SHIM_EX_NOPERM, SHIM_EX_UNAVAILABLE);
		if (c.access_key_id)
			abort();
	}
	creds_free(&c);
	free(body);
}

static void fuzz_host(const char *url)
{
	struct shim_err e = {0};
	char *host = NULL, bare[1024];
	int https = -1;

	if (endpoint_host(&host, &https, url, &e) < 0) {
		fuzz_check_err(&e, SHIM_EX_DATA, SHIM_EX_DATA);
		if (host || https != -1)
			abort();
		return;
	}
	if ((https != 0 && https != 1) || !host[0] || strpbrk(host, "@/?# "))
		abort();
	fuzz_check_text(host, 1024);
	/* The host (without a port we may have rewritten) comes from the URL. */
	snprintf(bare, sizeof(bare), "%.*s",
	         (int)(host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":")), host);
	if (!strstr(url, bare))
		abort();
	free(host);
}

static void fuzz_time(const char *s)
{
	long long t = creds_parse_time(s);

	if (t < -1 || t > 253402400000LL)
		abort();
}

static void fuzz_env_urls(const char *s)
{
	char var[4200], full[4200], *envp[] = {var, NULL}, *fenv[] = {full, NULL}, *u = NULL;
	struct creds_http r = {0};
	struct shim_err e = {0};
	int rc;

	snprintf(var, sizeof(var), "AWS_ENDPOINT_URL=%s", s);
	if (endpoint_url(&u, SVC_SSM, "us-east-1", NULL, envp, NULL, &e) == 0) {
		if (*s && strncmp(u, s, strlen(u)) != 0)
			abort();
		free(u);
	} else {
		fuzz_check_err(&e, SHIM_EX_DATA, SHIM_EX_DATA);
	}
	snprintf(full, sizeof(full), "AWS_CONTAINER_CREDENTIALS_FULL_URI=%s", s);
	rc = creds_container_request(&r, fenv, &e);
	if (rc == 1 && (strcmp(r.url, s) != 0 || r.authorization))
		abort();
	if (rc < 0)
		fuzz_check_err(&e, SHIM_EX_DATA, SHIM_EX_DATA);
	creds_http_free(&r);
}

static void fuzz_region(const char *s, const uint8_t *data, size_t size)
{
	struct shim_err e = {0};
	char *r = NULL, *u = NULL;

	if (endpoint_region_from_task_metadata(&r, (const char *)data, size, &e) == 0) {
		if (!r[0] || strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(r))
			abort();
		free(r);
	} else {
		fuzz_check_err(&e, SHIM_EX_UNAVAILABLE, SHIM_EX_UNAVAILABLE);
	}
	if (endpoint_url(&u, SVC_SECRETS_MANAGER, s, NULL, NULL, NULL, &e) == 0) {
		if (strncmp(u, "https://secretsmanager.", 23) != 0 || strpbrk(u + 8, "/@?#:"))
			abort();
		free(u);
	} else {
		/* The message quotes the bad region: it must stay one printable line. A region is
		 * the user's setting (64); a partition no table knows is data (65). */
		fuzz_check_err(&e, SHIM_EX_USAGE, SHIM_EX_DATA);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	if (data[0] % 6 == 0) {
		fuzz_container_body(data + 1, size - 1);
		return 0;
	}
	if (!(s = malloc(size)))
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 6) {
	case 1:
		fuzz_host(s);
		break;
	case 2:
		fuzz_time(s);
		break;
	case 3:
	case 4:
		fuzz_env_urls(s);
		break;
	case 5:
		fuzz_region(s, data + 1, size - 1);
		break;
	}
	free(s);
	return 0;
}

#ifdef FUZZ_REPLAY
static const char *const seeds[] = {
        "\x06{\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"s\",\"Token\":\"t\","
        "\"Expiration\":\"2024-01-02T03:04:05Z\"}",
        "\x06{\"code\":\"NoIdInRequest\",\"message\":\"No ID\"}",
        "\x06{\"Code\":\"Failed\",\"Message\":\"\\u001b\"}",
        "\x01https://[::1]:8443/p?q",
        "\x01http://u:p@127.0.0.1:80/",
        "\x02"
        "2024-02-29T12:00:00.123+05:30",
        "\x03http://169.254.170.23/v1/credentials",
        "\x04https://127.0.0.1:43211/",
        "\x05{\"AvailabilityZone\":\"us-east-1a\",\"TaskARN\":\"arn:aws:ecs:us-east-1:1:task/x\"}",
};

#include "replay.h"

int main(int argc, char **argv)
{
	return replay_main(argc, argv, seeds, sizeof(seeds) / sizeof(seeds[0]), "fuzz_creds");
}
#endif
