"""STS in the query protocol (form-encoded request, XML answer): AssumeRoleWithWebIdentity
(unsigned) and AssumeRole (signed), handing out one of the credentials the emulator knows."""

import re
import time
import urllib.parse
from xml.sax.saxutils import escape

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$")
OPERATIONS = ("AssumeRoleWithWebIdentity", "AssumeRole")
# SigV4 failures as the query protocol names them: (code, HTTP status).
AUTH_CODES = {
    "MissingAuthenticationTokenException": ("MissingAuthenticationToken", 403),
    "IncompleteSignatureException": ("IncompleteSignature", 400),
    "InvalidSignatureException": ("SignatureDoesNotMatch", 403),
    "UnrecognizedClientException": ("InvalidClientTokenId", 403),
    "ExpiredTokenException": ("ExpiredToken", 400),
}


class StsError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def parse_form(raw):
    """The form body as {name: value}; repeated names keep the last value."""
    try:
        return dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        raise StsError("MalformedQueryString", "The request body is not UTF-8.") from None


def _check_common(form):
    role_arn = form.get("RoleArn", "")
    m = ROLE_ARN_RE.match(role_arn)
    if not m:
        raise StsError("ValidationError", f"{role_arn!r} is not a valid role ARN.")
    session = form.get("RoleSessionName", "")
    if not SESSION_NAME_RE.match(session):
        raise StsError("ValidationError", "1 validation error detected: Value at "
                       "'roleSessionName' failed to satisfy constraint: Member must satisfy "
                       "regular expression pattern: [\\w+=,.@-]* and have length 2 to 64")
    duration = form.get("DurationSeconds", "3600")
    if not duration.isdigit() or not 900 <= int(duration) <= 43200:
        raise StsError("ValidationError", "DurationSeconds must be between 900 and 43200.")
    return role_arn, m.group(1), m.group(2), session, int(duration)


def check_request(form, config):
    """Validates an AssumeRole* request against config {"roles": [...]|None,
    "web_identity_tokens": [...]|None}; returns (role_arn, account, role, session, duration)."""
    parsed = _check_common(form)
    roles = config.get("roles")
    if roles is not None and parsed[0] not in roles:
        raise StsError("AccessDenied", f"Not authorized to perform sts:{form['Action']} on "
                       f"{parsed[0]}", 403)
    if form["Action"] == "AssumeRoleWithWebIdentity":
        token = form.get("WebIdentityToken", "")
        if not 4 <= len(token) <= 20000:
            raise StsError("ValidationError", "WebIdentityToken must have 4 to 20000 characters.")
        allowed = config.get("web_identity_tokens")
        if allowed is not None and token not in allowed:
            raise StsError("InvalidIdentityToken", "The web identity token that was passed "
                           "could not be validated by AWS. Get a new identity token from the "
                           "identity provider and then retry the request.")
    return parsed


def success_xml(action, request_id, cred, parsed):
    role_arn, account, role, session, duration = parsed
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + duration))
    user = (f"<AssumedRoleUser><Arn>arn:aws:sts::{account}:assumed-role/{escape(role)}/"
            f"{escape(session)}</Arn><AssumedRoleId>AROAFAKEAWS00000000000:{escape(session)}"
            f"</AssumedRoleId></AssumedRoleUser>")
    extra = ""
    if action == "AssumeRoleWithWebIdentity":
        extra = ("<SubjectFromWebIdentityToken>fake-aws-subject</SubjectFromWebIdentityToken>"
                 "<Provider>fake-aws</Provider><Audience>sts.amazonaws.com</Audience>")
    return (f'<{action}Response xmlns="{NS}"><{action}Result><Credentials>'
            f"<AccessKeyId>{escape(cred.access_key_id)}</AccessKeyId>"
            f"<SecretAccessKey>{escape(cred.secret_access_key)}</SecretAccessKey>"
            f"<SessionToken>{escape(cred.session_token or '')}</SessionToken>"
            f"<Expiration>{expires}</Expiration></Credentials>{user}{extra}</{action}Result>"
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
            f"</{action}Response>").encode()


def error_xml(code, message, request_id, status):
    kind = "Receiver" if status >= 500 else "Sender"
    return (f'<ErrorResponse xmlns="{NS}"><Error><Type>{kind}</Type><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId>"
            f"</ErrorResponse>").encode()
