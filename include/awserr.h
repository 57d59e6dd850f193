/* AWS error responses and the "standard" retry policy: parse the code and message of a JSON 1.1
 * or query-XML error, classify it, map it to an exit status, and compute retries, full-jitter
 * backoff and the retry quota. Pure: no I/O, no clock; the random number is a parameter. */
#ifndef SHIM_AWSERR_H
#define SHIM_AWSERR_H

#include <stddef.h>

/* What a failed call means for the user. The exit status of each class (after retries):
 *   THROTTLING, TRANSIENT, OTHER -> 69 (AWS unreachable or failing)
 *   DENIED                       -> 77 (access denied, bad/expired credentials, KMS decrypt denied)
 *   NOT_FOUND, INVALID           -> 78 (the variable does not resolve)
 * INVALID is AWS rejecting the reference we built from the user's valueFrom
 * (ValidationException, InvalidParameterException, InvalidRequestException - e.g. a secret
 * scheduled for deletion - InvalidKeyId): the reference does not resolve, and the message names
 * the code. DecryptionFailure and KMSAccessDeniedException are DENIED: in practice they mean the
 * role may not use the secret's KMS key. A 4xx the shim does not know is OTHER (69), not 78: it
 * is usually a wrong endpoint or a client bug, not a missing value. */
enum awserr_class {
	AWSERR_NONE = 0,   /* 2xx: not an error */
	AWSERR_THROTTLING, /* retried */
	AWSERR_TRANSIENT,  /* timeouts, 500/502/503/504, no response at all; retried */
	AWSERR_DENIED,
	AWSERR_NOT_FOUND,
	AWSERR_INVALID,
	AWSERR_OTHER,
};

struct awserr {
	long status;       /* HTTP status; 0 when no response arrived */
	char code[128];    /* error code without namespace or URL suffix; "" when none */
	char message[512]; /* printable (control bytes replaced), truncated; "" when none */
	enum awserr_class cls;
};

/* Parse an error response. error_type is the X-Amzn-ErrorType header value (or NULL); body is a
 * JSON object ({"__type"|"code", "message"|"Message"}) or query XML (<Error><Code>, <Message>),
 * told apart by its first byte, and need not be NUL-terminated. The code comes from the header,
 * else the body's __type, else its code. Never fails: what cannot be parsed stays "" and the
 * class then follows the status alone. */
void awserr_parse(struct awserr *out, long status, const char *error_type, const char *body,
                  size_t len);

/* Class of a response from its status and (sanitized) code; status 0 means no response. */
enum awserr_class awserr_classify(long status, const char *code);

/* Exit status (enum shim_status) for a call that finally failed with this class; 0 for NONE. */
int awserr_exit_status(enum awserr_class cls);

/* Standard mode, and the throttled calls' backoff (base, cap). attempt counts the attempts made
 * so far (1 after the first failure). */
#define AWSERR_MAX_ATTEMPTS    3
#define AWSERR_BACKOFF_BASE_MS 1000L
#define AWSERR_BACKOFF_CAP_MS  20000L

/* Whether a failure of this class may be tried again with attempt < max_attempts. */
int awserr_should_retry(enum awserr_class cls, int attempt, int max_attempts);

/* What follows a failed attempt (DESIGN.md 5.5). */
enum awserr_retry {
	AWSERR_RETRY_NO = 0,   /* final: the error stands */
	AWSERR_RETRY_STANDARD, /* standard mode: counted against max_attempts and the quota */
	AWSERR_RETRY_THROTTLED /* throttled: retried with full jitter until the deadline, neither
	                        * counted against max_attempts nor taking quota */
};

/* The retry decision after attempt attempts (1 after the first failure). Throttling is retried
 * without an attempt limit only when there is a deadline to bound it (has_deadline) and the
 * request allows retries at all (max_attempts > 1); otherwise it is a standard-mode retry. */
enum awserr_retry awserr_retry_decide(enum awserr_class cls, int attempt, int max_attempts,
                                      int has_deadline);

/* Full-jitter delay before retry number attempt (1 = first retry):
 * rand01 * min(base * 2^(attempt-1), cap), rand01 in [0, 1] (clamped). */
long awserr_backoff_ms(int attempt, double rand01);

/* The retry quota token bucket shared by all calls of one run (botocore RetryQuota). */
#define AWSERR_QUOTA_CAPACITY        500
#define AWSERR_QUOTA_RETRY_COST      5
#define AWSERR_QUOTA_TIMEOUT_COST    10
#define AWSERR_QUOTA_NO_RETRY_REFUND 1

struct awserr_quota {
	int available;
};

void awserr_quota_init(struct awserr_quota *q);
/* Take the cost of one retry (more after a timeout). Returns the amount taken, which the caller
 * keeps for the refund, or 0 when the bucket is short: then the error is final. */
int awserr_quota_acquire(struct awserr_quota *q, int after_timeout);
/* After a 2xx: refund what the last retry took (taken), or 1 when no retry was needed
 * (taken == 0). Non-2xx outcomes refund nothing: do not call this for them. */
void awserr_quota_release(struct awserr_quota *q, int taken);

#endif
