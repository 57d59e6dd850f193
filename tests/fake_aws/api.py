"""The operations the emulator answers (Secrets Manager and SSM, AWS JSON 1.1): each is a
function of (request body, Context) returning the response object or raising ApiError, with
AWS's validation limits, error codes and per-item failure reporting."""

import base64
import hashlib
import json
from dataclasses import dataclass

from fake_aws.auth import Caller, Policy, denied_message
from fake_aws.store import Store, split_selector

# X-Amz-Target -> (signing service, operation)
TARGETS = {
    "secretsmanager.GetSecretValue": ("secretsmanager", "GetSecretValue"),
    "secretsmanager.BatchGetSecretValue": ("secretsmanager", "BatchGetSecretValue"),
    "AmazonSSM.GetParameter": ("ssm", "GetParameter"),
    "AmazonSSM.GetParameters": ("ssm", "GetParameters"),
    "AmazonSSM.GetParametersByPath": ("ssm", "GetParametersByPath"),
}
SERVICE_OF_PREFIX = {"secretsmanager": "secretsmanager", "AmazonSSM": "ssm"}
SM_NOT_FOUND = "Secrets Manager can't find the specified secret."
SECRET_ERRORS = {
    "DecryptionFailure": "Secrets Manager can't decrypt the protected secret text using the "
                         "provided KMS key.",
    "InvalidRequestException": "You can't perform this operation on the secret because it was "
                               "marked for deletion.",
}


class ApiError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class Context:
    store: Store
    policy: Policy
    caller: Caller
    empty_page: bool = False  # fault "empty_page": a by-path page with no items but a NextToken

    @property
    def region(self):
        return self.caller.region

    def check(self, action, resources, shown):
        if self.policy.denies(action, self.caller, resources):
            raise ApiError("AccessDeniedException", denied_message(self.caller, action, shown))


def _validation(field, value, constraint):
    shown = "null" if value is None else f"'{value}'"
    return ApiError("ValidationException", f"1 validation error detected: Value {shown} at "
                                           f"'{field}' failed to satisfy constraint: {constraint}")


def _get(body, key, kind, required=False):
    """A member of the request of JSON type kind (str, bool, int, list); SerializationException
    for a wrong type, as AWS's deserializer does."""
    value = body.get(key)
    if value is None:
        if required:
            raise _validation(key[0].lower() + key[1:], None, "Member must not be null")
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ApiError("SerializationException", f"Unexpected type for member {key}")
    return value


def _string_list(body, key, low, high):
    values = _get(body, key, list, required=True)
    if not all(isinstance(v, str) for v in values):
        raise ApiError("SerializationException", f"Unexpected type for member {key}")
    field = key[0].lower() + key[1:]
    if len(values) < low:
        raise _validation(field, values, f"Member must have length greater than or equal to {low}")
    if len(values) > high:
        raise _validation(field, values, f"Member must have length less than or equal to {high}")
    return list(dict.fromkeys(values))  # AWS answers a repeated id once


# ---- Secrets Manager -------------------------------------------------------------------------

def _secret_value(secret, version):
    if secret.error:
        raise ApiError(secret.error, SECRET_ERRORS.get(secret.error, secret.error))
    out = {"ARN": secret.arn, "Name": secret.name, "VersionId": version.version_id,
           "VersionStages": list(version.stages), "CreatedDate": version.created}
    if version.binary is not None:
        out["SecretBinary"] = base64.b64encode(version.binary).decode()
    else:
        out["SecretString"] = version.string
    return out


def _pick_version(secret, version_id, stage):
    if version_id is not None:
        version = secret.by_id(version_id)
        if version is None or (stage is not None and stage not in version.stages):
            label = f" and staging label: {stage}" if stage else ""
            raise ApiError("ResourceNotFoundException", "Secrets Manager can't find the specified "
                           f"secret value for VersionId: {version_id}{label}")
        return version
    stage = stage or "AWSCURRENT"
    version = secret.by_stage(stage)
    if version is None:
        raise ApiError("ResourceNotFoundException", "Secrets Manager can't find the specified "
                       f"secret value for staging label: {stage}")
    return version


def _read_secret(ctx, secret_id, version_id=None, stage=None):
    secret = ctx.store.find_secret(ctx.region, secret_id)
    known = [secret.name, secret.arn] if secret else []
    ctx.check("secretsmanager:GetSecretValue", [secret_id] + known, secret_id)
    if secret is None:
        raise ApiError("ResourceNotFoundException", SM_NOT_FOUND)
    return _secret_value(secret, _pick_version(secret, version_id, stage))


def get_secret_value(body, ctx):
    secret_id = _get(body, "SecretId", str, required=True)
    version_id = _get(body, "VersionId", str)
    stage = _get(body, "VersionStage", str)
    return _read_secret(ctx, secret_id, version_id, stage)


def batch_get_secret_value(body, ctx):
    if body.get("Filters") is not None:
        raise ApiError("InvalidParameterException", "Filters are not supported by this emulator; "
                       "use SecretIdList.")
    if body.get("SecretIdList") is None:
        raise ApiError("InvalidParameterException", "Either 'SecretIdList' or 'Filters' must be "
                       "provided.")
    if body.get("MaxResults") is not None:
        raise ApiError("InvalidParameterException", "'MaxResults' is only valid with 'Filters'.")
    ids = _string_list(body, "SecretIdList", 1, 20)
    # BatchGetSecretValue has no resource-level permission: a rule on it denies the whole call.
    ctx.check("secretsmanager:BatchGetSecretValue", ["*"] + ids, "*")
    values, errors = [], []
    for secret_id in ids:
        try:
            values.append(_read_secret(ctx, secret_id))
        except ApiError as e:
            errors.append({"SecretId": secret_id, "ErrorCode": e.code, "Message": e.message})
    return {"SecretValues": values, "Errors": errors}


# ---- SSM -------------------------------------------------------------------------------------

def _ciphertext(param, version):
    """What SSM returns for a SecureString without WithDecryption: a KMS blob, here derived
    from the ARN and version so it never reveals the value."""
    digest = hashlib.sha256(f"{param.arn}#{version.version}".encode()).digest()
    return base64.b64encode(b"\x01\x02\x02\x00\x78" + digest * 4).decode()


def _param_json(param, version, with_decryption, selector=None):
    value = version.value
    if param.type == "SecureString" and not with_decryption:
        value = _ciphertext(param, version)
    out = {"Name": param.name, "Type": param.type, "Value": value, "Version": version.version,
           "LastModifiedDate": version.modified, "ARN": param.arn, "DataType": param.data_type}
    if selector is not None:
        out["Selector"] = ":" + selector
    return out


def _check_name(field, name):
    if " " in name.strip():
        raise _validation(field, name, "Parameter name must not contain spaces")
    return name.strip()


def _lookup(ctx, requested):
    """Returns (param, version, selector) with param or version None when absent."""
    base, selector = split_selector(requested)
    param = ctx.store.find_parameter(ctx.region, base)
    version = param.select(selector) if param else None
    return param, version, selector


def get_parameter(body, ctx):
    name = _check_name("name", _get(body, "Name", str, required=True))
    with_decryption = bool(_get(body, "WithDecryption", bool))
    param, version, selector = _lookup(ctx, name)
    known = [param.name, param.arn] if param else []
    ctx.check("ssm:GetParameter", [name, split_selector(name)[0]] + known, name)
    if param is None:
        raise ApiError("ParameterNotFound", f"Parameter {name} not found.")
    if version is None:
        raise ApiError("ParameterVersionNotFound", f"Systems Manager could not find version "
                       f"{selector} of {param.name}. Verify the version and try again.")
    return {"Parameter": _param_json(param, version, with_decryption, selector)}


def get_parameters(body, ctx):
    names = [_check_name("names", n) for n in _string_list(body, "Names", 1, 10)]
    with_decryption = bool(_get(body, "WithDecryption", bool))
    found, invalid = [], []
    for name in dict.fromkeys(names):
        param, version, selector = _lookup(ctx, name)
        known = [param.name, param.arn] if param else []
        # IAM evaluates every named resource: one denied name fails the whole call.
        ctx.check("ssm:GetParameters", [name, split_selector(name)[0]] + known, name)
        if version is None:
            invalid.append(name)
        else:
            found.append(_param_json(param, version, with_decryption, selector))
    found.sort(key=lambda p: (p["Name"], p["Version"]))
    return {"Parameters": found, "InvalidParameters": invalid}


def _path_token(path, recursive, types, offset):
    # Opaque to clients, and not base64 JSON, which botocore's paginator would take for its own.
    query = hashlib.sha256(json.dumps([path, recursive, types]).encode()).hexdigest()[:16]
    return f"fake-aws.{offset}.{query}"


def _path_offset(token, path, recursive, types):
    parts = token.split(".")
    offset = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None
    if offset is None or token != _path_token(path, recursive, types, offset):
        raise ApiError("InvalidNextToken", "The specified token isn't valid.")
    return offset


def _type_filter(body):
    filters = _get(body, "ParameterFilters", list) or []
    types = []
    for f in filters:
        if not isinstance(f, dict) or f.get("Key") != "Type":
            raise ApiError("InvalidFilterKey", "This emulator supports only the Type filter.")
        if f.get("Option", "Equals") != "Equals":
            raise ApiError("InvalidFilterOption", "The Type filter supports only Equals.")
        types.extend(f.get("Values") or [])
    return sorted(types)


def get_parameters_by_path(body, ctx):
    path = _get(body, "Path", str, required=True)
    recursive = bool(_get(body, "Recursive", bool))
    with_decryption = bool(_get(body, "WithDecryption", bool))
    max_results = _get(body, "MaxResults", int)
    token = _get(body, "NextToken", str)
    types = _type_filter(body)
    if max_results is not None and not 1 <= max_results <= 10:
        raise _validation("maxResults", max_results, "Member must have value less than or equal "
                          "to 10" if max_results > 10 else "Member must have value greater than or "
                          "equal to 1")
    if not path.startswith("/") or path.count("/") > 15:
        raise ApiError("ValidationException", "The parameter doesn't meet the parameter name "
                       "requirements. The parameter name must begin with a forward slash \"/\" "
                       "and have at most 15 levels.")
    ctx.check("ssm:GetParametersByPath", [path], path)
    prefix = path.rstrip("/") + "/"
    matches = [p for p in ctx.store.parameters_in(ctx.region)
               if p.name.startswith(prefix) and (recursive or "/" not in p.name[len(prefix):])
               and (not types or p.type in types)]
    offset = _path_offset(token, path, recursive, types) if token else 0
    count = 0 if ctx.empty_page else (max_results or 10)
    page = matches[offset:offset + count]
    out = {"Parameters": [_param_json(p, p.versions[p.current], with_decryption) for p in page]}
    if offset + count < len(matches):
        out["NextToken"] = _path_token(path, recursive, types, offset + count)
    return out


OPERATIONS = {
    "GetSecretValue": get_secret_value,
    "BatchGetSecretValue": batch_get_secret_value,
    "GetParameter": get_parameter,
    "GetParameters": get_parameters,
    "GetParametersByPath": get_parameters_by_path,
}


def request_names(op, body):
    """The ids and names a request asks for (never values), for the log and fault matching."""
    if not isinstance(body, dict):
        return []
    one = {"GetSecretValue": "SecretId", "GetParameter": "Name", "GetParametersByPath": "Path"}
    many = {"BatchGetSecretValue": "SecretIdList", "GetParameters": "Names"}
    if op in one and isinstance(body.get(one[op]), str):
        return [body[one[op]]]
    if op in many and isinstance(body.get(many[op]), list):
        return [n for n in body[many[op]] if isinstance(n, str)]
    return []


def call(op, body, ctx):
    if not isinstance(body, dict):
        raise ApiError("SerializationException", "The request body must be a JSON object.")
    return OPERATIONS[op](body, ctx)
