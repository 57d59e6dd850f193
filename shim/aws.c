/* The AWS backend (DESIGN.md 5): credentials, the default region, then every fetch of the plan
 * as Secrets Manager and SSM calls sent in concurrent waves. The first wave holds every call
 * the plan needs; later waves only follow GetParametersByPath pages and fall back from a
 * denied BatchGetSecretValue to GetSecretValue. */
#include "aws.h"

#include "array.h"
#include "awsresult.h"
#include "buf.h"
#include "clock.h"
#include "creds.h"
#include "endpoint.h"
#include "env.h"
#include "http.h"
#include "imds.h"
#include "log.h"
#include "mapping.h"
#include "profile.h"
#include "sigv4.h"
#include "sm.h"
#include "ssm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SM_BATCH_MAX  20 /* BatchGetSecretValue SecretIdList */
#define SSM_BATCH_MAX 10 /* GetParameters Names */

/* One API call: the fetches it answers (plan indexes; the plan's array does not move while the
 * backend runs, but the call array does, so calls are kept by index too). */
struct call {
	enum aws_op op;
	const char *region, *partition, *account; /* borrowed from its first fetch */
	size_t fetches[SM_BATCH_MAX];
	size_t n;
	int pending;      /* to be sent in the next wave */
	char *next_token; /* GetParametersByPath: the page to ask for */
	struct buf body;
	char *url;
	struct sigv4_signed sig;
	struct http_req req;
};

struct aws {
	struct plan *p;
	const struct backend_cfg *cfg;
	char **envp;
	struct http_client *http;
	struct aws_creds creds;
	long long deadline;
	struct call *calls;
	size_t n_calls, cap_calls;
	struct backend_stats *st;
	struct shim_err *err;
	const char *warned_http[4]; /* the AWS_ENDPOINT_URL* variables warned about (static) */
};

static int oom(struct aws *a)
{
	return shim_err_set(a->err, SHIM_EX_INTERNAL, "out of memory");
}

static void call_free(struct call *c)
{
	buf_free(&c->body);
	free(c->url);
	free(c->next_token);
	sigv4_signed_free(&c->sig);
	http_req_free(&c->req);
}

/* ---- credentials and region -------------------------------------------------------------- */

/* A request to a local endpoint (container credentials, task metadata), the creds_fetch_fn
 * the provider chain is given: one request, its final outcome handed to the caller. */
static int local_get(void *ud, struct creds_response *out, const struct creds_request *rq,
                     struct shim_err *err)
{
	struct aws *a = ud;
	struct http_req req = {.method = rq->method,
	                       .url = rq->url,
	                       .headers = rq->headers,
	                       .body = rq->body,
	                       .body_len = rq->body_len,
	                       .timeout_ms = rq->timeout_ms,
	                       .max_attempts = rq->max_attempts,
	                       .allow_http = rq->allow_http};
	int rc = http_run(a->http, (struct http_req *[]){&req}, 1, a->deadline, err);

	if (rc == 0) {
		out->status = req.status;
		out->attempts = req.attempts;
		snprintf(out->errmsg, sizeof(out->errmsg), "%s", req.errmsg);
		out->body = req.resp;
		req.resp = (struct buf)BUF_INIT;
	}
	http_req_free(&req);
	return rc;
}

/* What the credential providers and IMDS consult. */
static struct creds_ctx creds_context(struct aws *a)
{
	struct creds_ctx ctx = {.envp = a->envp,
	                        .now = (long long)time(NULL),
	                        .fetch = local_get,
	                        .fetch_ud = a,
	                        .profiles = a->cfg->profiles};

	ctx.profile = profile_select(a->cfg->profile, a->envp, &ctx.profile_explicit);
	ctx.region = a->p->default_region ? a->p->default_region
	             : a->p->n            ? a->p->f[0].region
	                                  : NULL;
	return ctx;
}

/* The provider chain of DESIGN.md 5.2 (creds.c), its requests sent through http.c; with
 * --profile, that profile's chain alone. */
static int get_credentials(struct aws *a)
{
	struct creds_ctx ctx = creds_context(a);

	if (creds_chain_load(&a->creds, a->cfg->profile ? creds_chain_profile : NULL, &ctx,
	                     a->err) < 0)
		return -1;
	log_debug("credentials from %s", a->creds.source);
	return 0;
}

/* The region of ECS task metadata v4 (DESIGN.md 5.3), or NULL when there is none. */
static char *metadata_region(struct aws *a)
{
	const char *uri = env_value(a->envp, "ECS_CONTAINER_METADATA_URI_V4");
	static const char *const headers[] = {"Accept: application/json", NULL};
	struct creds_response resp = {0};
	struct shim_err e = {0};
	struct buf url = BUF_INIT;
	char *region = NULL;

	if (!uri)
		return NULL;
	buf_printf(&url, "%s/task", uri);
	if (!buf_oom(&url) &&
	    local_get(a, &resp,
	              &(struct creds_request){.method = "GET", .url = url.ptr, .headers = headers},
	              a->err) == 0) {
		if (resp.status == 0)
			log_warn("ECS task metadata: %s", resp.errmsg);
		else if (resp.status != 200)
			log_warn("ECS task metadata answered HTTP %ld", resp.status);
		else if (endpoint_region_from_task_metadata(&region, buf_cstr(&resp.body),
		                                            resp.body.len, &e) < 0)
			log_warn("ECS task metadata: %s", e.msg);
	}
	buf_free(&resp.body);
	buf_free(&url);
	return region;
}

/* The instance's region from IMDS (DESIGN.md 5.3), or NULL. */
static char *instance_region(struct aws *a)
{
	struct creds_ctx ctx = creds_context(a);
	struct imds_params ip = {
	        profile_value(a->cfg->profiles, ctx.profile, "ec2_metadata_service_endpoint"),
	        profile_value(a->cfg->profiles, ctx.profile, "ec2_metadata_service_endpoint_mode")};
	struct shim_err e = {0};
	char *region = NULL;

	if (imds_region(&region, &ip, &ctx, &e) < 0)
		log_warn("instance metadata: %s", e.msg);
	return region;
}

/* Where references without a region go when resolution found no --region, AWS_REGION or
 * profile region. */
static int default_region(struct aws *a)
{
	char *region = metadata_region(a);
	int rc;

	if (!region && !(region = instance_region(a)))
		return shim_err_set(a->err, SHIM_EX_USAGE,
		                    "no AWS region for references given by name: pass --region, "
		                    "set AWS_REGION, or set region in the profile");
	log_debug("default region %s (task or instance metadata)", region);
	rc = plan_set_default_region(a->p, region);
	free(region);
	return rc < 0 ? oom(a) : 0;
}

/* ---- planning the calls ------------------------------------------------------------------ */

static struct call *call_add(struct aws *a, enum aws_op op, size_t fetch)
{
	const struct fetch *f = &a->p->f[fetch];
	struct call *c;

	if (ARRAY_GROW(a->calls, a->cap_calls, a->n_calls + 1) < 0)
		return NULL;
	c = &a->calls[a->n_calls++];
	*c = (struct call){.op = op,
	                   .region = f->region,
	                   .partition = f->partition,
	                   .account = f->account,
	                   .pending = 1};
	c->fetches[c->n++] = fetch;
	return c;
}

/* Batches group as the plan says (plan_same_call, DESIGN.md 5.1). */
static int add_to_batch(struct aws *a, enum aws_op op, size_t fetch, size_t max)
{
	const struct fetch *f = &a->p->f[fetch];

	for (size_t i = 0; i < a->n_calls; i++) {
		struct call *c = &a->calls[i];
		if (c->op == op && c->n < max && plan_same_call(&a->p->f[c->fetches[0]], f)) {
			c->fetches[c->n++] = fetch;
			return 0;
		}
	}
	return call_add(a, op, fetch) ? 0 : oom(a);
}

static int plan_calls(struct aws *a)
{
	for (size_t i = 0; i < a->p->n; i++) {
		const struct fetch *f = &a->p->f[i];
		int rc;
		if (f->kind == FETCH_SECRET && plan_fetch_batchable(f))
			rc = add_to_batch(a, AWS_OP_BATCH_SECRETS, i, SM_BATCH_MAX);
		else if (f->kind == FETCH_PARAM)
			rc = add_to_batch(a, AWS_OP_GET_PARAMS, i, SSM_BATCH_MAX);
		else
			rc = call_add(a, f->kind == FETCH_PATH ? AWS_OP_BY_PATH : AWS_OP_GET_SECRET,
			              i)
			             ? 0
			             : oom(a);
		if (rc < 0)
			return -1;
	}
	/* A batch of one needs only the permission ECS's own fetch needs. */
	for (size_t i = 0; i < a->n_calls; i++)
		if (a->calls[i].op == AWS_OP_BATCH_SECRETS && a->calls[i].n == 1)
			a->calls[i].op = AWS_OP_GET_SECRET;
	return 0;
}

/* ---- one call: body, signature, request -------------------------------------------------- */

static int call_body(struct aws *a, struct call *c)
{
	const char *ids[SM_BATCH_MAX];
	char *sel[SSM_BATCH_MAX] = {0};
	const struct fetch *f0 = &a->p->f[c->fetches[0]];
	int rc = 0;

	buf_clear(&c->body);
	switch (c->op) {
	case AWS_OP_BATCH_SECRETS:
		for (size_t i = 0; i < c->n; i++)
			ids[i] = a->p->f[c->fetches[i]].id;
		return sm_body_batch(&c->body, ids, c->n, a->err);
	case AWS_OP_GET_SECRET:
		return sm_body_get(&c->body, f0->id, f0->stage, f0->version_id, a->err);
	case AWS_OP_GET_PARAMS:
		for (size_t i = 0; i < c->n && rc == 0; i++) {
			const struct fetch *f = &a->p->f[c->fetches[i]];
			ids[i] = f->id;
			if (f->selector) {
				size_t len = strlen(f->id) + strlen(f->selector) + 2;
				if (!(sel[i] = malloc(len)))
					rc = oom(a);
				else
					snprintf(sel[i], len, "%s:%s", f->id, f->selector);
				ids[i] = sel[i];
			}
		}
		if (rc == 0)
			rc = ssm_body_get_parameters(&c->body, ids, c->n, a->err);
		for (size_t i = 0; i < c->n; i++)
			free(sel[i]);
		return rc;
	case AWS_OP_BY_PATH:
		return ssm_body_by_path(&c->body, f0->id, c->next_token, a->err);
	}
	return shim_err_set(a->err, SHIM_EX_INTERNAL, "unknown call");
}

/* DESIGN 5.4: plain http to an endpoint the user configured goes, with one warning line per
 * variable that configured it. */
static void warn_plain_http(struct aws *a, const char *name)
{
	size_t i;

	for (i = 0; i < 4 && a->warned_http[i]; i++)
		if (strcmp(a->warned_http[i], name) == 0)
			return;
	if (i < 4)
		a->warned_http[i] = name;
	log_warn("%s: plain http, as configured: requests and answers travel unencrypted (use "
	         "it only for a local emulator)",
	         name);
}

/* Build, sign and address the call for the coming wave. */
static int call_prepare(struct aws *a, struct call *c)
{
	enum aws_service svc = c->op <= AWS_OP_GET_SECRET ? SVC_SECRETS_MANAGER : SVC_SSM;
	struct sigv4_credentials cr = {a->creds.access_key_id, a->creds.secret_access_key,
	                               a->creds.session_token};
	struct sigv4_params prm = {&cr, c->region, endpoint_signing_name(svc), time(NULL), 0};
	char target[80], *host = NULL, *purl = NULL;
	const char *configured;
	int https, rc, plain_http;

	if (call_body(a, c) < 0)
		return -1;
	free(c->url);
	c->url = NULL;
	if (a->cfg->profiles &&
	    profile_endpoint_url(&purl, a->cfg->profiles,
	                         profile_select(a->cfg->profile, a->envp, NULL),
	                         svc == SVC_SSM ? "ssm" : "secrets_manager", a->err) < 0)
		return -1;
	rc = endpoint_url_configured(&c->url, &configured, &plain_http, svc, c->region,
	                             c->partition, a->envp, purl, a->err);
	free(purl);
	if (rc < 0 || endpoint_host(&host, &https, c->url, a->err) < 0)
		return -1;
	if (plain_http)
		warn_plain_http(a, configured);
	snprintf(target, sizeof(target), "%s.%s", endpoint_target_prefix(svc),
	         awsresult_op_name(c->op));
	sigv4_signed_free(&c->sig);
	rc = sigv4_sign_json_request(&c->sig, host, target, c->body.ptr, c->body.len, &prm, a->err);
	free(host);
	if (rc < 0)
		return -1;
	http_req_free(&c->req);
	c->req = (struct http_req){.method = "POST",
	                           .url = c->url,
	                           .headers = (const char *const *)c->sig.headers,
	                           .body = c->body.ptr,
	                           .body_len = c->body.len,
	                           .allow_http = plain_http,
	                           .op = awsresult_op_name(c->op)};
	return 0;
}

/* ---- results ----------------------------------------------------------------------------- */

/* Denied the batch call: each secret on its own, next wave (DESIGN.md 5.1). */
static int fall_back(struct aws *a, size_t ci)
{
	size_t n = a->calls[ci].n, fetches[SM_BATCH_MAX];

	memcpy(fetches, a->calls[ci].fetches, n * sizeof(fetches[0]));
	log_debug("BatchGetSecretValue denied: %zu GetSecretValue calls instead", n);
	for (size_t i = 0; i < n; i++)
		if (!call_add(a, AWS_OP_GET_SECRET, fetches[i]))
			return oom(a);
	return 0;
}

/* The call's outcome into the plan (awsresult.c); the follow-up calls it asks for. */
static int call_result(struct aws *a, size_t ci)
{
	struct call *c = &a->calls[ci];
	int rc = awsresult_apply(a->p, c->op, c->fetches, c->n, &c->req, &c->next_token, a->err);

	if (rc == AWSRESULT_FALL_BACK)
		return fall_back(a, ci);
	if (rc == AWSRESULT_NEXT_PAGE)
		c->pending = 1; /* the next page, in the next wave */
	return rc < 0 ? -1 : 0;
}

/* ---- waves ------------------------------------------------------------------------------- */

static int run_waves(struct aws *a)
{
	struct http_req **reqs = NULL;
	size_t *idx = NULL;
	int rc = -1;

	for (;;) {
		size_t n = 0;
		free(reqs);
		free(idx);
		// NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers
		reqs = calloc(a->n_calls + 1, sizeof(*reqs));
		idx = calloc(a->n_calls + 1, sizeof(*idx));
		if (!reqs || !idx) {
			oom(a);
			break;
		}
		for (size_t i = 0; i < a->n_calls; i++) {
			struct call *c = &a->calls[i];
			if (!c->pending)
				continue;
			c->pending = 0;
			if (call_prepare(a, c) < 0)
				goto out;
			log_debug("%s %s: %zu name%s", awsresult_op_name(c->op), c->region, c->n,
			          c->n == 1 ? "" : "s");
			idx[n] = i;
			reqs[n++] = &c->req;
		}
		if (n == 0) {
			rc = 0;
			break;
		}
		if (http_run(a->http, reqs, n, a->deadline, a->err) < 0)
			break;
		a->st->waves++;
		a->st->api_calls += (int)n;
		for (size_t k = 0; k < n; k++)
			if (call_result(a, idx[k]) < 0)
				goto out;
	}
out:
	free(reqs);
	free(idx);
	return rc;
}

int aws_fetch_plan(struct plan *p, const struct backend_cfg *cfg, char **envp,
                   struct backend_stats *st, struct shim_err *err)
{
	struct aws a = {.p = p, .cfg = cfg, .envp = envp, .st = st, .err = err};
	struct http_opts ho = {.envp = envp};
	int rc = -1;

	if (cfg->timeout_ms > 0)
		a.deadline = clock_ms() + cfg->timeout_ms;
	if (http_client_new(&a.http, &ho, err) < 0)
		return -1;
	if (plan_needs_region(p) && default_region(&a) < 0)
		goto out;
	if (get_credentials(&a) < 0 || plan_calls(&a) < 0 || run_waves(&a) < 0)
		goto out;
	for (size_t i = 0; i < p->n; i++)
		if (!p->f[i].done)
			plan_fetch_fail(&p->f[i], SHIM_EX_UNAVAILABLE, "no answer");
	rc = 0;
out:
	for (size_t i = 0; i < a.n_calls; i++)
		call_free(&a.calls[i]);
	free(a.calls);
	creds_free(&a.creds);
	http_client_free(a.http);
	return rc;
}
