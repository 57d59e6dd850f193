/* Where AWS calls go: the default region, each service's endpoint URL (configured overrides,
 * else the public endpoint of the region's partition), its Host header, and the region found in
 * ECS task metadata. Pure: no I/O; the caller fetches and passes bodies in. */
#ifndef SHIM_ENDPOINT_H
#define SHIM_ENDPOINT_H

#include <stddef.h>

#include "err.h"

/* SVC_SSO is the IAM Identity Center portal (GetRoleCredentials), SVC_SSO_OIDC its OIDC token
 * service (CreateToken); both are called with a bearer token or none, never signed. */
enum aws_service { SVC_SECRETS_MANAGER, SVC_SSM, SVC_STS, SVC_SSO, SVC_SSO_OIDC };

/* Endpoint URL of svc for region: AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL_SSM /
 * AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC, else AWS_ENDPOINT_URL,
 * else profile_url (may be NULL); all three are ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is
 * "true" (any case), as in the SDKs. Empty values count as unset. A configured URL is kept as given
 * but for one trailing '/' removed. Else https://<prefix>.<region>.<domain>: prefix secretsmanager
 * / ssm / sts / portal.sso / oidc; domain amazonaws.com (aws, aws-us-gov), amazonaws.com.cn
 * (aws-cn), c2s.ic.gov (aws-iso), sc2s.sgov.gov (aws-iso-b), cloud.adc-e.uk (aws-iso-e),
 * csp.hci.ic.gov (aws-iso-f). partition NULL: derived from the region's prefix (cn- -> aws-cn,
 * us-gov- -> aws-us-gov, us-iso- / us-isob- / eu-isoe- / us-isof- -> the ISO partitions, else aws).
 * Returns 0 with *out an owned string (caller frees), or -1 with SHIM_EX_DATA (65) for a
 * region outside [a-z0-9-]{1,64}, an unknown partition, or a configured URL endpoint_host
 * refuses (the message names the variable, or "profile endpoint_url"); 70 on OOM. */
int endpoint_url(char **out, enum aws_service svc, const char *region, const char *partition,
                 char **envp, const char *profile_url, struct shim_err *err);
/* endpoint_url, and where the URL came from: *configured is the variable that set it
 * ("AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL", ...; static), "profile endpoint_url", or NULL
 * for the public endpoint. *plain_http is 1 when that URL is plain http to a host
 * endpoint_host_class does not allow and an AWS_ENDPOINT_URL* variable set it: DESIGN 5.4
 * lets it through (the caller passes allow_http to http and warns once, naming *configured);
 * a profile's plain-http endpoint_url is left to http's rule. Outputs set only on success. */
int endpoint_url_configured(char **out, const char **configured, int *plain_http,
                            enum aws_service svc, const char *region, const char *partition,
                            char **envp, const char *profile_url, struct shim_err *err);

/* Host header value of url ("host", "host:port" when the port is not the scheme's default,
 * IPv6 literals bracketed: "[::1]:8443") and whether it is https. Only http and https (any
 * case) are accepted. -1 with SHIM_EX_DATA on a malformed URL: no scheme, another scheme,
 * userinfo ('@' in the authority), an empty or invalid host, a bad port (empty, not digits,
 * 0 or > 65535), control bytes or spaces anywhere. Messages never quote the URL (it may
 * carry credentials). 0 with *host_out owned by the caller; outputs set only on success. */
int endpoint_host(char **host_out, int *is_https, const char *url, struct shim_err *err);

/* Default region, validated: cli_region, AWS_REGION, AWS_DEFAULT_REGION, profile_region (may be
 * NULL); empty strings count as unset. 1 with *out the borrowed region and *source (may be NULL)
 * the static name of where it came from ("--region", "AWS_REGION", "AWS_DEFAULT_REGION", "profile
 * region"); 0 when none (the caller then asks ECS task metadata / IMDS); -1 with SHIM_EX_USAGE (64)
 * when the chosen value is not a region (the message names the source). A bad value is not skipped
 * for a lower-precedence one: the user set it and should hear about it. */
int endpoint_region_select(const char **out, const char **source, const char *cli_region,
                           char **envp, const char *profile_region, struct shim_err *err);

/* 0 when region is [a-z0-9-]{1,64}, else -1 with SHIM_EX_USAGE (64): "<source>: invalid region
 * \"...\"" (the value quoted with non-printable bytes replaced, truncated). */
int endpoint_region_check(const char *region, const char *source, struct shim_err *err);

/* SigV4 signing name: "secretsmanager", "ssm", "sts". Static string. */
const char *endpoint_signing_name(enum aws_service svc);
/* X-Amz-Target prefix of the JSON protocol: "secretsmanager", "AmazonSSM"; NULL for sts
 * (query protocol). Static string. */
const char *endpoint_target_prefix(enum aws_service svc);

/* Region from an ECS task metadata v4 body (GET ${ECS_CONTAINER_METADATA_URI_V4}/task):
 * AvailabilityZone of the usual form ("us-east-1a" -> "us-east-1"; Local and Wavelength Zone
 * names are not guessed at), else the region field of TaskARN, else of Cluster when it is an
 * ARN. 0 with *out an owned string (caller frees), or -1 with SHIM_EX_UNAVAILABLE (69) when
 * the body is not a JSON object or holds no valid region; 70 on OOM. */
int endpoint_region_from_task_metadata(char **out, const char *body, size_t len,
                                       struct shim_err *err);

/* Which kind of address a host is, for the plain-http rule of DESIGN.md 5.4 (its one home):
 * ENDPOINT_HOST_LOOPBACK for 127.0.0.0/8, ::1 and "localhost" (any case); ENDPOINT_HOST_CONTAINER
 * for the ECS and EKS credential addresses 169.254.170.2, 169.254.170.23 and fd00:ec2::23;
 * ENDPOINT_HOST_IMDS for 169.254.169.254 and fd00:ec2::254. host is a Host header value or a URL
 * host: IPv6 in brackets ("[::1]", "[::1]:8080"; bare "::1" too), otherwise with or without
 * ":port". Literals only: no name is resolved. 0 for any other host, or NULL. */
#define ENDPOINT_HOST_LOOPBACK  1
#define ENDPOINT_HOST_CONTAINER 2
#define ENDPOINT_HOST_IMDS      4
int endpoint_host_class(const char *host);

#endif
