/* The AWS backend's result handling: one call's outcome becomes values and failures of the
 * plan's fetches. Messages name the API and the code, never a value. */
#include "awsresult.h"

#include "awserr.h"
#include "sm.h"
#include "ssm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[] = {"BatchGetSecretValue", "GetSecretValue", "GetParameters",
                                       "GetParametersByPath"};

/* The fetches of one call, as the result handlers see them. */
struct result_call {
	struct plan *p;
	enum aws_op op;
	const size_t *fetches;
	size_t n;
	const struct http_req *rq;
	struct shim_err *err;
};

const char *awsresult_op_name(enum aws_op op)
{
	return op_names[op];
}

static int oom(struct result_call *c)
{
	return shim_err_set(c->err, SHIM_EX_INTERNAL, "out of memory");
}

static struct fetch *fetch_at(struct result_call *c, size_t i)
{
	return &c->p->f[c->fetches[i]];
}

static void fail_all(struct result_call *c, int status, const char *msg)
{
	plan_fail_call(c->p, c->fetches, c->n, status, msg);
}

static const char *plural(int n)
{
	return n == 1 ? "" : "s";
}

static void transport_failed(struct result_call *c)
{
	const struct http_req *rq = c->rq;
	char msg[700];

	snprintf(msg, sizeof(msg), "%s %s: %s (%d attempt%s%s)", op_names[c->op], rq->url,
	         rq->errmsg, rq->attempts, plural(rq->attempts),
	         rq->deadline_hit ? ", --timeout reached" : "");
	fail_all(c, SHIM_EX_UNAVAILABLE, msg);
}

/* A non-200 answer; a denied batch call is the caller's to fall back from. */
static int error_response(struct result_call *c)
{
	const struct http_req *rq = c->rq;
	const char *op = op_names[c->op];
	struct awserr ae;
	char msg[700];

	awserr_parse(&ae, rq->status, rq->error_type, rq->resp.ptr, rq->resp.len);
	if (c->op == AWS_OP_BATCH_SECRETS && ae.cls == AWSERR_DENIED)
		return AWSRESULT_FALL_BACK;
	if (!*ae.code)
		snprintf(msg, sizeof(msg), "%s: HTTP %ld (%d attempt%s)", op, rq->status,
		         rq->attempts, plural(rq->attempts));
	else if (rq->attempts > 1 || rq->status >= 500)
		snprintf(msg, sizeof(msg), "%s: %s (HTTP %ld, %d attempt%s%s)", ae.code,
		         *ae.message ? ae.message : op, rq->status, rq->attempts,
		         plural(rq->attempts), rq->deadline_hit ? ", --timeout reached" : "");
	else
		snprintf(msg, sizeof(msg), "%s: %s", ae.code, *ae.message ? ae.message : op);
	fail_all(c, awserr_exit_status(ae.cls), msg);
	return AWSRESULT_DONE;
}

static int set_secret(struct fetch *f, const struct sm_value *v)
{
	if (v->string)
		return plan_fetch_value(f, v->string, v->string_len);
	return plan_fetch_value(f, (const char *)v->binary, v->binary_len);
}

/* The best-matching value (a full ARN over a partial one), else the error naming the id. */
static int batch_one(struct fetch *f, const struct sm_batch *b)
{
	const struct sm_value *best = NULL;
	int best_score = 0;

	for (size_t k = 0; k < b->n_values; k++) {
		int score = sm_value_matches(&b->values[k], f->id);
		if (score > best_score) {
			best = &b->values[k];
			best_score = score;
		}
	}
	if (best)
		return set_secret(f, best);
	for (size_t k = 0; k < b->n_errors && !f->done; k++) {
		const struct sm_error *e = &b->errors[k];
		if (strcmp(e->secret_id, f->id) == 0)
			plan_fetch_fail(f, awserr_exit_status(awserr_classify(400, e->code)),
			                "%s: %s", *e->code ? e->code : "Error", e->message);
	}
	if (!f->done)
		plan_fetch_fail(f, SHIM_EX_UNAVAILABLE,
		                "BatchGetSecretValue: the response does not mention it");
	return 0;
}

static int secrets_result(struct result_call *c, struct shim_err *e)
{
	const struct http_req *rq = c->rq;
	struct fetch *f0 = fetch_at(c, 0);
	struct sm_batch b = {0};
	struct sm_value v = {0};
	int rc = 0;

	if (c->op == AWS_OP_BATCH_SECRETS) {
		rc = sm_parse_batch(&b, rq->resp.ptr, rq->resp.len, e);
		for (size_t i = 0; i < c->n && rc == 0; i++)
			if (batch_one(fetch_at(c, i), &b) < 0)
				rc = oom(c);
	} else if (sm_parse_get(&v, rq->resp.ptr, rq->resp.len, e) < 0) {
		rc = -1;
	} else if (sm_value_matches(&v, f0->id)) {
		rc = set_secret(f0, &v) < 0 ? oom(c) : 0;
	} else {
		plan_fetch_fail(f0, SHIM_EX_UNAVAILABLE,
		                "GetSecretValue: the response is for another secret");
	}
	sm_batch_free(&b);
	sm_value_free(&v);
	return rc;
}

static int params_result(struct result_call *c, const struct ssm_result *r)
{
	for (size_t i = 0; i < c->n; i++) {
		struct fetch *f = fetch_at(c, i);
		char want[2200];
		snprintf(want, sizeof(want), "%s%s%s", f->id, f->selector ? ":" : "",
		         f->selector ? f->selector : "");
		for (size_t k = 0; k < r->n_params && !f->done; k++)
			if (ssm_param_matches(&r->params[k], want) &&
			    plan_fetch_value(f, r->params[k].value, r->params[k].value_len) < 0)
				return oom(c);
		for (size_t k = 0; k < r->n_invalid && !f->done; k++)
			if (strcmp(r->invalid[k], want) == 0)
				plan_fetch_fail(f, SHIM_EX_UNRESOLVED,
				                "%s: the parameter%s does not exist",
				                f->selector ? "ParameterVersionNotFound"
				                            : "ParameterNotFound",
				                f->selector ? " version or label" : "");
		if (!f->done)
			plan_fetch_fail(f, SHIM_EX_UNAVAILABLE,
			                "GetParameters: the response does not mention it");
	}
	return AWSRESULT_DONE;
}

static int path_result(struct result_call *c, struct ssm_result *r, char **next_token)
{
	struct fetch *f = fetch_at(c, 0);

	for (size_t k = 0; k < r->n_params; k++) {
		const struct ssm_param *prm = &r->params[k];
		if (memchr(prm->value, '\0', prm->value_len)) {
			plan_fetch_fail(f, SHIM_EX_UNRESOLVED,
			                "parameter %s: the value contains a NUL byte", prm->name);
			return AWSRESULT_DONE;
		}
		if (plan_fetch_item(f, prm->name, prm->value) < 0)
			return oom(c);
	}
	/* A token that comes back as it was sent would ask for the same page forever (botocore's
	 * paginator stops the same way). */
	if (r->next_token && *next_token && strcmp(r->next_token, *next_token) == 0) {
		plan_fetch_fail(f, SHIM_EX_UNAVAILABLE,
		                "GetParametersByPath %s: the service returned the NextToken it was "
		                "sent; pagination stopped",
		                f->id);
		return AWSRESULT_DONE;
	}
	free(*next_token);
	*next_token = r->next_token;
	r->next_token = NULL;
	if (*next_token)
		return AWSRESULT_NEXT_PAGE;
	plan_fetch_done(f);
	return AWSRESULT_DONE;
}

static int ssm_result(struct result_call *c, char **next_token, struct shim_err *e)
{
	const struct http_req *rq = c->rq;
	struct ssm_result r = {0};
	int rc;

	if (c->op == AWS_OP_GET_PARAMS)
		rc = ssm_parse_get_parameters(&r, rq->resp.ptr, rq->resp.len, e) < 0
		             ? -1
		             : params_result(c, &r);
	else
		rc = ssm_parse_by_path(&r, rq->resp.ptr, rq->resp.len, e) < 0
		             ? -1
		             : path_result(c, &r, next_token);
	ssm_result_free(&r);
	return rc;
}

int awsresult_apply(struct plan *p, enum aws_op op, const size_t *fetches, size_t n,
                    const struct http_req *rq, char **next_token, struct shim_err *err)
{
	struct result_call c = {p, op, fetches, n, rq, err};
	struct shim_err e = {0};
	int rc;

	if (rq->status == 0) {
		transport_failed(&c);
		return AWSRESULT_DONE;
	}
	if (rq->status != 200)
		return error_response(&c);
	if (op == AWS_OP_BATCH_SECRETS || op == AWS_OP_GET_SECRET)
		rc = secrets_result(&c, &e);
	else
		rc = ssm_result(&c, next_token, &e);
	if (rc < 0 && e.status) { /* a malformed response fails the call's fetches, not the run */
		if (e.status == SHIM_EX_INTERNAL)
			return oom(&c);
		fail_all(&c, e.status, e.msg);
		rc = AWSRESULT_DONE;
	}
	return rc;
}
