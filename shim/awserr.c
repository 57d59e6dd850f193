/* AWS error responses: the code and message of JSON 1.1 and query-XML errors, their class and
 * exit status, and the retry decisions (standard mode, throttled calls until the deadline,
 * backoff, quota). */
#include "awserr.h"

#include "err.h"
#include "sanitize.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Smithy's sanitize_error_code: drop a ":<url>" suffix, then a "<namespace>#" prefix. */
static void copy_code(char *dst, size_t n, const char *raw, size_t len)
{
	const char *p, *end;
	size_t i, o = 0;

	while (len && (*raw == ' ' || *raw == '\t')) {
		raw++;
		len--;
	}
	end = memchr(raw, ':', len);
	if (end)
		len = (size_t)(end - raw);
	while (len && (raw[len - 1] == ' ' || raw[len - 1] == '\t' || raw[len - 1] == '\r' ||
	               raw[len - 1] == '\n'))
		len--;
	for (p = raw + len; p > raw; p--)
		if (p[-1] == '#')
			break;
	len -= (size_t)(p - raw);
	for (i = 0; i < len && o + 1 < n; i++) {
		char c = p[i];
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';

		dst[o++] = ok ? c : '?'; // NOLINT(bugprone-narrowing-conversions): c or '?', a char
	}
	dst[o] = '\0';
}

static void parse_json(struct awserr *e, int want_code, const char *body, size_t len)
{
	json_t *root, *v;
	json_error_t jerr;

	root = json_loadb(body, len, 0, &jerr);
	if (!json_is_object(root))
		goto out;
	if (want_code) {
		v = json_object_get(root, "__type");
		if (!json_is_string(v) || json_string_length(v) == 0)
			v = json_object_get(root, "code");
		if (json_is_string(v))
			copy_code(e->code, sizeof(e->code), json_string_value(v),
			          json_string_length(v));
	}
	v = json_object_get(root, "message");
	if (!json_is_string(v))
		v = json_object_get(root, "Message");
	if (json_is_string(v))
		sanitize_text(e->message, sizeof(e->message), json_string_value(v),
		              json_string_length(v));
out:
	json_decref(root);
}

/* The text of the first <name>...</name> in p[0..len), raw (entities still escaped). */
static int xml_element(const char *p, size_t len, const char *name, const char **val, size_t *vlen)
{
	char open[32], close[32];
	const char *a, *b;
	size_t ol, cl;

	ol = (size_t)snprintf(open, sizeof(open), "<%s>", name);
	cl = (size_t)snprintf(close, sizeof(close), "</%s>", name);
	a = memmem(p, len, open, ol);
	if (!a)
		return -1;
	a += ol;
	b = memmem(a, len - (size_t)(a - p), close, cl);
	if (!b)
		return -1;
	*val = a;
	*vlen = (size_t)(b - a);
	return 0;
}

static char xml_entity(const char *s, size_t len, size_t *used)
{
	static const struct {
		const char *name;
		char c;
	} ents[] = {
	        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
	const char *semi = memchr(s, ';', len < 12 ? len : 12);
	size_t i, n;

	if (!semi) {
		*used = 1;
		return '&';
	}
	n = (size_t)(semi - s) + 1;
	*used = n;
	for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (strlen(ents[i].name) == n && memcmp(s, ents[i].name, n) == 0)
			return ents[i].c;
	if (n > 3 && s[1] == '#') {
		unsigned long cp = strtoul(s + 2 + (s[2] == 'x'), NULL, s[2] == 'x' ? 16 : 10);

		if (cp >= 0x20 && cp < 0x7f)
			return (char)cp;
	}
	return '?';
}

/* Unescape XML text into dst (non-ASCII character references become '?'). */
static void copy_xml_text(char *dst, size_t n, const char *s, size_t len, int is_code)
{
	char tmp[512];
	size_t i = 0, o = 0, used;

	while (i < len && o + 1 < sizeof(tmp)) {
		if (s[i] == '&') {
			tmp[o++] = xml_entity(s + i, len - i, &used);
			i += used;
		} else {
			tmp[o++] = s[i++];
		}
	}
	if (is_code)
		copy_code(dst, n, tmp, o);
	else
		sanitize_text(dst, n, tmp, o);
}

static void parse_xml(struct awserr *e, int want_code, const char *body, size_t len)
{
	const char *p, *v;
	size_t plen, vlen;

	/* STS wraps the error (<ErrorResponse><Error>), S3-style services use it as the root. */
	p = memmem(body, len, "<Error>", 7);
	if (!p)
		return;
	plen = len - (size_t)(p - body);
	if (want_code && xml_element(p, plen, "Code", &v, &vlen) == 0)
		copy_xml_text(e->code, sizeof(e->code), v, vlen, 1);
	if (xml_element(p, plen, "Message", &v, &vlen) == 0)
		copy_xml_text(e->message, sizeof(e->message), v, vlen, 0);
}

void awserr_parse(struct awserr *out, long status, const char *error_type, const char *body,
                  size_t len)
{
	size_t i = 0;
	int want_code;

	memset(out, 0, sizeof(*out));
	out->status = status;
	if (error_type)
		copy_code(out->code, sizeof(out->code), error_type, strlen(error_type));
	want_code = out->code[0] == '\0';
	while (body && i < len &&
	       (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	if (body && i < len && body[i] == '{')
		parse_json(out, want_code, body, len);
	else if (body && i < len && body[i] == '<')
		parse_xml(out, want_code, body + i, len - i);
	out->cls = awserr_classify(status, out->code);
}

static const char *const throttling_codes[] = {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        NULL,
};

/* IDPCommunicationError is modeled `retryable` by STS. */
static const char *const transient_codes[] = {
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "IDPCommunicationError",
        NULL,
};

static const char *const denied_codes[] = {
        "AccessDeniedException",
        "AccessDenied",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "ExpiredTokenException",
        "ExpiredToken",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
        "InvalidAccessKeyId",
        "NotAuthorized",
        "AuthFailure",
        "UnauthorizedOperation",
        "OptInRequired",
        "RequestExpired", /* clock skew: the signature's date is out of the window */
        "InvalidIdentityToken",
        "IDPRejectedClaim",
        "RegionDisabledException",
        "DecryptionFailure",
        "KMSAccessDeniedException",
        NULL,
};

static const char *const not_found_codes[] = {
        "ResourceNotFoundException",
        "ParameterNotFound",
        "ParameterVersionNotFound",
        NULL,
};

static const char *const invalid_codes[] = {
        "ValidationException",     "ValidationError", "InvalidParameterException",
        "InvalidRequestException", "InvalidKeyId",    NULL,
};

static int code_in(const char *code, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(code, *list) == 0)
			return 1;
	return 0;
}

enum awserr_class awserr_classify(long status, const char *code)
{
	if (status >= 200 && status < 300)
		return AWSERR_NONE;
	if (status == 0)
		return AWSERR_TRANSIENT;
	if (!code)
		code = "";
	if (code_in(code, throttling_codes))
		return AWSERR_THROTTLING;
	if (code_in(code, transient_codes))
		return AWSERR_TRANSIENT;
	if (status == 500 || status == 502 || status == 503 || status == 504)
		return AWSERR_TRANSIENT;
	if (code_in(code, denied_codes))
		return AWSERR_DENIED;
	if (code_in(code, not_found_codes))
		return AWSERR_NOT_FOUND;
	if (code_in(code, invalid_codes))
		return AWSERR_INVALID;
	if (status == 429)
		return AWSERR_THROTTLING;
	if (status == 401 || status == 403)
		return AWSERR_DENIED;
	return AWSERR_OTHER;
}

int awserr_exit_status(enum awserr_class cls)
{
	switch (cls) {
	case AWSERR_NONE:
		return SHIM_OK;
	case AWSERR_DENIED:
		return SHIM_EX_NOPERM;
	case AWSERR_NOT_FOUND:
	case AWSERR_INVALID:
		return SHIM_EX_UNRESOLVED;
	case AWSERR_THROTTLING:
	case AWSERR_TRANSIENT:
	case AWSERR_OTHER:
		return SHIM_EX_UNAVAILABLE;
	}
	return SHIM_EX_INTERNAL;
}

int awserr_should_retry(enum awserr_class cls, int attempt, int max_attempts)
{
	if (cls != AWSERR_THROTTLING && cls != AWSERR_TRANSIENT)
		return 0;
	return attempt < max_attempts;
}

enum awserr_retry awserr_retry_decide(enum awserr_class cls, int attempt, int max_attempts,
                                      int has_deadline)
{
	/* A fleet that starts at once exceeds the service's rate for longer than 3 attempts last;
	 * the deadline, not a count, bounds the wait. */
	if (cls == AWSERR_THROTTLING && has_deadline && max_attempts > 1)
		return AWSERR_RETRY_THROTTLED;
	return awserr_should_retry(cls, attempt, max_attempts) ? AWSERR_RETRY_STANDARD
	                                                       : AWSERR_RETRY_NO;
}

long awserr_backoff_ms(int attempt, double rand01)
{
	long ceiling = AWSERR_BACKOFF_CAP_MS;

	if (attempt < 1)
		attempt = 1;
	/* 2^15 s is far above the cap; stop before the shift could overflow. */
	if (attempt - 1 < 15 && (AWSERR_BACKOFF_BASE_MS << (attempt - 1)) < ceiling)
		ceiling = AWSERR_BACKOFF_BASE_MS << (attempt - 1);
	if (!(rand01 > 0.0)) /* also catches NaN */
		rand01 = 0.0;
	if (rand01 > 1.0)
		rand01 = 1.0;
	return (long)(rand01 * (double)ceiling);
}

void awserr_quota_init(struct awserr_quota *q)
{
	q->available = AWSERR_QUOTA_CAPACITY;
}

int awserr_quota_acquire(struct awserr_quota *q, int after_timeout)
{
	int cost = after_timeout ? AWSERR_QUOTA_TIMEOUT_COST : AWSERR_QUOTA_RETRY_COST;

	if (q->available < cost)
		return 0;
	q->available -= cost;
	return cost;
}

void awserr_quota_release(struct awserr_quota *q, int taken)
{
	int refund = taken > 0 ? taken : AWSERR_QUOTA_NO_RETRY_REFUND;

	q->available += refund;
	if (q->available > AWSERR_QUOTA_CAPACITY)
		q->available = AWSERR_QUOTA_CAPACITY;
}
