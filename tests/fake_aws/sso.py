"""IAM Identity Center on the HTTPS listener: the portal's GetRoleCredentials
(GET /federation/credentials, header x-amz-sso_bearer_token) and SSO OIDC's CreateToken with
the refresh_token grant (POST /token, JSON), both unsigned REST-JSON as botocore's models say
(sso 2019-06-10, sso-oidc 2019-06-10). Errors carry the code in X-Amzn-ErrorType and a
{"message"} body (portal) or {"error", "error_description"} body (OIDC), as AWS answers."""

import itertools
import json
import time
import urllib.parse

PORTAL_PATH = "/federation/credentials"
OIDC_PATH = "/token"
PORTAL_OP = "GetRoleCredentials"
OIDC_OP = "CreateToken"
DEFAULT_ACCESS_TOKEN = "fake-aws-sso-access-token"
DEFAULT_REFRESH_TOKEN = "fake-aws-sso-refresh-token"
DEFAULT_CLIENT = ("fake-aws-client-id", "fake-aws-client-secret")

_serial = itertools.count(1)


def default_config(access_key_id):
    """access_tokens / refresh_tokens: lists of valid tokens (CreateToken adds the ones it
    hands out); roles: null (any) or [{"account_id", "role_name"}]; clients: {id: secret};
    access_key_id: the credential GetRoleCredentials hands out; expires_in: seconds."""
    return {"access_tokens": [DEFAULT_ACCESS_TOKEN], "refresh_tokens": [DEFAULT_REFRESH_TOKEN],
            "clients": {DEFAULT_CLIENT[0]: DEFAULT_CLIENT[1]}, "roles": None,
            "access_key_id": access_key_id, "expires_in": 3600}


class SsoError(Exception):
    def __init__(self, status, code, message, oauth=None):
        super().__init__(message)
        self.status, self.code, self.message, self.oauth = status, code, message, oauth

    def body(self):
        if self.oauth:
            return {"error": self.oauth, "error_description": self.message}
        return {"message": self.message}


def route(method, path):
    """The operation a request is for, or None when it is not an SSO one."""
    path = path.split("?")[0]
    if path == PORTAL_PATH:
        return PORTAL_OP
    if path == OIDC_PATH and method == "POST":
        return OIDC_OP
    return None


def get_role_credentials(method, path, headers, config, cred):
    if method != "GET":
        raise SsoError(405, "InvalidRequestException", "GetRoleCredentials is a GET")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query, keep_blank_values=True)
    token = headers.get("x-amz-sso_bearer_token")
    if not token or token not in config["access_tokens"]:
        raise SsoError(401, "UnauthorizedException", "Session token not found or invalid")
    role, account = query.get("role_name", [""])[0], query.get("account_id", [""])[0]
    if not role or not account:
        raise SsoError(400, "InvalidRequestException", "role_name and account_id are required")
    roles = config.get("roles")
    if roles is not None and {"account_id": account, "role_name": role} not in roles:
        raise SsoError(403, "ForbiddenException", "No access")
    expires_ms = int((time.time() + config.get("expires_in", 3600)) * 1000)
    return {"roleCredentials": {"accessKeyId": cred.access_key_id,
                                "secretAccessKey": cred.secret_access_key,
                                "sessionToken": cred.session_token, "expiration": expires_ms}}


def create_token(raw, content_type, config):
    if content_type != "application/json":
        raise SsoError(400, "InvalidRequestException", "Content-Type must be application/json",
                       "invalid_request")
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str)
                                             for k in ("clientId", "clientSecret", "grantType")):
        raise SsoError(400, "InvalidRequestException", "clientId, clientSecret and grantType "
                       "are required", "invalid_request")
    if config["clients"].get(body["clientId"]) != body["clientSecret"]:
        raise SsoError(401, "InvalidClientException", "Invalid client", "invalid_client")
    if body["grantType"] != "refresh_token":
        raise SsoError(400, "UnsupportedGrantTypeException",
                       "only refresh_token is emulated", "unsupported_grant_type")
    if body.get("refreshToken") not in config["refresh_tokens"]:
        raise SsoError(400, "InvalidGrantException", "Invalid refresh token provided",
                       "invalid_grant")
    n = next(_serial)
    access, refresh = f"{DEFAULT_ACCESS_TOKEN}-{n}", f"{DEFAULT_REFRESH_TOKEN}-{n}"
    config["access_tokens"].append(access)
    config["refresh_tokens"].append(refresh)
    return {"accessToken": access, "tokenType": "Bearer",
            "expiresIn": config.get("expires_in", 3600), "refreshToken": refresh}


def serve(handler, op, raw):
    """Answer one SSO request on handler (a server.Handler); faults apply under op's name."""
    state = handler.state
    handler.entry.update(service="sso" if op == PORTAL_OP else "sso-oidc", op=op)
    content_type = (handler.headers.get("content-type") or "").split(";")[0].strip()
    try:
        if op == PORTAL_OP:
            cred = state.credentials[state.sso["access_key_id"]]
            out = get_role_credentials(handler.command, handler.path, handler.headers,
                                       state.sso, cred)
            handler.entry["access_key_id"] = cred.access_key_id
        else:
            out = create_token(raw, content_type, state.sso)
    except SsoError as e:
        handler.reply(e.status, json.dumps(e.body()).encode(), "application/json",
                      error=e.code, headers={"X-Amzn-ErrorType": e.code})
        return
    fault = handler.apply_faults(op, handler.entry["names"])
    if fault and fault["kind"] in ("throttle", "error"):
        status, code = (429, "TooManyRequestsException") if fault["kind"] == "throttle" else \
            (fault.get("status") or 500, fault.get("code") or "InternalServerException")
        handler.reply(status, json.dumps({"message": "injected by fake_aws"}).encode(),
                      "application/json", error=code, headers={"X-Amzn-ErrorType": code})
        return
    body = json.dumps(out).encode()
    if not handler.send_shaped(fault, op, body, "application/json"):
        handler.reply(200, body, "application/json")
