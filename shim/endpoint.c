/* Endpoint selection (DESIGN.md 5.3): the default region, configured endpoint URLs in the SDKs'
 * order, public endpoints per partition, Host header values, and the region of an ECS task.
 * Pure: nothing here touches the network or the clock. */
#include "endpoint.h"

#include "env.h"
#include "region.h"
#include "sanitize.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REGION_MAX 64

struct url_parts {
	int is_https;
	const char *host; /* as written, brackets kept for IPv6 */
	size_t host_len;
	unsigned port; /* 0 when absent */
};

static const struct {
	const char *env, *prefix, *signing, *target;
} services[] = {
        [SVC_SECRETS_MANAGER] = {"AWS_ENDPOINT_URL_SECRETS_MANAGER", "secretsmanager",
                                 "secretsmanager", "secretsmanager"},
        [SVC_SSM] = {"AWS_ENDPOINT_URL_SSM", "ssm", "ssm", "AmazonSSM"},
        [SVC_STS] = {"AWS_ENDPOINT_URL_STS", "sts", "sts", NULL},
        [SVC_SSO] = {"AWS_ENDPOINT_URL_SSO", "portal.sso", "awsssoportal", NULL},
        [SVC_SSO_OIDC] = {"AWS_ENDPOINT_URL_SSO_OIDC", "oidc", "sso-oauth", NULL},
};

/* A DNS name (at most 253 bytes) or an IPv4 literal; '_' allowed as curl allows it. */
static int hostname_valid(const char *h, size_t len)
{
	if (len == 0 || len > 253 || h[0] == '.' || h[0] == '-')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = h[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

static int ipv6_literal_valid(const char *h, size_t len)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char addr[16];

	if (len >= sizeof(tmp))
		return 0;
	memcpy(tmp, h, len);
	tmp[len] = '\0';
	return inet_pton(AF_INET6, tmp, addr) == 1;
}

/* ":port" after the host: 1 to 5 digits, 1..65535. */
static int port_parse(unsigned *port, const char *p, size_t len)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

static int url_scheme(struct url_parts *u, const char *url, const char **rest, struct shim_err *err)
{
	const char *sep = strstr(url, "://");

	if (!sep || sep == url)
		return shim_err_set(err, SHIM_EX_DATA,
		                    "URI did not specify a host (expected http:// or https://)");
	if (sep - url == 5 && strncasecmp(url, "https", 5) == 0)
		u->is_https = 1;
	else if (sep - url == 4 && strncasecmp(url, "http", 4) == 0)
		u->is_https = 0;
	else
		return shim_err_set(err, SHIM_EX_DATA, "URL scheme is not http or https");
	*rest = sep + 3;
	return 0;
}

static int url_parse(struct url_parts *u, const char *url, struct shim_err *err)
{
	const char *a = NULL, *end, *colon = NULL;

	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return shim_err_set(err, SHIM_EX_DATA,
			                    "URL contains a space or control byte");
	if (url_scheme(u, url, &a, err) < 0)
		return -1;
	end = a + strcspn(a, "/?#");
	if (memchr(a, '@', (size_t)(end - a)))
		return shim_err_set(err, SHIM_EX_DATA, "URL must not carry user information ('@')");
	u->host = a;
	if (*a == '[') {
		const char *rb = memchr(a, ']', (size_t)(end - a));

		if (!rb || !ipv6_literal_valid(a + 1, (size_t)(rb - a - 1)))
			return shim_err_set(err, SHIM_EX_DATA, "URL has an invalid IPv6 host");
		u->host_len = (size_t)(rb + 1 - a);
		if (rb + 1 != end && rb[1] != ':')
			return shim_err_set(err, SHIM_EX_DATA, "URL has an invalid IPv6 host");
		colon = rb + 1 != end ? rb + 1 : NULL;
	} else {
		colon = memchr(a, ':', (size_t)(end - a));
		u->host_len = (size_t)((colon ? colon : end) - a);
		if (u->host_len == 0)
			return shim_err_set(err, SHIM_EX_DATA, "URI did not specify a host");
		if (!hostname_valid(a, u->host_len))
			return shim_err_set(err, SHIM_EX_DATA, "URL has an invalid host name");
	}
	u->port = 0;
	if (colon && port_parse(&u->port, colon + 1, (size_t)(end - colon - 1)) < 0)
		return shim_err_set(err, SHIM_EX_DATA, "URL has a bad port (1 to 65535)");
	return 0;
}

int endpoint_host(char **host_out, int *is_https, const char *url, struct shim_err *err)
{
	struct url_parts u = {0};
	char *h;
	int n;

	if (!url)
		return shim_err_set(err, SHIM_EX_DATA, "URI did not specify a host");
	if (url_parse(&u, url, err) < 0)
		return -1;
	if (u.port && u.port != (u.is_https ? 443u : 80u))
		n = asprintf(&h, "%.*s:%u", (int)u.host_len, u.host, u.port);
	else
		n = asprintf(&h, "%.*s", (int)u.host_len, u.host);
	if (n < 0)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	*host_out = h;
	*is_https = u.is_https;
	return 0;
}

/* The configured URL that applies, and the name to blame when it is malformed. */
static const char *configured_url(enum aws_service svc, char **envp, const char *profile_url,
                                  const char **name)
{
	const char *ignore = env_value(envp, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), *v;

	if (ignore && strcasecmp(ignore, "true") == 0)
		return NULL;
	if ((v = env_value(envp, *name = services[svc].env)))
		return v;
	if ((v = env_value(envp, *name = "AWS_ENDPOINT_URL")))
		return v;
	*name = "profile endpoint_url";
	return profile_url && *profile_url ? profile_url : NULL;
}

/* The configured URL conf (from name), checked, without one trailing '/'; *plain_http as in
 * endpoint.h. */
static int configured_endpoint(char **out, int *plain_http, const char *conf, const char *name,
                               struct shim_err *err)
{
	char *host = NULL, *u;
	size_t len = strlen(conf);
	int https;

	if (endpoint_host(&host, &https, conf, err) < 0) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err ? err->msg : "");
		return shim_err_set(err, SHIM_EX_DATA, "%s: %s", name, why);
	}
	*plain_http =
	        !https && strncmp(name, "AWS_ENDPOINT_URL", 16) == 0 && !endpoint_host_class(host);
	free(host);
	if (len > 0 && conf[len - 1] == '/')
		len--;
	if (!(u = strndup(conf, len)))
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	*out = u;
	return 0;
}

int endpoint_url_configured(char **out, const char **configured, int *plain_http,
                            enum aws_service svc, const char *region, const char *partition,
                            char **envp, const char *profile_url, struct shim_err *err)
{
	const char *conf, *name = NULL, *domain;
	char *u;
	int plain = 0;

	if ((unsigned)svc >= sizeof(services) / sizeof(services[0]))
		return shim_err_set(err, SHIM_EX_INTERNAL, "unknown AWS service %d", (int)svc);
	if (endpoint_region_check(region, "region", err) < 0)
		return -1;
	if ((conf = configured_url(svc, envp, profile_url, &name))) {
		if (configured_endpoint(&u, &plain, conf, name, err) < 0)
			return -1;
		*out = u;
		*configured = name;
		*plain_http = plain;
		return 0;
	}
	if (!(domain = region_partition_domain(partition ? partition : region_partition(region))))
		return shim_err_set(err, SHIM_EX_DATA, "unknown AWS partition for region %s",
		                    region);
	if (asprintf(&u, "https://%s.%s.%s", services[svc].prefix, region, domain) < 0)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	*out = u;
	*configured = NULL;
	*plain_http = 0;
	return 0;
}

int endpoint_url(char **out, enum aws_service svc, const char *region, const char *partition,
                 char **envp, const char *profile_url, struct shim_err *err)
{
	const char *configured;
	int plain_http;

	return endpoint_url_configured(out, &configured, &plain_http, svc, region, partition, envp,
	                               profile_url, err);
}

/* The default region in precedence order, and the name of the place it came from. */
static const char *region_pick(const char *cli_region, char **envp, const char *profile_region,
                               const char **source)
{
	const char *r;

	*source = "--region";
	if (cli_region && *cli_region)
		return cli_region;
	if ((r = env_value(envp, *source = "AWS_REGION")) ||
	    (r = env_value(envp, *source = "AWS_DEFAULT_REGION")))
		return r;
	*source = "profile region";
	return profile_region && *profile_region ? profile_region : NULL;
}

int endpoint_region_check(const char *region, const char *source, struct shim_err *err)
{
	char shown[REGION_MAX + 16];

	if (region && region_valid(region, strlen(region)))
		return 0;
	region = region ? region : "";
	/* A region is no secret, but it may hold anything: show it printable and short. */
	sanitize_quote(shown, sizeof(shown), region, strlen(region), REGION_MAX);
	return shim_err_set(err, SHIM_EX_USAGE,
	                    "%s: invalid region \"%s\" (expected a region such as us-east-1)",
	                    source ? source : "region", shown);
}

int endpoint_region_select(const char **out, const char **source, const char *cli_region,
                           char **envp, const char *profile_region, struct shim_err *err)
{
	const char *src, *r = region_pick(cli_region, envp, profile_region, &src);

	if (!r)
		return 0;
	if (endpoint_region_check(r, src, err) < 0)
		return -1;
	*out = r;
	if (source)
		*source = src;
	return 1;
}

const char *endpoint_signing_name(enum aws_service svc)
{
	return (unsigned)svc < sizeof(services) / sizeof(services[0]) ? services[svc].signing
	                                                              : NULL;
}

const char *endpoint_target_prefix(enum aws_service svc)
{
	return (unsigned)svc < sizeof(services) / sizeof(services[0]) ? services[svc].target : NULL;
}

/* "us-east-1a" -> length of "us-east-1": letters-only parts, then one digits-only part, then
 * one letter. Anything else (Local Zones "us-west-2-lax-1a", Wavelength) is 0. */
static size_t az_region_len(const char *az)
{
	size_t len = strlen(az), i, parts = 0;
	int digits = 0, letters = 0;

	if (len < 2 || az[len - 1] < 'a' || az[len - 1] > 'z')
		return 0;
	for (i = 0; i < len - 1; i++) {
		char c = az[i];

		if (c == '-') {
			if (digits || !letters)
				return 0;
			parts++;
			letters = 0;
		} else if (c >= 'a' && c <= 'z' && !digits) {
			letters = 1;
		} else if (c >= '0' && c <= '9' && !letters) {
			digits = 1;
		} else {
			return 0;
		}
	}
	return digits && parts >= 2 && region_valid(az, len - 1) ? len - 1 : 0;
}

/* arn:partition:service:region:account:resource -> the region field, or NULL/0. */
static const char *arn_region(const char *arn, size_t *len)
{
	const char *p = arn, *end;

	if (!arn || strncmp(arn, "arn:", 4) != 0)
		return NULL;
	for (int field = 0; field < 3; field++)
		if (!(p = strchr(p, ':')) || !*++p)
			return NULL;
	end = strchr(p, ':');
	if (!end || !region_valid(p, (size_t)(end - p)))
		return NULL;
	*len = (size_t)(end - p);
	return p;
}

int endpoint_region_from_task_metadata(char **out, const char *body, size_t len,
                                       struct shim_err *err)
{
	json_t *root = json_loadb(body ? body : "", body ? len : 0, 0, NULL);
	const char *az, *r = NULL;
	size_t rlen = 0;
	char *s;

	if (!json_is_object(root)) {
		json_decref(root);
		return shim_err_set(err, SHIM_EX_UNAVAILABLE,
		                    "ECS task metadata: response is not a JSON object");
	}
	az = json_string_value(json_object_get(root, "AvailabilityZone"));
	if (az && (rlen = az_region_len(az)))
		r = az;
	if (!r)
		r = arn_region(json_string_value(json_object_get(root, "TaskARN")), &rlen);
	if (!r)
		r = arn_region(json_string_value(json_object_get(root, "Cluster")), &rlen);
	s = r ? strndup(r, rlen) : NULL;
	json_decref(root);
	if (!r)
		return shim_err_set(err, SHIM_EX_UNAVAILABLE,
		                    "ECS task metadata: no region in AvailabilityZone, TaskARN or "
		                    "Cluster");
	if (!s)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	*out = s;
	return 0;
}

/* The address part of host: brackets and ":port" removed. 0 when it does not fit. */
static int host_address(char *out, size_t size, const char *host, int *v6)
{
	size_t len;

	*v6 = host[0] == '[' || strchr(host, ':') != strrchr(host, ':');
	if (host[0] == '[') {
		len = strcspn(host + 1, "]");
		if (host[1 + len] != ']' || (host[2 + len] != '\0' && host[2 + len] != ':'))
			return 0;
		host++;
	} else {
		len = *v6 ? strlen(host) : strcspn(host, ":");
	}
	if (len >= size)
		return 0;
	memcpy(out, host, len);
	out[len] = '\0';
	return 1;
}

int endpoint_host_class(const char *host)
{
	static const unsigned char v6_loop[16] = {[15] = 1};
	static const unsigned char v6_eks[16] = {0xfd, 0x00, 0x0e, 0xc2, [15] = 0x23};
	static const unsigned char v6_imds[16] = {0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02, 0x54};
	unsigned char a[16];
	char h[INET6_ADDRSTRLEN + 8];
	int v6;

	if (!host || !host_address(h, sizeof(h), host, &v6))
		return 0;
	if (v6) {
		if (inet_pton(AF_INET6, h, a) != 1)
			return 0;
		return memcmp(a, v6_loop, 16) == 0   ? ENDPOINT_HOST_LOOPBACK
		       : memcmp(a, v6_eks, 16) == 0  ? ENDPOINT_HOST_CONTAINER
		       : memcmp(a, v6_imds, 16) == 0 ? ENDPOINT_HOST_IMDS
		                                     : 0;
	}
	if (strcasecmp(h, "localhost") == 0)
		return ENDPOINT_HOST_LOOPBACK;
	if (inet_pton(AF_INET, h, a) != 1)
		return 0;
	if (a[0] == 127)
		return ENDPOINT_HOST_LOOPBACK;
	if (a[0] != 169 || a[1] != 254)
		return 0;
	if (a[2] == 170 && (a[3] == 2 || a[3] == 23))
		return ENDPOINT_HOST_CONTAINER;
	return a[2] == 169 && a[3] == 254 ? ENDPOINT_HOST_IMDS : 0;
}
