/* Fuzz target for shim/profile.c and shim/sts.c: the shared config and credentials parser (then
 * every profile's chain and endpoints), and STS's XML answer. libFuzzer entry point, plus a
 * replay driver (-DFUZZ_REPLAY) that runs files given as arguments, or a few built-in seeds.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE \
 *     tests/fuzz/fuzz_profile.c $(LIB_SRCS of the Makefile) \
 *     $(pkg-config --cflags --libs libcurl libcrypto jansson)
 * Input: 1 byte selecting what (mod 4): 0 config file, 1 credentials file, 2 and 3 an STS
 * answer to AssumeRole / AssumeRoleWithWebIdentity. Replay build: the same with -DFUZZ_REPLAY
 * and without "fuzzer," in -fsanitize. */
#include "creds.h"
#include "err.h"
#include "profile.h"
#include "sts.h"

#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every profile of a parsed set: its chain resolves or fails with one printable line. */
static void walk_profiles(const struct profile_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct profile_section *sec = &s->s[i];
		struct profile_chain c;
		struct shim_err e = {0};
		char *url = NULL;

		for (size_t j = 0; j < sec->n; j++)
			if (!sec->props[j].key[0] || strpbrk(sec->props[j].key, " \t=\n[]"))
				abort();
		if (sec->kind != PROFILE_PROFILE)
			continue;
		if (profile_chain(&c, s, sec->name, &e) == 0) {
			if (c.base < PROFILE_BASE_KEYS || c.base > PROFILE_BASE_PROCESS ||
			    c.n_roles > PROFILE_ROLES_MAX)
				abort();
		} else {
			fuzz_check_err(&e, SHIM_EX_NOPERM, SHIM_EX_NOPERM);
		}
		if (profile_endpoint_url(&url, s, sec->name, "ssm", &e) == 1) {
			if (!url[0])
				abort();
			free(url);
		}
	}
}

static void fuzz_file(const uint8_t *data, size_t size, enum profile_file which)
{
	struct profile_set s = {0};
	struct shim_err e = {0};
	/* An exact-size copy, not NUL-terminated: any over-read trips ASan. */
	char *text = malloc(size ? size : 1);

	if (!text)
		return;
	memcpy(text, data, size);
	if (profile_parse(&s, text, size, which, "config", &e) == 0)
		walk_profiles(&s);
	else if (s.n)
		abort(); /* untouched on failure */
	else
		fuzz_check_err(&e, SHIM_EX_DATA, SHIM_EX_DATA);
	profile_set_free(&s);
	free(text);
}

static void fuzz_sts(const uint8_t *data, size_t size, const char *action)
{
	struct aws_creds c = {0};
	struct shim_err e = {0};
	char *body = malloc(size ? size : 1);

	if (!body)
		return;
	memcpy(body, data, size);
	if (sts_parse_credentials(&c, action, body, size, &e) == 0) {
		if (!c.access_key_id[0] || !c.secret_access_key[0] || !c.session_token[0] ||
		    c.expiration < 0)
			abort();
		fuzz_check_text(c.access_key_id, 1u << 20);
		fuzz_check_text(c.secret_access_key, 1u << 20);
		fuzz_check_text(c.session_token, 1u << 20);
	} else {
		fuzz_check_err(&e, SHIM_EX_UNAVAILABLE, SHIM_EX_UNAVAILABLE);
		if (c.access_key_id)
			abort();
	}
	creds_free(&c);
	free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		fuzz_file(data + 1, size - 1, PROFILE_FILE_CONFIG);
		break;
	case 1:
		fuzz_file(data + 1, size - 1, PROFILE_FILE_CREDENTIALS);
		break;
	case 2:
		fuzz_sts(data + 1, size - 1, "AssumeRole");
		break;
	case 3:
		fuzz_sts(data + 1, size - 1, "AssumeRoleWithWebIdentity");
		break;
	}
	return 0;
}

#ifdef FUZZ_REPLAY
static const char *const seeds[] = {
        "\x04[profile a]\nrole_arn = r\nsource_profile = b\n[profile b]\nrole_arn = s\n"
        "source_profile = a\n[sso-session x]\nsso_region = r\n[services s]\nssm =\n "
        "endpoint_url = https://x\n",
        "\x04[default]\ns3 =\n  a = b\n c\n",
        "\x01[a]\naws_access_key_id = A\naws_secret_access_key = B\n",
        "\x02<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
        "<SecretAccessKey>S&amp;</SecretAccessKey><SessionToken>T</SessionToken><Expiration>"
        "2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
        "\x03<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>A</AccessKeyId>",
};

#include "replay.h"

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc < 2)
		for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++)
			LLVMFuzzerTestOneInput((const uint8_t *)seeds[s], strlen(seeds[s]));
	for (int i = 1; i < argc; i++)
		rc |= replay_file(argv[i]);
	return rc;
}
#endif
