/* Fuzz target for shim/awserr.c: error responses (JSON and XML bodies, X-Amzn-ErrorType values)
 * and the retry arithmetic. libFuzzer entry point, plus a replay driver (-DFUZZ_REPLAY) that runs
 * files given as arguments, or a few built-in seeds when there are none.
 *   clang -g -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE \
 *     tests/fuzz/fuzz_awserr.c shim/awserr.c shim/err.c $(pkg-config --cflags --libs jansson)
 * Input: 2 bytes status, 1 byte header length h, h header bytes (h == 0: no header), body. */
#include "awserr.h"
#include "err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t cap, int is_code)
{
	size_t len = strnlen(s, cap), i;

	if (len == cap)
		abort();
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			abort();
		if (is_code &&
		    !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-' || c == '?'))
			abort();
	}
}

static void check_retry(const uint8_t *data, size_t size)
{
	struct awserr_quota q;
	double r;
	long ms;
	int attempt;
	size_t i;

	if (size < 3)
		return;
	attempt = (int)(int8_t)data[0];
	r = (double)(data[1] | data[2] << 8) / 65535.0;
	ms = awserr_backoff_ms(attempt, r);
	if (ms < 0 || ms > AWSERR_BACKOFF_CAP_MS)
		abort();
	awserr_quota_init(&q);
	for (i = 0; i < size; i++) {
		if (data[i] & 1)
			awserr_quota_acquire(&q, data[i] & 2);
		else
			awserr_quota_release(&q, data[i] >> 2);
		if (q.available < 0 || q.available > AWSERR_QUOTA_CAPACITY)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct awserr e;
	char header[256];
	char *body;
	size_t h, blen;
	long status;
	int ex;

	check_retry(data, size);
	if (size < 3)
		return 0;
	status = (long)((data[0] << 8 | data[1]) % 1000);
	h = data[2];
	if (h > size - 3)
		h = size - 3;
	memcpy(header, data + 3, h);
	header[h] = '\0';
	blen = size - 3 - h;
	/* An exact-size copy, not NUL-terminated: any over-read trips ASan. */
	body = malloc(blen ? blen : 1);
	if (!body)
		return 0;
	memcpy(body, data + 3 + h, blen);
	awserr_parse(&e, status, h ? header : NULL, body, blen);
	free(body);
	check_text(e.code, sizeof(e.code), 1);
	check_text(e.message, sizeof(e.message), 0);
	if (e.status != status || e.cls != awserr_classify(status, e.code))
		abort();
	ex = awserr_exit_status(e.cls);
	if (ex != 0 && ex != SHIM_EX_UNAVAILABLE && ex != SHIM_EX_NOPERM &&
	    ex != SHIM_EX_UNRESOLVED)
		abort();
	return 0;
}

#ifdef FUZZ_REPLAY
static const char *const seeds[] = {
        "\x01\xf4\x08"
        "FooError{\"__type\":\"x#Y:z\",\"message\":\"m\"}",
        "\x01\x90\x00{\"code\":\"aws.protocoltests.json#FooError:http://x/\",\"Message\":1}",
        "\x01\x90\x00<ErrorResponse><Error><Code>A&amp;B</Code><Message>&#x41;&#;&bogus</Message>",
        "\x01\x93\x00<Error><Code>SignatureDoesNotMatch</Code><Message>\xc3\xa9</Message></Error>",
        "\x00\x00\x00",
};

#include "replay.h"

int main(int argc, char **argv)
{
	int i, rc = 0;
	size_t s = 0;

	if (argc < 2)
		for (s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++)
			LLVMFuzzerTestOneInput((const uint8_t *)seeds[s], strlen(seeds[s]) + 1);
	for (i = 1; i < argc; i++)
		rc |= replay_file(argv[i]);
	printf("fuzz_awserr: replayed %d input(s)\n", argc < 2 ? (int)s : argc - 1);
	return rc;
}
#endif
