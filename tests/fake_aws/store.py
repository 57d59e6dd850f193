"""The emulator's data: loads a store document in the product's offline-store format (the
repository README, section "The offline store", is its definition: names, full and partial
ARNs, versions and stages, parameter versions and labels, regions) into secrets and parameters
per region, and finds them by the same rules. What the format leaves to AWS (each secret's ARN
suffix, version ids of versions keyed by a label, timestamps) the emulator makes up here."""

import base64
import decimal
import hashlib
import json
import math
import re
import uuid
from dataclasses import dataclass, field

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
CREATED = 1700000000.0  # fixed timestamps keep responses deterministic

SECRET_VALUE_KEYS = {"string", "json", "binary"}
SECRET_SPEC_KEYS = SECRET_VALUE_KEYS | {"versions", "stages", "error"}
PARAM_SPEC_KEYS = {"value", "type", "version", "labels", "history", "data_type"}
PARAM_TYPES = {"String", "StringList", "SecureString"}

SECRET_ARN_RE = re.compile(r"^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$")
PARAM_ARN_RE = re.compile(r"^arn:(aws[a-z-]*):ssm:([a-z0-9-]+):(\d{12}):parameter/(.+)$")
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
REGION_RE = re.compile(r"^[a-z0-9-]{1,64}$")


class StoreError(ValueError):
    """The store document is malformed; the message names the entry."""


def partition_of(region):
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _suffix_for(name):
    """Real secret ARNs end in -XXXXXX (6 random characters); the emulator derives its own from
    the name so its answers are stable (the store format leaves suffixes to AWS)."""
    n = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    out = ""
    for _ in range(6):
        n, r = divmod(n, 62)
        out += B62[r]
    return out


def _version_id(arn, key):
    """A version keyed by a staging label has no id in the store; the emulator makes one up."""
    return str(uuid.UUID(bytes=hashlib.md5(f"{arn}/{key}".encode()).digest()))


@dataclass
class SecretVersion:
    version_id: str
    stages: list
    string: str = None
    binary: bytes = None
    created: float = CREATED


@dataclass
class Secret:
    name: str
    arn: str
    region: str
    account: str
    versions: list = field(default_factory=list)
    error: str = None  # e.g. "DecryptionFailure": the secret exists but cannot be read

    def by_stage(self, stage):
        return next((v for v in self.versions if stage in v.stages), None)

    def by_id(self, version_id):
        return next((v for v in self.versions if v.version_id == version_id), None)


@dataclass
class ParamVersion:
    version: int
    value: str
    labels: list
    modified: float


@dataclass
class Parameter:
    name: str
    arn: str
    type: str
    data_type: str
    current: int
    versions: dict  # version number -> ParamVersion

    def select(self, selector):
        """selector: None, "3" (version) or "label"; returns a ParamVersion or None."""
        if selector is None:
            return self.versions[self.current]
        if selector.isdigit():
            return self.versions.get(int(selector))
        return next((v for v in self.versions.values() if selector in v.labels), None)


@dataclass
class RegionData:
    secrets: dict = field(default_factory=dict)  # (account, name) -> Secret
    parameters: dict = field(default_factory=dict)  # (account, name) -> Parameter


def _is_secret_spec(value):
    if not isinstance(value, dict) or not value:
        return False
    keys = set(value)
    return keys <= SECRET_SPEC_KEYS and bool(keys & (SECRET_VALUE_KEYS | {"versions", "error"}))


def _number(x):
    """A JSON number as the product writes it (jsonval): the shortest digits that read back,
    plain for 1e-6 <= |x| < 1e21, else d.ddde+N; integers as they are."""
    if isinstance(x, int):
        return str(x)
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    sign, digits, exponent = decimal.Decimal(repr(abs(x))).normalize().as_tuple()
    ds = "".join(map(str, digits))
    exp10 = len(ds) - 1 + exponent
    out = "-" if x < 0 else ""
    if not -6 <= exp10 < 21:
        mantissa = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{out}{mantissa}e{'+' if exp10 >= 0 else '-'}{abs(exp10)}"
    if exponent >= 0:
        return out + ds + "0" * exponent
    point = len(ds) + exponent
    return out + (ds[:point] + "." + ds[point:] if point > 0 else "0." + "0" * -point + ds)


def compact_json(value):
    """Compact JSON text as the product writes a JSON secret: key order kept, UTF-8 kept, only
    '"', '\\' and control characters escaped, numbers by _number."""
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + compact_json(v)
                              for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(compact_json(v) for v in value) + "]"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number(value)
    return json.dumps(value, ensure_ascii=False)


def _b64decode(where, text):
    """Standard base64 as the product reads it: whole groups of 4, '=' only as padding, unused
    bits zero (what an encoder writes)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as e:
        raise StoreError(f"{where}: binary is not base64") from e
    if base64.b64encode(raw).decode() != text:
        raise StoreError(f"{where}: binary is not base64")
    return raw


def _secret_payload(where, value):
    """Returns (string, binary) for one version's value."""
    if isinstance(value, str):
        return value, None
    if _is_secret_spec(value):
        present = SECRET_VALUE_KEYS & set(value)
        if len(present) != 1:
            raise StoreError(f"{where}: give exactly one of string, json, binary")
        if "binary" in value:
            if not isinstance(value["binary"], str):
                raise StoreError(f"{where}: binary is not base64")
            return None, _b64decode(where, value["binary"])
        if "string" in value:
            if not isinstance(value["string"], str):
                raise StoreError(f"{where}: string must be a string")
            return value["string"], None
        value = value["json"]
    return compact_json(value), None


def _secret_versions(where, arn, spec):
    is_spec = _is_secret_spec(spec)
    if not is_spec or "versions" not in spec:
        if is_spec and not (SECRET_VALUE_KEYS & set(spec)):
            spec = {"string": "", **spec}  # an "error" secret has no readable value
        string, binary = _secret_payload(where, spec)
        stages = ["AWSCURRENT"] + (list(spec.get("stages", [])) if is_spec else [])
        return [SecretVersion(_version_id(arn, "AWSCURRENT"), stages, string, binary)]
    if not isinstance(spec["versions"], dict) or not spec["versions"]:
        raise StoreError(f"{where}: versions must be a non-empty object")
    out = []
    for key, value in spec["versions"].items():
        # A key of 32-64 characters is a version id (AWS's VersionId length); any other
        # key is a staging label (the emulator makes up the version's id).
        is_spec = _is_secret_spec(value)
        stages = list(value.get("stages", [])) if is_spec else []
        if 32 <= len(key) <= 64:
            version_id = key
        else:
            version_id = _version_id(arn, key)
            stages.insert(0, key)
        string, binary = _secret_payload(f"{where}: version {key}", value)
        out.append(SecretVersion(version_id, stages, string, binary))
    current = [v for v in out if "AWSCURRENT" in v.stages]
    if len(current) != 1:
        raise StoreError(f"{where}: exactly one version must carry AWSCURRENT")
    return out


def _param_arn(partition, region, account, name):
    slash = "" if name.startswith("/") else "/"
    return f"arn:{partition}:ssm:{region}:{account}:parameter{slash}{name}"


def _param_version(where, number, value):
    if isinstance(value, dict):
        labels = value.get("labels", [])
        value = value.get("value")
    else:
        labels = []
    if isinstance(value, list):
        value = ",".join(value)
    if not isinstance(value, str):
        raise StoreError(f"{where}: version {number} value must be a string")
    return ParamVersion(number, value, list(labels), CREATED + number)


def _make_parameter(where, partition, region, account, name, spec):
    if isinstance(spec, str):
        spec = {"value": spec}
    elif isinstance(spec, list):
        spec = {"value": ",".join(spec), "type": "StringList"}
    if not isinstance(spec, dict) or "value" not in spec or not set(spec) <= PARAM_SPEC_KEYS:
        raise StoreError(f"{where}: a parameter is a string, a list, or an object with value")
    ptype = spec.get("type", "StringList" if isinstance(spec["value"], list) else "SecureString")
    if ptype not in PARAM_TYPES:
        raise StoreError(f"{where}: type must be one of {sorted(PARAM_TYPES)}")
    history = {int(k): v for k, v in spec.get("history", {}).items()}
    current = int(spec.get("version", max(history, default=0) + 1))
    if current in history or any(k > current or k < 1 for k in history):
        raise StoreError(f"{where}: history versions must be between 1 and version-1")
    versions = {n: _param_version(where, n, v) for n, v in history.items()}
    head = {"value": spec["value"], "labels": spec.get("labels", [])}
    versions[current] = _param_version(where, current, head)
    labels = [label for v in versions.values() for label in v.labels]
    if len(labels) != len(set(labels)) or any(label[:1].isdigit() for label in labels):
        raise StoreError(f"{where}: a label is on one version only and doesn't start with a digit")
    arn = _param_arn(partition, region, account, name)
    return Parameter(name, arn, ptype, spec.get("data_type", "text"), current, versions)


class Store:
    """All data of one emulator, by region. Read-only once built: to change the data, build a
    new Store and swap it in."""

    def __init__(self, doc, region=DEFAULT_REGION, account=DEFAULT_ACCOUNT):
        if not isinstance(doc, dict):
            raise StoreError("the store must be a JSON object")
        self.default_region = doc.get("region", region)
        self.account = doc.get("account", account)
        if not isinstance(self.account, str) or not re.fullmatch(r"\d{12}", self.account):
            raise StoreError("account must be 12 digits")
        self.regions = {}
        self._load_section(doc, self.default_region, top=True)
        if not isinstance(doc.get("regions", {}), dict):
            raise StoreError("regions must be an object")
        for reg, section in doc.get("regions", {}).items():
            if not isinstance(section, dict):
                raise StoreError(f"regions {reg}: must be an object")
            self._load_section(section, reg)

    def region(self, region):
        return self.regions.setdefault(region, RegionData())

    def _load_section(self, section, region, top=False):
        """The top level, or regions.NAME, which holds only secrets and parameters."""
        keys = {"secrets", "parameters"} | ({"regions", "region", "account"} if top else set())
        unknown = set(section) - keys
        if unknown:
            raise StoreError(f"unknown store keys {sorted(unknown)}")
        if not isinstance(region, str) or not REGION_RE.match(region):
            raise StoreError(f"invalid region {region!r}")
        for key, spec in section.get("secrets", {}).items():
            self._add_secret(key, spec, region)
        for key, spec in section.get("parameters", {}).items():
            self._add_parameter(key, spec, region)

    def _add_secret(self, key, spec, region):
        m = SECRET_ARN_RE.match(key)
        if m:
            partition, region, account, rest = m.groups()
            if not re.search(r"-[A-Za-z0-9]{6}$", rest):
                raise StoreError(f"secret {key}: an ARN key needs the -XXXXXX suffix")
            name, suffix = rest[:-7], rest[-6:]
        else:
            partition, account, name = partition_of(region), self.account, key
            suffix = _suffix_for(key)
        arn = f"arn:{partition}:secretsmanager:{region}:{account}:secret:{name}-{suffix}"
        versions = _secret_versions(f"secret {key}", arn, spec)
        error = spec.get("error") if _is_secret_spec(spec) else None
        if error is not None and not isinstance(error, str):
            raise StoreError(f"secret {key}: error must be a string")
        secret = Secret(name, arn, region, account, versions, error)
        self.region(region).secrets[(account, name)] = secret

    def _add_parameter(self, key, spec, region):
        m = PARAM_ARN_RE.match(key)
        if m:
            partition, region, account, rest = m.groups()
            # The ARN of "/a/b" is ...:parameter/a/b and of "top" is ...:parameter/top.
            name = "/" + rest if "/" in rest else rest
        else:
            partition, account, name = partition_of(region), self.account, key
        param = _make_parameter(f"parameter {key}", partition, region, account, name, spec)
        self.region(region).parameters[(account, name)] = param

    def find_secret(self, region, secret_id):
        """As AWS: by name (this account), by the secret's full ARN, or by partial ARN; None if
        absent. Unlike the offline store, which cannot know a secret's suffix and so answers a
        full ARN with any suffix, the emulator plays AWS: it gave every secret its ARN, and a
        full ARN with another suffix is not found. An ARN naming another region than the
        request's is not found either."""
        data = self.regions.get(region)
        if data is None:
            return None
        m = SECRET_ARN_RE.match(secret_id)
        if not m:
            return data.secrets.get((self.account, secret_id))
        _, arn_region, account, rest = m.groups()
        if arn_region != region:
            return None
        for secret in data.secrets.values():
            if secret.account == account and secret.arn == secret_id:
                return secret
        return data.secrets.get((account, rest))

    def find_parameter(self, region, name):
        """name: a name or ARN without selector; None if absent."""
        data = self.regions.get(region)
        if data is None:
            return None
        m = PARAM_ARN_RE.match(name)
        if not m:
            return data.parameters.get((self.account, name))
        _, arn_region, account, rest = m.groups()
        if arn_region != region:
            return None
        return data.parameters.get((account, "/" + rest)) or data.parameters.get((account, rest))

    def parameters_in(self, region):
        """This account's parameters of a region, sorted by name."""
        data = self.regions.get(region) or RegionData()
        found = [p for (acct, _), p in data.parameters.items() if acct == self.account]
        return sorted(found, key=lambda p: p.name)


def split_selector(name):
    """'/a/b:3' -> ('/a/b', '3'); ARNs contain colons, so look after 'parameter/' only."""
    start = name.find(":parameter/") + 1 if name.startswith("arn:") else 0
    colon = name.find(":", start)
    if colon < 0:
        return name, None
    return name[:colon], name[colon + 1:]
