/* libFuzzer target for shim/sigv4.c: request canonicalisation and the JSON helper on arbitrary
 * bytes. Aborts when an invariant breaks: output must be deterministic, canonically encoded,
 * path normalisation idempotent, and no header line handed to libcurl may hold a line break.
 * Build with -DFUZZ_STANDALONE for a replay driver that runs the files named on its command
 * line (for gcc, valgrind and corpus regression runs without libFuzzer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4.h"

#define MAX_HEADERS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sigv4_credentials creds = {
        "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "FUZZTOKEN/+="};

struct fuzz_request {
	struct sigv4_request req;
	struct sigv4_header headers[MAX_HEADERS];
	unsigned flags;
};

#define ENSURE(cond)                                                                               \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_sigv4: invariant failed: %s\n", #cond);              \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Input layout: one flags byte, then "method\npath\nquery\n", header lines "name:value"
 * (a line starting with a space or tab continues the value), a blank line, the body. The
 * text is sliced in place, so `text` must be a writable NUL-terminated copy. */
static void split_input(struct fuzz_request *f, char *text, size_t len)
{
	char *end = text + len, *p = text, *fields[3] = {"", "", ""}, *nl;

	for (int i = 0; i < 3 && p < end; i++) {
		fields[i] = p;
		nl = strchr(p, '\n');
		p = nl ? nl + 1 : end;
		if (nl)
			*nl = '\0';
	}
	f->req = (struct sigv4_request){fields[0], fields[1], fields[2], f->headers, 0, "", 0};
	while (p < end && *p != '\n' && f->req.nheaders < MAX_HEADERS) {
		char *colon = strchr(p, ':');
		if (!colon)
			break;
		for (nl = strchr(colon, '\n'); nl && (nl[1] == ' ' || nl[1] == '\t');)
			nl = strchr(nl + 1, '\n');
		*colon = '\0';
		f->headers[f->req.nheaders++] = (struct sigv4_header){p, colon + 1};
		if (nl)
			*nl = '\0';
		p = nl ? nl + 1 : end;
	}
	if (p < end) {
		f->req.payload = p;
		f->req.payload_len = (size_t)(end - p);
	}
}

static int is_canonical_char(unsigned char c, const char *extra)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       strchr("-._~", c) || strchr(extra, c);
}

/* Only unreserved bytes, `extra`, and %XX with uppercase hex. */
static void ensure_encoded(const char *s, size_t len, const char *extra)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			ENSURE(i + 2 < len && strchr("0123456789ABCDEF", s[i + 1]) &&
			       strchr("0123456789ABCDEF", s[i + 2]) && s[i + 1] && s[i + 2]);
			i += 2;
			continue;
		}
		ENSURE(s[i] && is_canonical_char((unsigned char)s[i], extra));
	}
}

static const char *line_of(const char *s, int n, size_t *len)
{
	for (; n > 0; n--)
		s = strchr(s, '\n') + 1;
	*len = strcspn(s, "\n");
	return s;
}

static void ensure_same(const struct sigv4_signed *a, const struct sigv4_signed *b)
{
	ENSURE(!strcmp(a->canonical_request, b->canonical_request));
	ENSURE(!strcmp(a->string_to_sign, b->string_to_sign));
	ENSURE(!strcmp(a->authorization, b->authorization));
	ENSURE(a->nheaders == b->nheaders);
}

static void ensure_lines_clean(const struct sigv4_signed *s)
{
	ENSURE(strlen(s->signature) == 64 && strspn(s->signature, "0123456789abcdef") == 64);
	ENSURE(s->headers[s->nheaders] == NULL);
	for (size_t i = 0; i < s->nheaders; i++)
		ENSURE(!strpbrk(s->headers[i], "\r\n"));
}

/* Decoding the canonical path and signing it again must give the same canonical path. */
static void ensure_idempotent(struct fuzz_request *f, const char *path, size_t len)
{
	char *raw = malloc(len + 1), *q = raw;
	struct sigv4_request req = f->req;
	struct sigv4_params params = {&creds, "us-east-1", "service", 1440938160, f->flags};
	struct sigv4_signed s = {0};
	struct shim_err err;
	const char *again;
	size_t again_len;

	ENSURE(raw);
	for (size_t i = 0; i < len; i++) {
		if (path[i] == '%') {
			*q++ = (char)strtol((char[]){path[i + 1], path[i + 2], 0}, NULL, 16);
			i += 2;
		} else {
			*q++ = path[i];
		}
	}
	*q = '\0';
	req.path = raw;
	/* A decoded %00 cuts the path short; only compare when nothing was lost. */
	if (strlen(raw) == (size_t)(q - raw)) {
		ENSURE(sigv4_sign(&s, &req, &params, &err) == 0);
		again = line_of(s.canonical_request, 1, &again_len);
		ENSURE(again_len == len && !memcmp(again, path, len));
	}
	sigv4_signed_free(&s);
	free(raw);
}

static void check_sign(struct fuzz_request *f)
{
	struct sigv4_params params = {&creds, "us-east-1", "service", 1440938160, f->flags};
	struct sigv4_signed a = {0}, b = {0};
	struct shim_err err;
	const char *line;
	size_t len;

	if (sigv4_sign(&a, &f->req, &params, &err) < 0) {
		ENSURE(sigv4_sign(&b, &f->req, &params, &err) < 0 && err.msg[0]);
		return;
	}
	ENSURE(sigv4_sign(&b, &f->req, &params, &err) == 0);
	ensure_same(&a, &b);
	ensure_lines_clean(&a);
	line = line_of(a.canonical_request, 1, &len);
	ensure_encoded(line, len, "/");
	if (f->flags & SIGV4_NORMALIZE_PATH) {
		ENSURE(!memmem(line, len, "//", 2) && !memmem(line, len, "/./", 3) &&
		       !memmem(line, len, "/../", 4));
		ensure_idempotent(f, line, len);
	}
	line = line_of(a.canonical_request, 2, &len);
	ensure_encoded(line, len, "=&");
	sigv4_signed_free(&a);
	sigv4_signed_free(&b);
}

/* The helper's host and target come from the input: whatever it accepts must be safe to
 * hand to libcurl as header lines. */
static void check_json_helper(struct fuzz_request *f)
{
	struct sigv4_params params = {&creds, "us-east-1", "ssm", 1440938160, f->flags};
	struct sigv4_signed s = {0};
	struct shim_err err;

	if (sigv4_sign_json_request(&s, f->req.path, f->req.query, f->req.payload,
	                            f->req.payload_len, &params, &err) == 0) {
		ensure_lines_clean(&s);
		sigv4_signed_free(&s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_request f = {0};
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	f.flags = data[0] & 7;
	split_input(&f, text, size - 1);
	check_sign(&f);
	check_json_helper(&f);
	free(text);
	return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *fp = fopen(argv[i], "rb");
		unsigned char *buf = NULL;
		long n;

		if (!fp || fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0 ||
		    fseek(fp, 0, SEEK_SET) || !(buf = malloc((size_t)n + 1)) ||
		    fread(buf, 1, (size_t)n, fp) != (size_t)n) {
			fprintf(stderr, "fuzz_sigv4: cannot read %s\n", argv[i]);
			return 1;
		}
		LLVMFuzzerTestOneInput(buf, (size_t)n);
		free(buf);
		fclose(fp);
	}
	printf("fuzz_sigv4: %d inputs replayed\n", argc - 1);
	return 0;
}
#endif
