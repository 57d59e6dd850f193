/* Tests of shim/http.c against a scripted plain-HTTP/1.1 server that the test forks on
 * 127.0.0.1: retries, timeouts, the body cap, the deadline, concurrency of a wave, connection
 * reuse across waves, and the refusal of plain http to other hosts. */
#include "http.h"
#include "awserr.h"
#include "clock.h"
#include "log.h"
#include "unit.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Counters the server child shares with the test (MAP_SHARED). */
struct srv_stats {
	atomic_int accepts;
	atomic_int requests;
};

static struct srv_stats *stats;
static pid_t srv_pid = -1;
static int srv_port;

/* ---- the server (child process) ---- */

struct path_count {
	char path[128];
	int n;
};

static struct path_count counts[512];
static pthread_mutex_t counts_lock = PTHREAD_MUTEX_INITIALIZER;

/* How many times this exact path was requested, this one included. */
static int path_hit(const char *path)
{
	int i, n = 0;

	pthread_mutex_lock(&counts_lock);
	for (i = 0; i < 512; i++) {
		if (counts[i].path[0] == '\0')
			snprintf(counts[i].path, sizeof(counts[i].path), "%s", path);
		if (strcmp(counts[i].path, path) == 0) {
			n = ++counts[i].n;
			break;
		}
	}
	pthread_mutex_unlock(&counts_lock);
	return n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void respond(int fd, int status, const char *extra, const char *body, size_t len)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof(head),
	             "HTTP/1.1 %d Scripted\r\nContent-Length: %zu\r\n"
	             "x-amzn-RequestId: rid-%d\r\n%s\r\n",
	             status, len, atomic_load(&stats->requests), extra ? extra : "");
	if (send_all(fd, head, (size_t)n) == 0)
		send_all(fd, body, len);
}

static void respond_str(int fd, int status, const char *extra, const char *body)
{
	respond(fd, status, extra, body, strlen(body));
}

static void send_filler(int fd, size_t size)
{
	static char chunk[4096];

	memset(chunk, 'x', sizeof(chunk));
	while (size) {
		size_t k = size < sizeof(chunk) ? size : sizeof(chunk);

		if (send_all(fd, chunk, k) < 0)
			return;
		size -= k;
	}
}

static void respond_big(int fd, size_t size, int announce)
{
	char head[256];
	int n;

	if (announce)
		n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
		             size);
	else
		n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
	if (send_all(fd, head, (size_t)n) == 0)
		send_filler(fd, size);
}

#define THROTTLE_HDR "X-Amzn-ErrorType: ThrottlingException:http://internal.amazon.com/coral/\r\n"

/* Answer one request; returns 1 when the connection must be closed afterwards. */
static int handle(int fd, const char *path, const char *body, size_t blen, int expect)
{
	int n = path_hit(path);

	if (expect)
		respond_str(fd, 417, NULL, "unexpected Expect header");
	else if (strncmp(path, "/ok", 3) == 0)
		respond_str(fd, 200, NULL, "hello");
	else if (strncmp(path, "/echo", 5) == 0)
		respond(fd, 200, NULL, body, blen);
	else if (strncmp(path, "/s503", 5) == 0 && n == 1)
		respond_str(fd, 503, NULL, "{\"__type\":\"ServiceUnavailable\"}");
	else if (strncmp(path, "/always503", 10) == 0)
		respond_str(fd, 503, NULL, "{\"__type\":\"ServiceUnavailable\"}");
	else if (strncmp(path, "/thr5", 5) == 0 && n <= 5)
		respond_str(fd, 400, THROTTLE_HDR,
		            "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}");
	else if (strncmp(path, "/alwaysthrottle", 15) == 0)
		respond_str(fd, 400, THROTTLE_HDR,
		            "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}");
	else if (strncmp(path, "/longheader", 11) == 0) {
		/* One header line over libcurl's 100 kB limit. */
		static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Big: ";

		if (send_all(fd, head, sizeof(head) - 1) == 0)
			send_filler(fd, 150000);
		send_all(fd, "\r\n\r\nok", 6);
		return 1;
	} else if (strncmp(path, "/manyheaders", 12) == 0) {
		/* Lines under the limit, but over libcurl's 300 kB for all of them. */
		static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n";

		send_all(fd, head, sizeof(head) - 1);
		for (int i = 0; i < 8; i++) {
			send_all(fd, "X-Pad: ", 7);
			send_filler(fd, 60000);
			send_all(fd, "\r\n", 2);
		}
		send_all(fd, "\r\nok", 4);
		return 1;
	} else if (strncmp(path, "/throttle", 9) == 0 && n <= 2)
		respond_str(fd, 400, THROTTLE_HDR,
		            "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}");
	else if (strncmp(path, "/deny", 5) == 0)
		respond_str(fd, 400, "X-Amzn-ErrorType: AccessDeniedException\r\n",
		            "{\"__type\":\"AccessDeniedException\",\"Message\":\"no\"}");
	else if (strncmp(path, "/close", 6) == 0 && n == 1)
		return 1;
	else if (strncmp(path, "/partial", 8) == 0) {
		static const char head[] =
		        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nSECRETBODY";

		send_all(fd, head, sizeof(head) - 1);
		return 1;
	} else if (strncmp(path, "/stall", 6) == 0) {
		struct pollfd p = {fd, POLLIN, 0};

		poll(&p, 1, 3000); /* until the client gives up and closes */
		return 1;
	} else if (strncmp(path, "/slow", 5) == 0) {
		sleep_ms(200);
		respond_str(fd, 200, NULL, "slow");
	} else if (strncmp(path, "/big/", 5) == 0)
		respond_big(fd, strtoul(path + 5, NULL, 10), 1);
	else if (strncmp(path, "/stream/", 8) == 0) {
		respond_big(fd, strtoul(path + 8, NULL, 10), 0);
		return 1;
	} else if (n > 1)
		respond_str(fd, 200, NULL, "ok after retries");
	else
		respond_str(fd, 404, NULL, "no such script");
	return 0;
}

struct conn {
	int fd;
	size_t have;
	char buf[70000];
};

/* Read one request into c->buf; returns its size, or -1 when the connection ended. */
static long conn_read(struct conn *c, char *path, size_t pathcap, size_t *hlen, size_t *blen,
                      int *expect)
{
	char *end, *cl, *ex, *sp;
	size_t plen;
	ssize_t n;

	for (;;) {
		c->buf[c->have] = '\0';
		if ((end = strstr(c->buf, "\r\n\r\n")))
			break;
		if (c->have >= sizeof(c->buf) - 1)
			return -1;
		n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - 1 - c->have, 0);
		if (n <= 0)
			return -1;
		c->have += (size_t)n;
	}
	*hlen = (size_t)(end + 4 - c->buf);
	sp = strchr(c->buf, ' ');
	if (!sp || sp > end)
		return -1;
	plen = strcspn(sp + 1, " \r");
	if (plen == 0 || plen >= pathcap)
		return -1;
	memcpy(path, sp + 1, plen);
	path[plen] = '\0';
	cl = strcasestr(c->buf, "\r\ncontent-length:");
	*blen = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
	ex = strcasestr(c->buf, "\r\nexpect:");
	*expect = ex && ex < end;
	if (*hlen + *blen > sizeof(c->buf) - 1)
		return -1;
	while (c->have < *hlen + *blen) {
		n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - 1 - c->have, 0);
		if (n <= 0)
			return -1;
		c->have += (size_t)n;
	}
	return (long)(*hlen + *blen);
}

static void *serve_conn(void *arg)
{
	struct conn *c = arg;
	char path[128];
	size_t hlen, blen;
	int expect, one = 1;
	long used;

	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while ((used = conn_read(c, path, sizeof(path), &hlen, &blen, &expect)) > 0) {
		atomic_fetch_add(&stats->requests, 1);
		if (handle(c->fd, path, c->buf + hlen, blen, expect))
			break;
		c->have -= (size_t)used;
		memmove(c->buf, c->buf + used, c->have);
	}
	close(c->fd);
	free(c);
	return NULL;
}

static void serve(int lfd)
{
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		struct conn *c;
		pthread_t t;

		if (fd < 0)
			continue;
		atomic_fetch_add(&stats->accepts, 1);
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		if (pthread_create(&t, NULL, serve_conn, c) != 0) {
			close(fd);
			free(c);
			continue;
		}
		pthread_detach(t);
	}
}

static int server_start(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int lfd, one = 1;

	stats = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
	             0);
	if (stats == MAP_FAILED)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 128) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0)
		return -1;
	srv_port = ntohs(a.sin_port);
	fflush(NULL);
	srv_pid = fork();
	if (srv_pid < 0)
		return -1;
	if (srv_pid == 0) {
		serve(lfd);
		_exit(0);
	}
	close(lfd);
	return 0;
}

/* ---- helpers of the tests ---- */

static unsigned rand_zero(void)
{
	return 0;
}

static unsigned rand_max(void)
{
	return 0xffffffffu;
}

static char *url(const char *path)
{
	static char bufs[16][128];
	static int next;
	char *u = bufs[next++ % 16];

	snprintf(u, 128, "http://127.0.0.1:%d%s", srv_port, path);
	return u;
}

static struct http_client *client(long request_ms, size_t max_body, unsigned (*rnd)(void))
{
	struct http_opts o = {.connect_timeout_ms = 2000,
	                      .request_timeout_ms = request_ms,
	                      .max_body = max_body,
	                      .rand_u32 = rnd};
	struct http_client *c = NULL;
	struct shim_err err = {0};

	if (http_client_new(&c, &o, &err) < 0)
		fprintf(stderr, "http_client_new: %s\n", err.msg);
	return c;
}

static int run_one(struct http_client *c, struct http_req *r, long long deadline)
{
	struct http_req *v[1] = {r};
	struct shim_err err = {0};
	int rc = http_run(c, v, 1, deadline, &err);

	if (rc < 0)
		fprintf(stderr, "http_run: %s\n", err.msg);
	return rc;
}

static struct http_req get(const char *path)
{
	struct http_req r = {.method = "GET", .url = url(path)};

	return r;
}

/* ---- the tests ---- */

static void test_ok(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_req r = get("/ok/1");

	CHECK(c);
	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 200);
	CHECK_STR(buf_cstr(&r.resp), "hello");
	CHECK_INT(r.attempts, 1);
	CHECK_INT(r.transport_error, 0);
	CHECK(r.error_type == NULL);
	CHECK(r.request_id && strncmp(r.request_id, "rid-", 4) == 0);
	/* The same request can run again: the outputs are reset, not leaked. */
	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.attempts, 1);
	CHECK_STR(buf_cstr(&r.resp), "hello");
	http_req_free(&r);
	CHECK(r.resp.ptr == NULL && r.request_id == NULL && r.status == 0);
	http_client_free(c);
}

/* A POST body arrives intact, with no "Expect: 100-continue" (the server answers 417 to it). */
static void test_post_body(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	static const char *const hdrs[] = {"Content-Type: application/x-amz-json-1.1",
	                                   "X-Amz-Target: secretsmanager.GetSecretValue", NULL};
	char body[3000];
	struct http_req r = {.method = "POST", .url = url("/echo/1"), .headers = hdrs};

	memset(body, 'b', sizeof(body));
	body[0] = '{';
	r.body = body;
	r.body_len = sizeof(body);
	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.resp.len, sizeof(body));
	CHECK(r.resp.ptr && memcmp(r.resp.ptr, body, sizeof(body)) == 0);
	http_req_free(&r);
	http_client_free(c);
}

static void test_retry_503(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_req r = get("/s503/1");

	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.attempts, 2);
	CHECK_STR(buf_cstr(&r.resp), "ok after retries");
	http_req_free(&r);
	http_client_free(c);
}

static void test_retry_throttling(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_opts o2 = {
	        .request_timeout_ms = 5000, .max_attempts = 2, .rand_u32 = rand_zero};
	struct http_client *c2 = NULL;
	struct shim_err err = {0};
	struct http_req r = get("/throttle/1");
	struct awserr e;

	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.attempts, 3);
	CHECK(r.error_type == NULL);
	http_req_free(&r);

	/* With 2 attempts the throttling answer is final, its header and body kept. */
	CHECK_INT(http_client_new(&c2, &o2, &err), 0);
	r = get("/throttle/2");
	CHECK_INT(run_one(c2, &r, 0), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(r.attempts, 2);
	CHECK_STR(r.error_type, "ThrottlingException:http://internal.amazon.com/coral/");
	awserr_parse(&e, r.status, r.error_type, r.resp.ptr, r.resp.len);
	CHECK_STR(e.code, "ThrottlingException");
	CHECK_STR(e.message, "Rate exceeded");
	CHECK_INT(awserr_exit_status(e.cls), SHIM_EX_UNAVAILABLE);
	http_req_free(&r);
	http_client_free(c2);
	http_client_free(c);
}

/* DESIGN 5.5: under a deadline a throttled request keeps backing off past 3 attempts. */
static void test_throttled_until_deadline(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_req r = get("/thr5/1");

	CHECK_INT(run_one(c, &r, clock_ms() + 10000), 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.attempts, 6);
	CHECK_INT(r.deadline_hit, 0);
	http_req_free(&r);
	http_client_free(c);
}

/* A throttle that never ends stops at the deadline, not before: the next backoff (2 s with the
 * jitter at its top) would pass it, so the last answer stands. */
static void test_throttled_stops_at_deadline(void)
{
	struct http_client *c = client(5000, 0, rand_max);
	struct http_req r = get("/alwaysthrottle/1");
	long long t0 = clock_ms(), dt;

	CHECK_INT(run_one(c, &r, t0 + 1800), 0);
	dt = clock_ms() - t0;
	CHECK_INT(r.status, 400);
	CHECK_INT(r.attempts, 2);
	CHECK_INT(r.deadline_hit, 1);
	CHECK_STR(r.error_type, "ThrottlingException:http://internal.amazon.com/coral/");
	CHECK(dt >= 950 && dt < 1800);
	if (!(dt >= 950 && dt < 1800))
		fprintf(stderr, "  throttled until a 1.8 s deadline took %lld ms\n", dt);
	http_req_free(&r);
	http_client_free(c);
}

static atomic_int rand_calls;

/* A sixteenth of each backoff: 62 ms, 125 ms, 250 ms, 500 ms; long enough for the other
 * requests' first answers to arrive while the first one throttled backs off. */
static unsigned rand_sixteenth_counted(void)
{
	atomic_fetch_add(&rand_calls, 1);
	return 0x10000000u;
}

/* One throttled request per host backs off at a time; the others throttled meanwhile wait for
 * it and go, one by one, when it has its answer. Three requests throttled twice each: the
 * first backs off twice, then each of the others is throttled once more after it is let go:
 * 4 backoffs drawn, not 6, and every request gets its answer. */
static void test_throttled_one_at_a_time(void)
{
	struct http_client *c = client(5000, 0, rand_sixteenth_counted);
	struct http_req rs[3], *v[3];
	struct shim_err err = {0};
	char path[32];
	int i;

	atomic_store(&rand_calls, 0);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/throttle/gate%d", i);
		rs[i] = get(path);
		v[i] = &rs[i];
	}
	CHECK_INT(http_run(c, v, 3, clock_ms() + 10000, &err), 0);
	for (i = 0; i < 3; i++) {
		CHECK_INT(rs[i].status, 200);
		CHECK_INT(rs[i].attempts, 3);
		http_req_free(&rs[i]);
	}
	CHECK_INT(atomic_load(&rand_calls), 4);
	http_client_free(c);
}

static void test_no_retry_denied(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_req r = get("/deny/1");

	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(r.attempts, 1);
	CHECK_STR(r.error_type, "AccessDeniedException");
	http_req_free(&r);
	http_client_free(c);
}

static void test_retry_closed(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_req r = get("/close/1");

	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.attempts, 2);
	CHECK_INT(r.transport_error, 0);
	http_req_free(&r);
	http_client_free(c);
}

/* A body cut short is retried, and the error text never shows the bytes that did arrive. */
static void test_partial_body(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_req r = get("/partial/1");

	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.attempts, 3);
	CHECK(r.transport_error != 0);
	CHECK(r.errmsg[0] != '\0');
	CHECK(strstr(r.errmsg, "SECRET") == NULL);
	/* libcurl's "transfer closed with 90 bytes remaining to read" tells a length. */
	CHECK(strstr(r.errmsg, "90") == NULL && strstr(r.errmsg, "byte") == NULL);
	CHECK_STR(r.errmsg, "the connection closed before the whole response arrived");
	CHECK_INT(r.resp.len, 0);
	http_req_free(&r);
	http_client_free(c);
}

/* Oversized response headers are told as such (libcurl says "Out of memory" for one line over
 * 100 kB), and not retried. */
static void test_header_too_large(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_req r = get("/longheader/1");

	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.attempts, 1);
	CHECK_STR(r.errmsg, "a response header line is too long (over 100 kB)");
	http_req_free(&r);
	r = get("/manyheaders/1");
	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.attempts, 1);
	CHECK_STR(r.errmsg, "the response headers are too large (over 300 kB)");
	http_req_free(&r);
	http_client_free(c);
}

/* A listener standing in for a proxy: it counts the connections it is offered. */
static int proxy_listen(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

static int proxy_accepted(int fd)
{
	int n = 0, s;

	while ((s = accept(fd, NULL, NULL)) >= 0) {
		close(s);
		n++;
	}
	return n;
}

/* DESIGN 5.4: plain http never goes through a proxy, whatever the proxy variables say: to
 * loopback by address and by name, and to a configured endpoint (allow_http). */
static void test_plain_http_no_proxy(void)
{
	static const char *const vars[] = {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"};
	struct http_client *c = client(2000, 0, rand_zero);
	int port = 0, fd = proxy_listen(&port);
	char proxy[64], u[96];
	struct http_req r;
	size_t i;

	CHECK(fd >= 0);
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", port);
	for (i = 0; i < 4; i++)
		setenv(vars[i], proxy, 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	r = get("/ok/proxy1");
	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 200);
	http_req_free(&r);
	snprintf(u, sizeof(u), "http://localhost:%d/ok/proxy2", srv_port);
	r = (struct http_req){.method = "GET", .url = u, .max_attempts = 1};
	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 200);
	http_req_free(&r);
	snprintf(u, sizeof(u), "HTTP://127.0.0.1:%d/ok/proxy3", srv_port);
	r = (struct http_req){.method = "POST", .url = u, .allow_http = 1};
	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 200);
	http_req_free(&r);
	CHECK_INT(proxy_accepted(fd), 0);
	for (i = 0; i < 4; i++)
		unsetenv(vars[i]);
	close(fd);
	http_client_free(c);
}

static void test_timeout(void)
{
	struct http_client *c = client(200, 0, rand_zero);
	struct http_req r = get("/stall/1");
	long long t0 = clock_ms(), dt;

	CHECK_INT(run_one(c, &r, 0), 0);
	dt = clock_ms() - t0;
	CHECK_INT(r.status, 0);
	CHECK_INT(r.attempts, 3);
	CHECK_INT(r.transport_error, HTTP_ERR_TIMEOUT);
	CHECK_INT(r.deadline_hit, 0);
	CHECK(r.errmsg[0] != '\0');
	CHECK(dt >= 550 && dt < 3000);
	if (!(dt >= 550 && dt < 3000))
		fprintf(stderr, "  3 attempts of 200 ms took %lld ms\n", dt);
	http_req_free(&r);
	http_client_free(c);
}

/* Per-request overrides (IMDS on a laptop): one attempt under a short timeout, whatever the
 * client's defaults (15 s transfers, 3 attempts here). */
static void test_request_overrides(void)
{
	struct http_client *c = client(15000, 0, rand_zero);
	struct http_req r = get("/stall/over");
	long long t0 = clock_ms(), dt;

	r.timeout_ms = 300;
	r.max_attempts = 1;
	CHECK_INT(run_one(c, &r, 0), 0);
	dt = clock_ms() - t0;
	CHECK_INT(r.status, 0);
	CHECK_INT(r.attempts, 1);
	CHECK_INT(r.transport_error, HTTP_ERR_TIMEOUT);
	CHECK(dt >= 250 && dt < 2000);
	http_req_free(&r);

	/* A 503 is final with one attempt. */
	r = get("/always503/over");
	r.max_attempts = 1;
	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 503);
	CHECK_INT(r.attempts, 1);
	http_req_free(&r);
	http_client_free(c);
}

/* The timeout covers the connect: a listener whose queue is full never completes it. */
static void test_request_connect_timeout(void)
{
	struct http_client *c = client(15000, 0, rand_zero);
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), fill[4];
	char u[64];
	struct http_req r = {.method = "GET", .url = u, .timeout_ms = 300, .max_attempts = 1};
	long long t0, dt;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(lfd, 0) == 0 &&
	      getsockname(lfd, (struct sockaddr *)&a, &alen) == 0);
	for (int i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&a, sizeof(a));
	}
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/latest/api/token", ntohs(a.sin_port));
	t0 = clock_ms();
	CHECK_INT(run_one(c, &r, 0), 0);
	dt = clock_ms() - t0;
	CHECK_INT(r.status, 0);
	CHECK_INT(r.attempts, 1);
	CHECK_INT(r.transport_error, HTTP_ERR_TIMEOUT);
	CHECK(dt < 2000);
	if (dt >= 2000)
		fprintf(stderr, "  a 300 ms connect timeout took %lld ms\n", dt);
	http_req_free(&r);
	for (int i = 0; i < 4; i++)
		close(fill[i]);
	close(lfd);
	http_client_free(c);
}

static void test_body_cap(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_client *small = client(5000, 1000, rand_zero);
	struct http_req r = get("/big/1048577");

	/* Announced by Content-Length: refused, not retried, nothing kept. */
	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.transport_error, HTTP_ERR_TOO_LARGE);
	CHECK_STR(r.errmsg, "response body larger than 1 MiB");
	CHECK_INT(r.status, 0);
	CHECK_INT(r.resp.len, 0);
	CHECK_INT(r.attempts, 1);
	http_req_free(&r);
	/* Exactly at the cap is fine. */
	r = get("/big/1048576");
	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.resp.len, 1048576);
	http_req_free(&r);
	/* No Content-Length: stopped while streaming. */
	r = get("/stream/1048577");
	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.transport_error, HTTP_ERR_TOO_LARGE);
	CHECK_STR(r.errmsg, "response body larger than 1 MiB");
	CHECK_INT(r.resp.len, 0);
	CHECK_INT(r.attempts, 1);
	http_req_free(&r);
	r = get("/stream/1001");
	CHECK_INT(run_one(small, &r, 0), 0);
	CHECK_INT(r.transport_error, HTTP_ERR_TOO_LARGE);
	CHECK_STR(r.errmsg, "response body larger than 1000 bytes");
	http_req_free(&r);
	r = get("/stream/1000");
	CHECK_INT(run_one(small, &r, 0), 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.resp.len, 1000);
	http_req_free(&r);
	http_client_free(small);
	http_client_free(c);
}

/* The jitter is really waited (rand at its top: about 1 s before the first retry), and the
 * backoffs of a wave run side by side in the one loop: three such retries take 1 s, not 3 s. */
static void test_backoff_waited(void)
{
	struct http_client *c = client(5000, 0, rand_max);
	struct http_req rs[3], *v[3];
	struct shim_err err = {0};
	char path[32];
	long long t0 = clock_ms(), dt;
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/s503/par%d", i);
		rs[i] = get(path);
		v[i] = &rs[i];
	}
	CHECK_INT(http_run(c, v, 3, t0 + 5000, &err), 0);
	dt = clock_ms() - t0;
	for (i = 0; i < 3; i++) {
		CHECK_INT(rs[i].status, 200);
		CHECK_INT(rs[i].attempts, 2);
		http_req_free(&rs[i]);
	}
	CHECK(dt >= 950 && dt < 1800);
	if (!(dt >= 950 && dt < 1800))
		fprintf(stderr, "  three retries after 1 s backoffs took %lld ms\n", dt);
	http_client_free(c);
}

/* A retry the deadline leaves no room for is not waited for: the last answer stands. */
static void test_deadline_backoff(void)
{
	struct http_client *c = client(5000, 0, rand_max);
	struct http_req r = get("/always503/1");
	long long t0 = clock_ms(), dt;

	CHECK_INT(run_one(c, &r, t0 + 300), 0);
	dt = clock_ms() - t0;
	CHECK_INT(r.status, 503);
	CHECK_INT(r.attempts, 1);
	CHECK_INT(r.deadline_hit, 1);
	CHECK(dt < 300 + 150);
	if (dt >= 450)
		fprintf(stderr, "  took %lld ms with a 300 ms deadline\n", dt);
	http_req_free(&r);
	http_client_free(c);
}

/* An attempt in flight is cut at the deadline, even when its own timeout is longer. */
static void test_deadline_in_flight(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_req r = get("/stall/2");
	long long t0 = clock_ms(), dt;

	CHECK_INT(run_one(c, &r, t0 + 300), 0);
	dt = clock_ms() - t0;
	CHECK_INT(r.transport_error, HTTP_ERR_TIMEOUT);
	CHECK_INT(r.deadline_hit, 1);
	CHECK_INT(r.attempts, 1);
	CHECK(strstr(r.errmsg, "deadline") != NULL);
	CHECK(dt >= 250 && dt < 300 + 300);
	if (!(dt >= 250 && dt < 600))
		fprintf(stderr, "  took %lld ms with a 300 ms deadline\n", dt);
	http_req_free(&r);
	http_client_free(c);
}

static void test_deadline_passed(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_req r = get("/ok/2");
	int before = atomic_load(&stats->requests);

	CHECK_INT(run_one(c, &r, clock_ms() - 1), 0);
	CHECK_INT(r.transport_error, HTTP_ERR_TIMEOUT);
	CHECK_INT(r.attempts, 0);
	CHECK_INT(r.deadline_hit, 1);
	CHECK_INT(atomic_load(&stats->requests), before);
	http_req_free(&r);
	http_client_free(c);
}

static int run_wave(struct http_client *c, struct http_req *rs, size_t n, const char *prefix)
{
	struct http_req *v[16];
	struct shim_err err = {0};
	char path[64];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%zu", prefix, i);
		rs[i] = get(path);
		v[i] = &rs[i];
	}
	return http_run(c, v, n, 0, &err);
}

static void free_wave(struct http_req *rs, size_t n, int status)
{
	size_t i;

	for (i = 0; i < n; i++) {
		CHECK_INT(rs[i].status, status);
		http_req_free(&rs[i]);
	}
}

/* Ten 200 ms answers in one wave take about 200 ms, not 2 s. */
static void test_concurrency(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_req rs[10];
	long long t0 = clock_ms(), dt;

	CHECK_INT(run_wave(c, rs, 10, "/slow/conc"), 0);
	dt = clock_ms() - t0;
	CHECK(dt < 1200);
	if (dt >= 1200)
		fprintf(stderr, "  10 concurrent 200 ms requests took %lld ms\n", dt);
	free_wave(rs, 10, 200);
	http_client_free(c);
}

/* A second wave to the same endpoint reuses the first wave's connections. */
static void test_keepalive(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_req rs[3];
	int first, second;

	atomic_store(&stats->accepts, 0);
	CHECK_INT(run_wave(c, rs, 3, "/slow/ka1"), 0);
	free_wave(rs, 3, 200);
	first = atomic_load(&stats->accepts);
	CHECK(first >= 1 && first <= 3);
	CHECK_INT(run_wave(c, rs, 3, "/slow/ka2"), 0);
	free_wave(rs, 3, 200);
	second = atomic_load(&stats->accepts);
	CHECK_INT(second, first);
	http_client_free(c);
}

static void test_url_check(void)
{
	static const char *const ok[] = {"http://127.0.0.1:8080/x",
	                                 "http://127.9.8.7/",
	                                 "http://localhost/",
	                                 "http://LOCALHOST:99/p",
	                                 "http://[::1]:80/",
	                                 "http://169.254.170.2/v2/credentials",
	                                 "http://169.254.170.23/v1/credentials",
	                                 "http://[fd00:ec2::23]/",
	                                 "http://169.254.169.254/latest/api/token",
	                                 "http://[fd00:ec2:0::254]/",
	                                 "https://secretsmanager.us-east-1.amazonaws.com/",
	                                 "https://10.0.0.1/",
	                                 "HTTPS://ssm.eu-west-1.amazonaws.com",
	                                 NULL};
	static const char *const refused[] = {"http://10.0.0.1/",
	                                      "http://example.com/",
	                                      "http://169.254.170.3/",
	                                      "http://127.0.0.1.example.com/",
	                                      "http://localhost.example.com/",
	                                      "http://169.254.169.254@example.com/",
	                                      "http://[fd00:ec2::24]/",
	                                      "http://[::2]/",
	                                      "ftp://127.0.0.1/",
	                                      "file:///etc/passwd",
	                                      "gopher://localhost/",
	                                      "not a url",
	                                      "",
	                                      NULL};
	struct shim_err err = {0};
	size_t i;

	for (i = 0; ok[i]; i++) {
		if (http_url_check(ok[i], &err) != 0)
			fprintf(stderr, "  refused %s: %s\n", ok[i], err.msg);
		CHECK_INT(http_url_check(ok[i], &err), 0);
	}
	for (i = 0; refused[i]; i++) {
		err.status = 0;
		if (http_url_check(refused[i], &err) == 0)
			fprintf(stderr, "  allowed %s\n", refused[i]);
		CHECK_INT(http_url_check(refused[i], &err), -1);
		CHECK_INT(err.status, SHIM_EX_DATA);
	}
	CHECK_INT(http_url_check(NULL, &err), -1);
	/* A configured endpoint (allow_http): plain http to any host, still http(s) only. */
	CHECK_INT(http_url_check_req("http://localstack:4566/", 1, &err), 0);
	CHECK_INT(http_url_check_req("http://localstack:4566/", 0, &err), -1);
	CHECK_INT(http_url_check_req("ftp://localstack/", 1, &err), -1);
	/* The message names the host, never the URL's user part. */
	CHECK_INT(http_url_check("http://user:pw@example.com/", &err), -1);
	CHECK(strstr(err.msg, "example.com") != NULL);
	CHECK(strstr(err.msg, "pw") == NULL);
}

/* One refused URL stops the whole wave before any byte is sent. */
static void test_refuse_plain_http(void)
{
	struct http_client *c = client(5000, 0, rand_zero);
	struct http_req good = get("/ok/3");
	struct http_req bad = {.method = "GET", .url = "http://10.0.0.1/secret"};
	struct http_req *v[2] = {&good, &bad};
	struct shim_err err = {0};
	int before = atomic_load(&stats->requests), accepts = atomic_load(&stats->accepts);

	CHECK_INT(http_run(c, v, 2, 0, &err), -1);
	CHECK_INT(err.status, SHIM_EX_DATA);
	CHECK(strstr(err.msg, "10.0.0.1") != NULL);
	CHECK_INT(good.attempts, 0);
	CHECK_INT(bad.attempts, 0);
	usleep(50000);
	CHECK_INT(atomic_load(&stats->requests), before);
	CHECK_INT(atomic_load(&stats->accepts), accepts);
	http_client_free(c);
}

static void test_client_opts(void)
{
	char *envp[] = {"AWS_CA_BUNDLE=/nonexistent/ca.pem", NULL};
	struct http_opts o = {.envp = envp};
	struct http_client *c = NULL;
	struct shim_err err = {0};

	CHECK_INT(http_client_new(&c, &o, &err), -1);
	CHECK(c == NULL);
	CHECK_INT(err.status, SHIM_EX_DATA);
	CHECK(strstr(err.msg, "/nonexistent/ca.pem") != NULL);
	CHECK(strstr(err.msg, "AWS_CA_BUNDLE") != NULL);
	CHECK_INT(http_client_new(&c, NULL, &err), 0);
	CHECK(c != NULL);
	http_client_free(c);
	http_client_free(NULL);
}

/* ---- TLS, against `openssl s_server` with a throwaway certificate for IP 127.0.0.1 ---- */

static pid_t tls_pid = -1;
static int tls_port;
static char tls_dir[] = "/tmp/test_http.XXXXXX";
static char tls_cert[64], tls_key[64];

static pid_t spawn_quiet(char *const argv[])
{
	pid_t pid;
	int fd;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int wait_listening(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int i, fd, ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 100; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		if (fd >= 0)
			close(fd);
		if (ok)
			return 0;
		sleep_ms(50);
	}
	return -1;
}

static int tls_start(void)
{
	char accept_at[32];
	char *gen[] = {"openssl",
	               "req",
	               "-x509",
	               "-newkey",
	               "ec",
	               "-pkeyopt",
	               "ec_paramgen_curve:prime256v1",
	               "-nodes",
	               "-keyout",
	               tls_key,
	               "-out",
	               tls_cert,
	               "-days",
	               "1",
	               "-subj",
	               "/CN=127.0.0.1",
	               "-addext",
	               "subjectAltName=IP:127.0.0.1",
	               NULL};
	char *srv[] = {"openssl", "s_server", "-accept", accept_at, "-cert", tls_cert,
	               "-key",    tls_key,    "-www",    "-quiet",  NULL};
	pid_t pid;
	int st;

	if (!mkdtemp(tls_dir))
		return -1;
	snprintf(tls_cert, sizeof(tls_cert), "%s/cert.pem", tls_dir);
	snprintf(tls_key, sizeof(tls_key), "%s/key.pem", tls_dir);
	pid = spawn_quiet(gen);
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	if ((tls_port = free_port()) < 0)
		return -1;
	snprintf(accept_at, sizeof(accept_at), "127.0.0.1:%d", tls_port);
	tls_pid = spawn_quiet(srv);
	return tls_pid < 0 ? -1 : wait_listening(tls_port);
}

static void tls_stop(void)
{
	int st;

	if (tls_pid > 0) {
		kill(tls_pid, SIGKILL);
		waitpid(tls_pid, &st, 0);
	}
	unlink(tls_cert);
	unlink(tls_key);
	rmdir(tls_dir);
}

static struct http_req tls_get(const char *host)
{
	static char u[128];
	struct http_req r = {.method = "GET", .url = u};

	snprintf(u, sizeof(u), "https://%s:%d/", host, tls_port);
	return r;
}

/* Peers are verified (chain and host name), a verification failure is final, AWS_CA_BUNDLE
 * is honoured, and a later connection of the run resumes the TLS session. */
static void test_tls(void)
{
	char setting[128];
	char *envp[] = {setting, NULL};
	struct http_opts o = {.envp = envp, .rand_u32 = rand_zero};
	struct http_client *sys = client(5000, 0, rand_zero), *own = NULL;
	struct shim_err err = {0};
	struct http_req r;

	if (tls_start() < 0) {
		SKIP("cannot run `openssl req` and `openssl s_server`");
		http_client_free(sys);
		return;
	}
	snprintf(setting, sizeof(setting), "AWS_CA_BUNDLE=%s", tls_cert);
	r = tls_get("127.0.0.1");
	CHECK_INT(run_one(sys, &r, 0), 0);
	CHECK_INT(r.transport_error, CURLE_PEER_FAILED_VERIFICATION);
	CHECK_INT(r.attempts, 1);
	CHECK_INT(r.status, 0);
	http_req_free(&r);

	CHECK_INT(http_client_new(&own, &o, &err), 0);
	r = tls_get("127.0.0.1");
	CHECK_INT(run_one(own, &r, 0), 0);
	CHECK_INT(r.status, 200);
	CHECK(strstr(buf_cstr(&r.resp), "New, TLSv1.3") != NULL);
	/* s_server -www closes each connection: the second one resumes the shared session. */
	CHECK_INT(run_one(own, &r, 0), 0);
	CHECK_INT(r.status, 200);
	CHECK(strstr(buf_cstr(&r.resp), "Reused, TLSv1.3") != NULL);
	http_req_free(&r);

	r = tls_get("localhost");
	CHECK_INT(run_one(own, &r, 0), 0);
	CHECK_INT(r.transport_error, CURLE_PEER_FAILED_VERIFICATION);
	CHECK_INT(r.attempts, 1);
	http_req_free(&r);
	http_client_free(own);
	http_client_free(sys);
}

/* The distributions' bundle with the test certificate appended, as an image with a private CA
 * has it: read once for the client, then shared by every connection (s_server -www closes
 * each one), so a bundle that changes afterwards changes nothing. */
static void test_tls_bundle_once(void)
{
	const char *sys_bundle = "/etc/ssl/certs/ca-certificates.crt";
	char bundle[96], setting[128], cmd[320];
	char *envp[] = {setting, NULL};
	struct http_opts o = {.envp = envp, .rand_u32 = rand_zero};
	struct http_client *c = NULL;
	struct shim_err err = {0};
	struct http_req r;

	if (tls_pid <= 0 || access(sys_bundle, R_OK) != 0) {
		SKIP("no TLS server or no %s", sys_bundle);
		return;
	}
	snprintf(bundle, sizeof(bundle), "%s/bundle.pem", tls_dir);
	snprintf(setting, sizeof(setting), "SSL_CERT_FILE=%s", bundle);
	snprintf(cmd, sizeof(cmd), "cat %s %s >%s", sys_bundle, tls_cert, bundle);
	CHECK_INT(system(cmd), 0);
	CHECK_INT(http_client_new(&c, &o, &err), 0);
	r = tls_get("127.0.0.1");
	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(truncate(bundle, 0), 0);
	for (int i = 0; i < 2; i++) {
		CHECK_INT(run_one(c, &r, 0), 0);
		CHECK_INT(r.status, 200);
	}
	http_req_free(&r);
	http_client_free(c);
	unlink(bundle);
}

/* The well-known paths are the last resort, never libcurl's compiled-in default; with none,
 * an https wave fails before sending anything, naming the paths tried, while plain http to
 * loopback still works with the same client. */
static void test_tls_paths(void)
{
	const char *const found[] = {"/nonexistent/ca-certificates.crt", tls_cert, NULL};
	const char *const none[] = {"/nonexistent/ca-certificates.crt", "/nonexistent/cert.pem",
	                            NULL};
	char *envp[] = {NULL};
	struct http_opts o = {.envp = envp, .ca_paths = found, .rand_u32 = rand_zero};
	struct http_client *c = NULL;
	struct shim_err err = {0};
	struct http_req r, plain = get("/ok/9");
	struct http_req *v[1] = {&r};

	if (tls_pid <= 0) {
		SKIP("no TLS server");
		return;
	}
	CHECK_INT(http_client_new(&c, &o, &err), 0);
	r = tls_get("127.0.0.1");
	CHECK_INT(run_one(c, &r, 0), 0);
	CHECK_INT(r.status, 200);
	http_req_free(&r);
	http_client_free(c);

	o.ca_paths = none;
	CHECK_INT(http_client_new(&c, &o, &err), 0);
	CHECK_INT(run_one(c, &plain, 0), 0);
	CHECK_INT(plain.status, 200);
	r = tls_get("127.0.0.1");
	CHECK_INT(http_run(c, v, 1, 0, &err), -1);
	CHECK_INT(err.status, SHIM_EX_DATA);
	CHECK(strstr(err.msg, "/nonexistent/ca-certificates.crt, /nonexistent/cert.pem") != NULL);
	CHECK_INT(r.attempts, 0);
	http_req_free(&r);
	http_req_free(&plain);
	http_client_free(c);
}

int main(void)
{
	int st;

	log_setup(LOG_WARN, LOG_TEXT); /* the retry events are info lines */
	/* The loopback server must be reached directly, whatever proxy the caller's shell has. */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	if (server_start() < 0) {
		perror("test_http: cannot start the loopback server");
		return 1;
	}
	RUN(test_ok);
	RUN(test_post_body);
	RUN(test_retry_503);
	RUN(test_retry_throttling);
	RUN(test_throttled_until_deadline);
	RUN(test_throttled_stops_at_deadline);
	RUN(test_throttled_one_at_a_time);
	RUN(test_no_retry_denied);
	RUN(test_retry_closed);
	RUN(test_partial_body);
	RUN(test_header_too_large);
	RUN(test_plain_http_no_proxy);
	RUN(test_timeout);
	RUN(test_request_overrides);
	RUN(test_request_connect_timeout);
	RUN(test_body_cap);
	RUN(test_backoff_waited);
	RUN(test_deadline_backoff);
	RUN(test_deadline_in_flight);
	RUN(test_deadline_passed);
	RUN(test_concurrency);
	RUN(test_keepalive);
	RUN(test_url_check);
	RUN(test_refuse_plain_http);
	RUN(test_client_opts);
	RUN(test_tls);
	RUN(test_tls_bundle_once);
	RUN(test_tls_paths);
	tls_stop();
	kill(srv_pid, SIGKILL);
	waitpid(srv_pid, &st, 0);
	return unit_done("test_http");
}
