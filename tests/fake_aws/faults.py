"""Faults on demand: a thread-safe table of rules saying which requests (operation, name) get
which misbehaviour, how often, and the bodies of the malformed-response faults."""

import fnmatch
import json
import threading
import time

KINDS = {
    "throttle",     # HTTP 400 ThrottlingException
    "error",        # HTTP status (default 500) with code InternalServiceError/ServiceUnavailable
    "close",        # read the request, close the connection without answering (FIN)
    "reset",        # read the request, reset the connection (RST, SO_LINGER 0)
    "stall",        # read the request, wait `seconds` (null: until the server stops), then answer
    "not_json",     # HTTP 200 with an HTML body
    "truncated",    # Content-Length larger than the body sent, then close
    "wrong_types",  # HTTP 200, valid JSON whose members have the wrong JSON types
    "oversized",    # HTTP 200, valid JSON of `bytes` (default 2 MiB) bytes
    "latency",      # wait `ms` before answering; combines with any other fault
    "empty_page",   # GetParametersByPath: no Parameters but a NextToken for the same place
}
PARAMS = {"kind", "op", "name", "count", "skip", "seconds", "ms", "status", "code", "bytes"}


def check_fault(fault):
    """Validates one fault rule and returns a copy with defaults filled in."""
    if not isinstance(fault, dict) or fault.get("kind") not in KINDS:
        raise ValueError(f"fault needs kind in {sorted(KINDS)}: {fault!r}")
    unknown = set(fault) - PARAMS
    if unknown:
        raise ValueError(f"unknown fault keys {sorted(unknown)}")
    out = {"op": "*", "name": None, "count": None, "skip": 0, **fault}
    if fault["kind"] == "latency" and not isinstance(fault.get("ms"), (int, float)):
        raise ValueError("a latency fault needs ms")
    out["seen"] = out["fired"] = 0
    return out


class FaultTable:
    def __init__(self, faults=()):
        self._lock = threading.Lock()
        self._faults = [check_fault(f) for f in faults]

    def add(self, faults):
        checked = [check_fault(f) for f in faults]
        with self._lock:
            self._faults.extend(checked)

    def clear(self):
        with self._lock:
            self._faults = []

    def list(self):
        with self._lock:
            return [dict(f) for f in self._faults]

    def take(self, op, names):
        """Faults for one request: every matching latency fault plus the first other fault
        that fires. A fault with count N is used up after N firings; skip lets the first
        matching requests through."""
        fired = []
        with self._lock:
            for fault in list(self._faults):
                is_latency = fault["kind"] == "latency"
                if not is_latency and any(f["kind"] != "latency" for f in fired):
                    continue
                if not self._matches(fault, op, names):
                    continue
                fault["seen"] += 1
                if fault["seen"] <= fault["skip"]:
                    continue
                fault["fired"] += 1
                fired.append(dict(fault))
                if fault["count"] is not None and fault["fired"] >= fault["count"]:
                    self._faults.remove(fault)
        return fired

    @staticmethod
    def _matches(fault, op, names):
        if not fnmatch.fnmatchcase(op, fault["op"]):
            return False
        pattern = fault["name"]
        return pattern is None or any(fnmatch.fnmatchcase(n, pattern) for n in names)


class TokenBucket:
    """A service's request rate, as AWS enforces it: `burst` tokens, refilled at `tps` a second;
    a request that finds no token is throttled (and takes none)."""

    def __init__(self, tps, burst=None):
        if not isinstance(tps, (int, float)) or tps <= 0:
            raise ValueError(f"a rate needs tps > 0: {tps!r}")
        burst = tps if burst is None else burst
        if not isinstance(burst, (int, float)) or burst < 1:
            raise ValueError(f"a rate needs burst >= 1: {burst!r}")
        self.tps, self.burst = float(tps), float(burst)
        self._tokens, self._last = self.burst, time.monotonic()
        self._lock = threading.Lock()
        self.allowed = self.throttled = 0

    def take(self):
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.tps)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                self.allowed += 1
                return True
            self.throttled += 1
            return False

    def describe(self):
        with self._lock:
            return {"tps": self.tps, "burst": self.burst, "allowed": self.allowed,
                    "throttled": self.throttled}


def wrong_types_body(op):
    """Valid JSON with the members the client reads carrying the wrong JSON types (for STS:
    well-formed XML whose Credentials lack the secret key and have a bad Expiration)."""
    if op in ("AssumeRole", "AssumeRoleWithWebIdentity"):
        return (f"<{op}Response><{op}Result><Credentials><AccessKeyId>ASIA</AccessKeyId>"
                f"<Expiration>not a date</Expiration></Credentials></{op}Result></{op}Response>"
                ).encode()
    bodies = {
        "GetSecretValue": {"ARN": 7, "Name": ["x"], "SecretString": {"not": "a string"},
                           "VersionStages": "AWSCURRENT"},
        "BatchGetSecretValue": {"SecretValues": "not a list", "Errors": {"not": "a list"}},
        "GetParameter": {"Parameter": "not an object"},
        "GetParameters": {"Parameters": "not a list", "InvalidParameters": 5},
        "GetParametersByPath": {"Parameters": {"not": "a list"}, "NextToken": 7},
        "EcsCredentials": {"AccessKeyId": 5, "SecretAccessKey": [], "Token": {},
                           "Expiration": 0},
    }
    return json.dumps(bodies.get(op, {"unexpected": []})).encode()


def oversized_body(size):
    """A syntactically valid JSON object of at least size bytes."""
    pad = max(size - 40, 0)
    return json.dumps({"Parameters": [], "SecretValues": [], "Padding": "x" * pad}).encode()


NOT_JSON_BODY = b"<html><body><h1>200 OK</h1>This is not JSON.</body></html>\n"
