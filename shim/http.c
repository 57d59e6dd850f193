/* The libcurl multi driver: waves of requests with standard-mode retries and throttled retries
 * (until the deadline, one per host at a time) scheduled inside the same event loop, a
 * deadline, a response body cap, verified TLS against one trust store loaded once (never
 * libcurl's own CA settings), and connections, TLS sessions and DNS answers shared across the
 * waves of one run. */
#include "http.h"

#include "awserr.h"
#include "cacert.h"
#include "clock.h"
#include "endpoint.h"
#include "log.h"
#include "sanitize.h"
#include "wipe.h"

#include <curl/curl.h>
#include <limits.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

_Static_assert(HTTP_ERR_TIMEOUT == CURLE_OPERATION_TIMEDOUT, "HTTP_ERR_TIMEOUT");
_Static_assert(HTTP_ERR_TOO_LARGE == CURLE_FILESIZE_EXCEEDED, "HTTP_ERR_TOO_LARGE");

#define DEFAULT_CONNECT_MS 5000L
#define DEFAULT_REQUEST_MS 15000L
#define DEFAULT_MAX_BODY   ((size_t)1 << 20)
#define MAX_IDLE_CONNS     64L
#define MAX_POLL_MS        1000L
#define MAX_GATES          16 /* hosts whose throttling a client remembers */
#define ORIGIN_MAX         300

/* A host's throttling, remembered across the waves of a client: how many of its answers were
 * throttles (the backoff's exponent, so later waves keep the pace the fleet found). */
struct gate {
	char origin[ORIGIN_MAX];
	int level;
};

struct http_client {
	CURLM *multi;
	CURLSH *share;
	struct http_opts o; /* defaults filled in; o.envp and o.ca_paths are not kept */
	struct cacert_src ca;
	X509_STORE *trust; /* loaded by the first wave with an https URL, for every connection */
	struct awserr_quota quota;
	struct gate gates[MAX_GATES];
	size_t n_gates;
};

enum xfer_state { XFER_WAITING, XFER_RUNNING, XFER_DONE };

/* One request's life inside http_run. */
struct xfer {
	struct http_client *c;
	struct http_req *req;
	CURL *easy;
	struct curl_slist *hdrs;
	enum xfer_state state;
	long long start_at; /* earliest start of the next attempt, when XFER_WAITING */
	int quota_taken;    /* retry-quota tokens the last retry took, refunded on a 2xx */
	int capped;         /* this attempt's timeouts were shortened to meet the deadline */
	int too_big, oom, hdr_too_big;
	int gated;   /* throttled while another request to its host backs off: waits for it */
	int probing; /* the one request to its host that may back off or go after a throttle */
	int level;   /* the throttle count when the host has no gate entry (the table is full) */
	char origin[ORIGIN_MAX]; /* scheme://host:port, no user info: the gate's key */
	char errbuf[CURL_ERROR_SIZE];
};

/* One http_run: the requests of the wave and their deadline. */
struct run {
	struct http_client *c;
	struct xfer *xs;
	size_t n;
	long long deadline;
};

static unsigned rand_getrandom(void)
{
	unsigned v = 0;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	/* Jitter only spreads retries out; the clock will do when the pool is not ready. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned)ts.tv_nsec * 2654435761u;
}

static int global_init(void)
{
	static int ready;

	if (!ready && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
		ready = 1;
	return ready ? 0 : -1;
}

static void opts_fill(struct http_opts *o)
{
	if (o->connect_timeout_ms <= 0)
		o->connect_timeout_ms = DEFAULT_CONNECT_MS;
	if (o->request_timeout_ms <= 0)
		o->request_timeout_ms = DEFAULT_REQUEST_MS;
	if (o->max_attempts <= 0)
		o->max_attempts = AWSERR_MAX_ATTEMPTS;
	if (o->max_body == 0)
		o->max_body = DEFAULT_MAX_BODY;
	if (!o->rand_u32)
		o->rand_u32 = rand_getrandom;
}

int http_client_new(struct http_client **out, const struct http_opts *o, struct shim_err *err)
{
	static const struct http_opts defaults;
	struct http_client *c;

	if (!o)
		o = &defaults;
	if (global_init() < 0)
		return shim_err_set(err, SHIM_EX_INTERNAL, "libcurl: global initialisation failed");
	c = calloc(1, sizeof(*c));
	if (!c)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	/* A CA variable naming nothing readable fails now; finding no bundle at all waits for
	 * the first https URL (plain http to a local endpoint needs none). */
	if (cacert_locate(&c->ca, o->envp, o->ca_paths, err) < 0) {
		free(c);
		return -1;
	}
	c->o = *o;
	c->o.envp = NULL;
	c->o.ca_paths = NULL;
	opts_fill(&c->o);
	awserr_quota_init(&c->quota);
	c->multi = curl_multi_init();
	c->share = curl_share_init();
	if (!c->multi || !c->share)
		goto fail;
	/* One run is single-threaded: the share needs no lock callbacks. */
	if (curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
	    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) !=
	            CURLSHE_OK ||
	    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, MAX_IDLE_CONNS) != CURLM_OK)
		goto fail;
	*out = c;
	return 0;
fail:
	http_client_free(c);
	return shim_err_set(err, SHIM_EX_INTERNAL, "libcurl: cannot set up the HTTP client");
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	if (c->multi)
		curl_multi_cleanup(c->multi);
	if (c->share)
		curl_share_cleanup(c->share);
	X509_STORE_free(c->trust);
	cacert_src_free(&c->ca);
	free(c);
}

/* Forget the outcome of an attempt, keeping the attempt count and the deadline flag. */
static void req_clear_outcome(struct http_req *r)
{
	buf_free(&r->resp);
	free(r->error_type);
	free(r->request_id);
	r->error_type = r->request_id = NULL;
	r->status = 0;
	r->transport_error = 0;
	r->errmsg[0] = '\0';
}

void http_req_free(struct http_req *r)
{
	req_clear_outcome(r);
	r->attempts = 0;
	r->deadline_hit = 0;
}

int http_url_check(const char *url, struct shim_err *err)
{
	return http_url_check_req(url, 0, err);
}

int http_url_check_req(const char *url, int allow_http, struct shim_err *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (!u)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	/* The URL itself is not echoed: it could carry user:password. */
	if (!url || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		shim_err_set(err, SHIM_EX_DATA, "not a valid http(s) URL");
		goto out;
	}
	if (strcasecmp(scheme, "https") == 0 ||
	    (strcasecmp(scheme, "http") == 0 && (allow_http || endpoint_host_class(host))))
		rc = 0;
	else if (strcasecmp(scheme, "http") == 0)
		shim_err_set(err, SHIM_EX_DATA,
		             "refusing plain http to %.100s: https is required except for "
		             "loopback, the ECS/EKS credential endpoints and IMDS",
		             host);
	else
		shim_err_set(err, SHIM_EX_DATA, "unsupported URL scheme %.20s (http or https only)",
		             scheme);
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* Take "Name: value" into *dst when the line is that header; -1 on out of memory. */
static int header_take(const char *p, size_t len, const char *name, char **dst)
{
	size_t nl = strlen(name);
	char *v;

	if (len <= nl || p[nl] != ':' || strncasecmp(p, name, nl) != 0)
		return 0;
	p += nl + 1;
	len -= nl + 1;
	while (len && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' '))
		len--;
	v = strndup(p, len);
	if (!v)
		return -1;
	free(*dst);
	*dst = v;
	return 0;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct http_req *r = x->req;
	size_t len = size * nmemb;

	/* A new status line (after a 1xx or a proxy's CONNECT answer) starts a new header set. */
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		free(r->error_type);
		free(r->request_id);
		r->error_type = r->request_id = NULL;
		return len;
	}
	if (header_take(p, len, "x-amzn-errortype", &r->error_type) < 0 ||
	    header_take(p, len, "x-amzn-requestid", &r->request_id) < 0 ||
	    header_take(p, len, "x-amz-request-id", &r->request_id) < 0) {
		x->oom = 1;
		return 0;
	}
	return len;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct buf *b = &x->req->resp;
	size_t len = size * nmemb;

	if (len > x->c->o.max_body - b->len) {
		x->too_big = 1;
		return 0;
	}
	buf_put(b, p, len);
	if (buf_oom(b)) {
		x->oom = 1;
		return 0;
	}
	return len;
}

static int xfer_headers(struct xfer *x)
{
	const char *const *h;
	struct curl_slist *l;

	for (h = x->req->headers; h && *h; h++) {
		if (!(l = curl_slist_append(x->hdrs, *h)))
			return -1;
		x->hdrs = l;
	}
	/* No "Expect: 100-continue" round trip for larger bodies. */
	if (!(l = curl_slist_append(x->hdrs, "Expect:")))
		return -1;
	x->hdrs = l;
	return 0;
}

static int xfer_method(CURL *e, const struct http_req *r)
{
	const char *m = r->method ? r->method : "GET";
	int bad = 0;

	if (strcmp(m, "GET") == 0)
		return curl_easy_setopt(e, CURLOPT_HTTPGET, 1L) != CURLE_OK;
	if (strcmp(m, "HEAD") == 0)
		return curl_easy_setopt(e, CURLOPT_NOBODY, 1L) != CURLE_OK;
	/* Anything else sends a body, maybe empty (Content-Length: 0), the same on each attempt. */
	bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
	                        (curl_off_t)(r->body ? r->body_len : 0)) != CURLE_OK;
	if (strcmp(m, "POST") != 0)
		bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m) != CURLE_OK;
	return bad;
}

/* Every TLS connection (to an endpoint or to an https proxy) verifies against the client's
 * one trust store. */
static CURLcode ssl_ctx_trust(CURL *e, void *ssl_ctx, void *ud)
{
	struct http_client *c = ud;

	(void)e;
	if (!c->trust)
		return CURLE_SSL_CACERT_BADFILE;
	SSL_CTX_set1_cert_store(ssl_ctx, c->trust);
	return CURLE_OK;
}

/* A libcurl built without a feature refuses its options; what it lacks needs no setting. */
static int setopt_if_built(CURLcode rc)
{
	return rc != CURLE_OK && rc != CURLE_UNKNOWN_OPTION && rc != CURLE_NOT_BUILT_IN;
}

/* No CA file or directory of libcurl's own (its compiled-in defaults name paths of the machine
 * it was built on, and Debian's CA path would load the bundle again for every connection): the
 * trust store comes from ssl_ctx_trust only. */
static int xfer_tls(CURL *e, struct http_client *c)
{
	int bad = 0;

	bad |= curl_easy_setopt(e, CURLOPT_CAINFO, (char *)NULL) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_CAPATH, (char *)NULL) != CURLE_OK;
	/* HTTPS proxies too (a libcurl built without proxies has no such options). */
	bad |= setopt_if_built(curl_easy_setopt(e, CURLOPT_PROXY_CAINFO, (char *)NULL));
	bad |= setopt_if_built(curl_easy_setopt(e, CURLOPT_PROXY_CAPATH, (char *)NULL));
#if LIBCURL_VERSION_NUM >= 0x075700
	/* libcurl's own cache would hold (and swap in) the empty store it made. */
	bad |= setopt_if_built(curl_easy_setopt(e, CURLOPT_CA_CACHE_TIMEOUT, 0L));
#endif
	bad |= curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_trust) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, (void *)c) != CURLE_OK;
	return bad;
}

/* The gate's key and the events' host: scheme://host:port, without the URL's user info. */
static void xfer_origin(struct xfer *x)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, x->req->url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		snprintf(x->origin, sizeof(x->origin), "%s://%s:%s", scheme, host, port);
	else
		snprintf(x->origin, sizeof(x->origin), "?://?");
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

static int xfer_setup(struct xfer *x)
{
	const struct http_opts *o = &x->c->o;
	CURL *e;
	int bad = 0;

	if (!(x->easy = e = curl_easy_init()) || xfer_headers(x) < 0)
		return -1;
	xfer_origin(x);
	bad |= curl_easy_setopt(e, CURLOPT_URL, x->req->url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)x) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SHARE, x->c->share) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	if (strncasecmp(x->req->url, "http://", 7) == 0) /* plain http: never through a proxy */
		bad |= curl_easy_setopt(e, CURLOPT_NOPROXY, "*") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK;
	bad |= xfer_tls(e, x->c);
	bad |= curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)x) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)x) != CURLE_OK;
	/* Refuses an announced Content-Length over the cap before any byte of it arrives. */
	bad |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body) != CURLE_OK;
	bad |= xfer_method(e, x->req);
	return bad ? -1 : 0;
}

static void xfer_free(struct http_client *c, struct xfer *x)
{
	struct curl_slist *l;

	if (x->state == XFER_RUNNING)
		curl_multi_remove_handle(c->multi, x->easy);
	if (x->easy)
		curl_easy_cleanup(x->easy);
	/* Headers carry the signature and maybe a session token. */
	for (l = x->hdrs; l; l = l->next)
		wipe(l->data, strlen(l->data));
	curl_slist_free_all(x->hdrs);
}

/* The deadline passed before an attempt could start: keep the last outcome, if any. */
static void xfer_expire(struct xfer *x)
{
	struct http_req *r = x->req;

	if (r->attempts == 0) {
		r->transport_error = CURLE_OPERATION_TIMEDOUT;
		snprintf(r->errmsg, sizeof(r->errmsg),
		         "deadline reached before the request was sent");
	}
	r->deadline_hit = 1;
	x->state = XFER_DONE;
}

static int xfer_start(struct http_client *c, struct xfer *x, long long now, long long deadline)
{
	long total = c->o.request_timeout_ms, conn = c->o.connect_timeout_ms;

	if (x->req->timeout_ms > 0)
		total = conn = x->req->timeout_ms;

	x->capped = 0;
	if (deadline) {
		long long left = deadline - now;

		if (left <= 0) {
			xfer_expire(x);
			return 0;
		}
		if (left < total) {
			total = (long)left;
			x->capped = 1;
		}
		if (left < conn)
			conn = (long)left;
	}
	req_clear_outcome(x->req);
	x->too_big = x->oom = x->hdr_too_big = 0;
	x->errbuf[0] = '\0';
	if (curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, total) != CURLE_OK ||
	    curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, conn) != CURLE_OK ||
	    curl_multi_add_handle(c->multi, x->easy) != CURLM_OK)
		return -1;
	x->req->attempts++;
	x->state = XFER_RUNNING;
	return 0;
}

static int transport_retryable(CURLcode res)
{
	switch (res) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* A libcurl error text for errmsg. Texts with byte counts ("transfer closed with 402 bytes
 * remaining", "... with 10 out of 100 bytes received") would tell a value's length (DESIGN 6):
 * they become fixed texts, the count only at debug. libcurl says "Out of memory" for a header
 * line over its 100 kB limit: that is told as it is unless memory really is short. */
static void transport_text(struct xfer *x, CURLcode res)
{
	char *msg = x->req->errmsg;
	size_t cap = sizeof(x->req->errmsg);
	const char *t = x->errbuf[0] ? x->errbuf : curl_easy_strerror(res);
	void *probe;

	if (res == CURLE_OUT_OF_MEMORY && (probe = malloc((size_t)1 << 20))) {
		free(probe);
		x->hdr_too_big = 1;
		snprintf(msg, cap, "a response header line is too long (over 100 kB)");
	} else if (strncmp(t, "Too large response headers", 26) == 0) {
		x->hdr_too_big = 1;
		snprintf(msg, cap, "the response headers are too large (over 300 kB)");
	} else if (strcasestr(t, "byte")) {
		log_debug("%s: %s", x->origin, t);
		if (res == CURLE_PARTIAL_FILE)
			snprintf(msg, cap,
			         "the connection closed before the whole response arrived");
		else if (res == CURLE_OPERATION_TIMEDOUT)
			snprintf(msg, cap,
			         "the request timed out before the whole response arrived");
		else
			snprintf(msg, cap, "%s", curl_easy_strerror(res));
	} else {
		/* libcurl's other texts name hosts, ports and times, never payload bytes. */
		sanitize_text(msg, cap, t, strlen(t));
	}
}

static void record_transport_error(struct xfer *x, CURLcode res)
{
	struct http_req *r = x->req;
	size_t max = x->c->o.max_body;

	req_clear_outcome(r);
	if (x->too_big || res == CURLE_FILESIZE_EXCEEDED) {
		r->transport_error = CURLE_FILESIZE_EXCEEDED;
		if (max % ((size_t)1 << 20) == 0)
			snprintf(r->errmsg, sizeof(r->errmsg), "response body larger than %zu MiB",
			         max >> 20);
		else
			snprintf(r->errmsg, sizeof(r->errmsg),
			         "response body larger than %zu bytes", max);
		return;
	}
	if (x->oom) {
		r->transport_error = CURLE_OUT_OF_MEMORY;
		snprintf(r->errmsg, sizeof(r->errmsg), "out of memory reading the response");
		return;
	}
	r->transport_error = (int)res;
	transport_text(x, res);
	if (res == CURLE_OPERATION_TIMEDOUT && x->capped) {
		size_t l = strlen(r->errmsg);

		snprintf(r->errmsg + l, sizeof(r->errmsg) - l, " (deadline reached)");
	}
}

static enum awserr_class response_class(const struct http_req *r)
{
	struct awserr e;

	awserr_parse(&e, r->status, r->error_type, r->resp.ptr, r->resp.len);
	return e.cls;
}

/* The host's throttle count: in the client's table, or the request's own when it is full. */
static int *gate_level(struct http_client *c, struct xfer *x)
{
	size_t i;

	for (i = 0; i < c->n_gates; i++)
		if (strcmp(c->gates[i].origin, x->origin) == 0)
			return &c->gates[i].level;
	if (c->n_gates == MAX_GATES)
		return &x->level;
	snprintf(c->gates[c->n_gates].origin, ORIGIN_MAX, "%s", x->origin);
	c->gates[c->n_gates].level = x->level;
	return &c->gates[c->n_gates++].level;
}

/* The request that holds x's host's gate, other than x; or NULL. */
static struct xfer *gate_holder(struct run *rn, const struct xfer *x)
{
	for (size_t i = 0; i < rn->n; i++) {
		struct xfer *y = &rn->xs[i];
		if (y != x && y->probing && y->state != XFER_DONE &&
		    strcmp(y->origin, x->origin) == 0)
			return y;
	}
	return NULL;
}

/* x gave up its host's gate: the first request waiting at it goes now, and holds it. */
static void gate_release(struct run *rn, struct xfer *x, long long now)
{
	x->probing = 0;
	for (size_t i = 0; i < rn->n; i++) {
		struct xfer *y = &rn->xs[i];
		if (y->gated && strcmp(y->origin, x->origin) == 0) {
			y->gated = 0;
			y->probing = 1;
			y->level = x->level;
			y->start_at = now;
			return;
		}
	}
}

static void retry_event(const struct xfer *x, int throttled, long delay, const char *how)
{
	const struct http_req *r = x->req;
	const char *host = strstr(x->origin, "://");

	host = host ? host + 3 : x->origin;
	log_event(LOG_INFO, throttled ? "throttled" : "retry",
	          LOG_FIELDS(LOG_INT("attempt", r->attempts), LOG_INT("delay_ms", delay),
	                     LOG_STR("op", r->op), LOG_STR("host", host)),
	          "%s to %s: %s after attempt %d; %s %ld ms", r->op ? r->op : "request", host,
	          throttled ? "throttled" : "failed", r->attempts, how, delay);
}

/* A throttled request: back off (full jitter, the host's throttle count as the exponent)
 * unless another request to the host is backing off already: then wait for that one. */
static void retry_throttled(struct run *rn, struct xfer *x, long long now)
{
	struct xfer *holder = gate_holder(rn, x);
	int *level;
	long delay;

	if (holder) {
		x->gated = 1;
		x->start_at = LLONG_MAX;
		x->state = XFER_WAITING;
		delay = holder->state == XFER_WAITING && holder->start_at > now
		                ? (long)(holder->start_at - now)
		                : 0;
		retry_event(x, 1, delay, "waits for the request ahead of it, at least");
		return;
	}
	level = gate_level(rn->c, x);
	if (*level < INT_MAX)
		++*level;
	x->level = *level;
	delay = awserr_backoff_ms(*level, (double)rn->c->o.rand_u32() / 4294967296.0);
	if (rn->deadline && now + delay >= rn->deadline) {
		x->req->deadline_hit = 1;
		return;
	}
	x->probing = 1;
	x->quota_taken = 0;
	x->start_at = now + delay;
	x->state = XFER_WAITING;
	retry_event(x, 1, delay, "next attempt in");
}

/* A standard-mode retry: counted attempts, the retry quota, full-jitter backoff. */
static void retry_standard(struct run *rn, struct xfer *x, long long now, int timed_out)
{
	struct http_client *c = rn->c;
	struct http_req *r = x->req;
	long delay = awserr_backoff_ms(r->attempts, (double)c->o.rand_u32() / 4294967296.0);

	if (rn->deadline && now + delay >= rn->deadline) {
		r->deadline_hit = 1;
		return;
	}
	x->quota_taken = awserr_quota_acquire(&c->quota, timed_out);
	if (!x->quota_taken)
		return;
	x->start_at = now + delay;
	x->state = XFER_WAITING;
	retry_event(x, 0, delay, "next attempt in");
}

/* An attempt ended: record it, then either finish the request or schedule its retry. */
static void xfer_finish(struct run *rn, struct xfer *x, CURLcode res, long long now)
{
	struct http_client *c = rn->c;
	struct http_req *r = x->req;
	int timed_out = res == CURLE_OPERATION_TIMEDOUT;
	enum awserr_class cls = AWSERR_NONE;
	enum awserr_retry next = AWSERR_RETRY_NO;

	curl_multi_remove_handle(c->multi, x->easy);
	x->state = XFER_DONE;
	if (res == CURLE_OK && !x->oom && !x->too_big) {
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r->status);
		if (r->status >= 200 && r->status < 300)
			awserr_quota_release(&c->quota, x->quota_taken);
		else
			cls = response_class(r);
	} else {
		record_transport_error(x, res);
		cls = transport_retryable(res) && !x->oom && !x->too_big && !x->hdr_too_big
		              ? AWSERR_TRANSIENT
		              : AWSERR_OTHER;
		if (timed_out && x->capped)
			r->deadline_hit = 1;
	}
	if (cls != AWSERR_NONE && !r->deadline_hit)
		next = awserr_retry_decide(
		        cls, r->attempts, r->max_attempts > 0 ? r->max_attempts : c->o.max_attempts,
		        rn->deadline != 0);
	if (next == AWSERR_RETRY_THROTTLED)
		retry_throttled(rn, x, now);
	else if (next == AWSERR_RETRY_STANDARD)
		retry_standard(rn, x, now, timed_out);
	/* The gate passes on when its holder has an answer or stops backing off for a throttle. */
	if (x->probing && (x->state == XFER_DONE || next != AWSERR_RETRY_THROTTLED))
		gate_release(rn, x, now);
}

/* Start due attempts; return how long the loop may sleep before the next one is due. */
static long start_due(struct run *rn, int *pending)
{
	long long now = clock_ms();
	long wait = MAX_POLL_MS;
	size_t i;

	*pending = 0;
	for (i = 0; i < rn->n; i++) {
		struct xfer *x = &rn->xs[i];

		/* Waiting at a gate whose holder the deadline stopped. */
		if (x->state == XFER_WAITING && x->gated && rn->deadline && now >= rn->deadline)
			xfer_expire(x);
		if (x->state == XFER_WAITING && x->start_at <= now &&
		    xfer_start(rn->c, x, now, rn->deadline) < 0)
			return -1;
		if (x->state == XFER_WAITING && x->start_at - now < wait)
			wait = (long)(x->start_at - now);
		if (x->state != XFER_DONE)
			*pending = 1;
	}
	return wait;
}

/* The first time the loop would wait with nothing ready (the ClientHellos are out, the
 * answers not in yet), key the trust store's bundle: 1 when that was done, so the loop looks
 * at its connections again; 0 when there is nothing to do or a socket is ready already. */
static int idle_work(struct http_client *c)
{
	long due = -1;
	int ready = 0;

	if (!cacert_pending(c->trust))
		return 0;
	/* libcurl would act at once (a connection step it times itself), or a socket is ready. */
	if (curl_multi_timeout(c->multi, &due) != CURLM_OK || due == 0 ||
	    curl_multi_poll(c->multi, NULL, 0, 0, &ready) != CURLM_OK || ready > 0)
		return 0;
	cacert_prepare(c->trust);
	return 1;
}

static int run_loop(struct run *rn, struct shim_err *err)
{
	struct http_client *c = rn->c;

	for (;;) {
		int running, pending, left;
		long wait = start_due(rn, &pending);
		CURLMsg *m;

		if (wait < 0)
			return shim_err_set(err, SHIM_EX_INTERNAL,
			                    "libcurl: cannot start a request");
		if (!pending)
			return 0;
		if (curl_multi_perform(c->multi, &running) != CURLM_OK)
			return shim_err_set(err, SHIM_EX_INTERNAL, "libcurl: multi perform failed");
		while ((m = curl_multi_info_read(c->multi, &left))) {
			CURL *e = m->easy_handle;
			CURLcode res = m->data.result;
			char *priv = NULL;

			/* m dies with the handle's removal: copy it out first. */
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
			xfer_finish(rn, (struct xfer *)(void *)priv, res, clock_ms());
			wait = 0;
		}
		if (wait && idle_work(c))
			continue;
		if (wait && curl_multi_poll(c->multi, NULL, 0, (int)wait, NULL) != CURLM_OK)
			return shim_err_set(err, SHIM_EX_INTERNAL, "libcurl: multi poll failed");
	}
}

/* The trust store, loaded once, when a wave first has an https URL. */
static int trust_load(struct http_client *c, struct http_req **reqs, size_t n, struct shim_err *err)
{
	size_t i;

	if (c->trust)
		return 0;
	for (i = 0; i < n && strncasecmp(reqs[i]->url, "https:", 6) != 0; i++)
		;
	return i == n ? 0 : cacert_load(&c->trust, &c->ca, err);
}

int http_run(struct http_client *c, struct http_req **reqs, size_t n, long long deadline_ms,
             struct shim_err *err)
{
	struct xfer *xs;
	size_t i;
	int rc = -1;

	for (i = 0; i < n; i++)
		if (http_url_check_req(reqs[i]->url, reqs[i]->allow_http, err) < 0)
			return -1;
	if (n == 0)
		return 0;
	if (trust_load(c, reqs, n, err) < 0)
		return -1;
	xs = calloc(n, sizeof(*xs));
	if (!xs)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	for (i = 0; i < n; i++) {
		xs[i].c = c;
		xs[i].req = reqs[i];
		xs[i].state = XFER_WAITING;
		http_req_free(reqs[i]);
	}
	for (i = 0; i < n; i++)
		if (xfer_setup(&xs[i]) < 0) {
			shim_err_set(err, SHIM_EX_INTERNAL, "libcurl: cannot set up a request");
			goto out;
		}
	rc = run_loop(&(struct run){c, xs, n, deadline_ms}, err);
	/* A bundle with no usable certificate is the error, before what it made of the wave. */
	if (rc == 0 && cacert_check(c->trust, &c->ca, err) < 0)
		rc = -1;
out:
	for (i = 0; i < n; i++)
		xfer_free(c, &xs[i]);
	free(xs);
	return rc;
}
