"""EC2 instance metadata (IMDSv2) on its own plain-HTTP listener on 127.0.0.1, as botocore's
InstanceMetadataFetcher and the shim expect it: PUT /latest/api/token with
X-aws-ec2-metadata-token-ttl-seconds (1 to 21600), then GETs carrying X-aws-ec2-metadata-token:
the role listing, the role's credentials (JSON served as text/plain, as EC2 does),
placement/region and placement/availability-zone (the region and "a"). Faults apply under ImdsToken, ImdsRole, ImdsCredentials and ImdsRegion."""

import json
import secrets
import threading
import time

TOKEN_PATH = "/latest/api/token"
CREDS_PATH = "/latest/meta-data/iam/security-credentials/"
REGION_PATH = "/latest/meta-data/placement/region"
ZONE_PATH = "/latest/meta-data/placement/availability-zone"  # botocore 1.29 reads this one
TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "x-aws-ec2-metadata-token"
TEXT = "text/plain"

_tokens = {}  # token -> expiry (time.time())
_lock = threading.Lock()


def default_config(access_key_id, region):
    """role: the instance profile's role (null: none attached, the listing answers 404);
    v1: IMDSv1 requests (no token) are answered; token: the token call is served (false
    answers 403 Forbidden, as an IMDS with tokens turned off would: clients fall back to v1);
    access_key_id: the credential served; region: placement/region."""
    return {"role": "fake-aws-instance-role", "v1": True, "token": True,
            "access_key_id": access_key_id, "region": region}


def _token_valid(token):
    with _lock:
        expiry = _tokens.get(token)
    return expiry is not None and expiry > time.time()


def answer(method, path, headers, config, credentials):
    """(op, status, body, content_type) for one request; never raises."""
    path = path.split("?")[0]
    if path == ZONE_PATH + "/":
        path = ZONE_PATH
    if path == TOKEN_PATH:
        return ("ImdsToken",) + _token(method, headers, config)
    op = {REGION_PATH: "ImdsRegion", ZONE_PATH: "ImdsRegion",
          CREDS_PATH: "ImdsRole"}.get(path, "ImdsCredentials")
    if method != "GET":
        return op, 405, b"", TEXT
    token = headers.get(TOKEN_HEADER)
    if token is not None and not _token_valid(token):
        return op, 401, b"", TEXT
    if token is None and not config.get("v1", True):
        return op, 401, b"", TEXT
    role = config.get("role")
    if path == REGION_PATH:
        return op, 200, config["region"].encode(), TEXT
    if path == ZONE_PATH:
        return op, 200, (config["region"] + "a").encode(), TEXT
    if path == CREDS_PATH:
        return (op, 200, role.encode(), TEXT) if role else (op, 404, b"Not Found", TEXT)
    if role and path == CREDS_PATH + role:
        cred = credentials[config["access_key_id"]]
        now = time.time()
        out = {"Code": "Success", "LastUpdated": _iso(now), "Type": "AWS-HMAC",
               "AccessKeyId": cred.access_key_id, "SecretAccessKey": cred.secret_access_key,
               "Token": cred.session_token, "Expiration": _iso(now + 6 * 3600)}
        return op, 200, json.dumps(out, indent=2).encode(), TEXT
    return op, 404, b"Not Found", TEXT


def _token(method, headers, config):
    if method != "PUT":
        return 405, b"", TEXT
    if headers.get("x-forwarded-for") is not None or not config.get("token", True):
        return 403, b"Forbidden", TEXT
    try:
        ttl = int(headers.get(TTL_HEADER) or "")
    except ValueError:
        ttl = 0
    if not 1 <= ttl <= 21600:
        return 400, b"Bad Request", TEXT
    token = "AQAE" + secrets.token_urlsafe(40)
    with _lock:
        _tokens[token] = time.time() + ttl
    return 200, token.encode(), TEXT


def _iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def serve(handler, raw):
    """Answer one request on handler (a server.Handler of the IMDS listener)."""
    state = handler.state
    op, status, body, ctype = answer(handler.command, handler.path, handler.headers, state.imds,
                                     state.credentials)
    handler.entry.update(service="imds", op=op, names=[handler.path.split("?")[0]])
    if status == 200:
        fault = handler.apply_faults(op, handler.entry["names"])
        if fault and fault["kind"] in ("throttle", "error"):
            status = fault.get("status") or (429 if fault["kind"] == "throttle" else 500)
            handler.reply(status, b"", TEXT, error=str(status))
            return
        if handler.send_shaped(fault, op, body, TEXT):
            return
        if op == "ImdsCredentials":
            handler.entry["access_key_id"] = state.imds["access_key_id"]
    handler.reply(status, body, ctype, error=None if status == 200 else str(status))
