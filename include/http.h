/* The only libcurl user: one client per resolver run sends waves of requests concurrently
 * (libcurl multi), retries them in standard mode without blocking the others, keeps to a
 * deadline, caps response bodies, always verifies TLS peers (against the CA certificates
 * cacert finds, loaded once per client) and allows plain http only for loopback and the
 * ECS/EKS/IMDS addresses. Connections, TLS sessions, DNS and the trust store are reused. */
#ifndef SHIM_HTTP_H
#define SHIM_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* transport_error values callers may test without including curl.h. */
#define HTTP_ERR_TIMEOUT   28 /* CURLE_OPERATION_TIMEDOUT: an attempt or the deadline ran out */
#define HTTP_ERR_TOO_LARGE 63 /* CURLE_FILESIZE_EXCEEDED: the body is over max_body */

struct http_client;

/* Zero fields take the defaults in brackets. */
struct http_opts {
	char **envp;                 /* AWS_CA_BUNDLE, SSL_CERT_FILE, SSL_CERT_DIR are read here
	                              * (cacert_locate) [none]; not kept */
	const char *const *ca_paths; /* bundles tried when none is named [cacert_system_paths] */
	long connect_timeout_ms;     /* per attempt [5000] */
	long request_timeout_ms;     /* per attempt, the whole transfer [15000] */
	int max_attempts;            /* [3], standard mode */
	size_t max_body;             /* response body cap [1 MiB] */
	unsigned (*rand_u32)(void);  /* backoff jitter, injectable for tests [getrandom(2)] */
};

/* One per resolver run. Fails (SHIM_EX_DATA) when a CA variable names a file or directory
 * that cannot be read, or (SHIM_EX_INTERNAL) when libcurl cannot be set up. The caller frees
 * *out with http_client_free. */
int http_client_new(struct http_client **out, const struct http_opts *o, struct shim_err *err);
void http_client_free(struct http_client *c);

/* A request and, after http_run, the outcome of its final attempt. The "in" fields belong to
 * the caller and must stay valid (and unchanged) during http_run; body bytes are sent as they
 * are, on every attempt (a SigV4 signature stays valid for 15 minutes). The "out" fields belong
 * to the request: zero them before the first run (a designated initializer does) and free them
 * with http_req_free; http_run resets them itself. */
struct http_req {
	/* in */
	const char *method;         /* "GET", "POST", "PUT", ... */
	const char *url;            /* http:// only for the hosts http_url_check allows, or
	                             * any host with allow_http */
	const char *const *headers; /* "Name: value" strings, NULL-terminated; or NULL */
	const char *body;           /* or NULL; not copied */
	size_t body_len;
	long timeout_ms;  /* per attempt, connect and whole transfer; 0: the client's timeouts */
	int max_attempts; /* 0: the client's; 1: no retry (IMDS on a laptop gives up at once) */
	int allow_http;   /* plain http to any host: an endpoint the user configured (DESIGN 5.4;
	                   * the caller warns) */
	const char *op;   /* the operation ("GetParameters"), named by the retry events; or NULL */
	/* out */
	long status;         /* HTTP status of the final response; 0 when none arrived */
	struct buf resp;     /* its body, wiped on reset */
	char *error_type;    /* its X-Amzn-ErrorType header, or NULL */
	char *request_id;    /* its x-amzn-RequestId (or x-amz-request-id) header, or NULL */
	int attempts;        /* attempts made, retries included */
	int transport_error; /* CURLcode of the final attempt; 0 when a response arrived */
	int deadline_hit;    /* the deadline cut the last attempt short or stopped a retry */
	char errmsg[256];    /* transport error text; never holds body bytes */
};

/* Free and zero the outputs (the body is wiped); the inputs are left alone. */
void http_req_free(struct http_req *r);

/* Whether url may be fetched: http or https, and plain http only for a host of any class of
 * endpoint_host_class: loopback (127.0.0.0/8, ::1, localhost), the ECS and EKS credential
 * addresses (169.254.170.2, 169.254.170.23, fd00:ec2::23) and IMDS (169.254.169.254,
 * fd00:ec2::254). 0, or -1 with SHIM_EX_DATA. */
int http_url_check(const char *url, struct shim_err *err);
/* The same, with plain http to any host when allow_http (a configured endpoint). */
int http_url_check_req(const char *url, int allow_http, struct shim_err *err);

/* Plain-http requests never go through a proxy (DESIGN 5.4). Run every request of a wave
 * concurrently, retrying each in standard mode (transient AWS codes, 500/502/503/504,
 * connection errors and timeouts: max_attempts, the retry quota, full-jitter backoff while
 * the others proceed), all before deadline_ms (a clock_ms() value; 0 = none). Throttled
 * requests (awserr's throttling class) are retried until the deadline, with full-jitter
 * backoff whose exponent counts the throttles of their host in this client, and only one
 * throttled request per host backs off at a time: the others throttled meanwhile wait for it,
 * and the next goes when it has an answer (DESIGN 5.5; without a deadline, throttling is
 * retried in standard mode). Each retry scheduled is logged as the event "throttled" or
 * "retry" (attempt, delay_ms, op, host). A retry that the deadline leaves no room for is not
 * made: the request keeps its last outcome and deadline_hit is set; an attempt the deadline
 * cuts short ends with HTTP_ERR_TIMEOUT.
 * Returns 0 when every request has a final outcome (an HTTP status of any kind, or a transport
 * error) recorded in it. Returns -1 with SHIM_EX_DATA before sending anything when a URL is
 * refused by http_url_check_req or when the first wave with an https URL finds no CA
 * certificates (cacert_load: the message lists the paths tried), or with SHIM_EX_INTERNAL when
 * libcurl fails. */
int http_run(struct http_client *c, struct http_req **reqs, size_t n, long long deadline_ms,
             struct shim_err *err);

#endif
