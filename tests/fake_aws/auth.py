"""Who may call the emulator: the known credentials, SigV4 verification done by botocore itself
(reference/aws-protocol.md section C), and deny rules standing in for IAM policies."""

import calendar
import fnmatch
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

MAX_SKEW_SECONDS = 15 * 60
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,"
                     r" ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$")
BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. "
                 "Check your AWS Secret Access Key and signing method. "
                 "Consult the service documentation for details.")
BAD_TOKEN = "The security token included in the request is invalid."

DEFAULT_CREDENTIALS = [
    {"access_key_id": "AKIAFAKEAWS000000001",
     "secret_access_key": "fake+secret/key/for/covenant-shim/tests01"},
    {"access_key_id": "ASIAFAKEAWS000000002",
     "secret_access_key": "fake+secret/key/for/covenant-shim/tests02",
     "session_token": "FakeSessionToken//for+covenant-shim+tests/0002=="},
]


class AuthError(Exception):
    """A request the emulator refuses; code and message are what AWS would send (HTTP 400)."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class Credential:
    access_key_id: str
    secret_access_key: str
    session_token: str = None
    expired: bool = False


def load_credentials(items):
    """items: list of {"access_key_id", "secret_access_key", "session_token"?, "expired"?}."""
    return {c["access_key_id"]: Credential(**c) for c in items}


class _VerifyingSigV4(SigV4Auth):
    # botocore drops user-agent, expect and x-amzn-trace-id when it signs; a verifier must use
    # exactly the headers the client listed, so the request is built from those only.
    def headers_to_sign(self, request):
        return request.headers


@dataclass
class Caller:
    access_key_id: str
    region: str
    service: str


def _parse_amz_date(value):
    try:
        return calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ"))
    except (TypeError, ValueError):
        raise AuthError("IncompleteSignatureException",
                        f"Date must be in ISO-8601 'basic format'. Got '{value}'.") from None


def _check_scope(service, region, date, amz_date, expected_service, regions):
    if service != expected_service:
        raise AuthError("InvalidSignatureException",
                        f"Credential should be scoped to correct service: '{expected_service}'. ")
    if not REGION_RE.match(region) or (regions and region not in regions):
        raise AuthError("InvalidSignatureException",
                        "Credential should be scoped to a valid region. ")
    if date != amz_date[:8]:
        raise AuthError("InvalidSignatureException",
                        f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                        f"of date from HTTP: '{date}' != '{amz_date[:8]}', from '{amz_date}'.")


def _check_skew(amz_date, now, max_skew):
    when = _parse_amz_date(amz_date)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    if when < now - max_skew:
        raise AuthError("InvalidSignatureException",
                        f"Signature expired: {amz_date} is now earlier than "
                        f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now - max_skew))} "
                        f"({stamp} - {max_skew // 60} min.)")
    if when > now + max_skew:
        raise AuthError("InvalidSignatureException",
                        f"Signature not yet current: {amz_date} is still later than "
                        f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now + max_skew))} "
                        f"({stamp} + {max_skew // 60} min.)")


def _check_token(cred, headers, signed):
    token = headers.get("x-amz-security-token")
    if cred.session_token is None:
        if token is not None:
            raise AuthError("UnrecognizedClientException", BAD_TOKEN)
        return
    if token is None or not hmac.compare_digest(token.encode(), cred.session_token.encode()):
        raise AuthError("UnrecognizedClientException", BAD_TOKEN)
    if "x-amz-security-token" not in signed:
        raise AuthError("InvalidSignatureException",
                        "The security token must be a signed header (X-Amz-Security-Token).")
    if cred.expired:
        raise AuthError("ExpiredTokenException",
                        "The security token included in the request is expired")


def claimed_scope(headers):
    """(access key id, region) the Authorization header claims, for the log; (None, None)."""
    m = AUTH_RE.match(headers.get("authorization") or "")
    return (m.group(1), m.group(3)) if m else (None, None)


def verify(method, path, headers, body, credentials, expected_service,
           now=None, max_skew=MAX_SKEW_SECONDS, regions=None):
    """Checks a SigV4-signed request. headers: an email.message.Message (as http.server gives);
    credentials: {access key id: Credential}. Returns the Caller or raises AuthError."""
    authz = headers.get("authorization")
    if authz is None:
        raise AuthError("MissingAuthenticationTokenException", "Missing Authentication Token")
    m = AUTH_RE.match(authz)
    if not m:
        raise AuthError("IncompleteSignatureException",
                        "Authorization header requires 'Credential', 'Signature' and "
                        "'SignedHeaders' parameters in the AWS4-HMAC-SHA256 format.")
    akid, date, region, service, signed_list, signature = m.groups()
    signed = signed_list.split(";")
    amz_date = headers.get("x-amz-date")
    if amz_date is None or "x-amz-date" not in signed:
        raise AuthError("IncompleteSignatureException",
                        "Authorization header requires existence of either a 'X-Amz-Date' or a "
                        "'Date' header, signed.")
    if "host" not in signed:
        raise AuthError("IncompleteSignatureException",
                        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    _check_scope(service, region, date, amz_date, expected_service, regions)
    cred = credentials.get(akid)
    if cred is None:
        raise AuthError("UnrecognizedClientException", BAD_TOKEN)
    _check_token(cred, headers, signed)
    _check_skew(amz_date, time.time() if now is None else now, max_skew)
    content_sha = headers.get("x-amz-content-sha256")
    if content_sha not in (None, "UNSIGNED-PAYLOAD", hashlib.sha256(body).hexdigest()):
        raise AuthError("InvalidSignatureException", "The provided 'x-amz-content-sha256' header "
                        "does not match what was computed.")

    req = AWSRequest(method=method, url="https://" + (headers.get("host") or "") + path, data=body)
    for name in signed:
        values = headers.get_all(name)
        if not values:
            raise AuthError("InvalidSignatureException", BAD_SIGNATURE)
        for value in values:
            req.headers[name] = value
    req.context["timestamp"] = amz_date
    signer = _VerifyingSigV4(Credentials(akid, cred.secret_access_key), service, region)
    expected = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
    if signed_list != signer.signed_headers(req.headers) \
            or not hmac.compare_digest(expected, signature):
        raise AuthError("InvalidSignatureException", BAD_SIGNATURE)
    return Caller(akid, region, service)


class Policy:
    """Deny rules standing in for IAM: [{"action": "secretsmanager:GetSecretValue",
    "resource": "app/*", "access_key_id": optional}]; action and resource are fnmatch patterns
    matched against the requested id, the resolved name and the ARN."""

    def __init__(self, rules=()):
        self.rules = list(rules)
        for rule in self.rules:
            if "action" not in rule:
                raise ValueError(f"deny rule without action: {rule}")

    def denies(self, action, caller, resources):
        for rule in self.rules:
            if not fnmatch.fnmatchcase(action, rule["action"]):
                continue
            if rule.get("access_key_id") not in (None, caller.access_key_id):
                continue
            pattern = rule.get("resource", "*")
            if any(r and fnmatch.fnmatchcase(r, pattern) for r in resources):
                return True
        return False


def denied_message(caller, action, resource):
    who = f"arn:aws:sts::123456789012:assumed-role/fake-aws/{caller.access_key_id}"
    return (f"User: {who} is not authorized to perform: {action} on resource: {resource} "
            f"because no identity-based policy allows the {action} action")
