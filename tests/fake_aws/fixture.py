"""Test-side handle on the AWS emulator: FakeAWS runs tests/fake_aws/server.py in a subprocess
with a store, credentials, deny rules and faults, and gives tests its endpoints, environment
variables, request log, run-time controls and a SigV4-signing raw client."""

import atexit
import http.client
import json
import os
import select
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass

from fake_aws.auth import DEFAULT_CREDENTIALS
from fake_aws.certs import make_ca

PYTHON = "/usr/bin/python3"
SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "server.py")
JSON_11 = "application/x-amz-json-1.1"
SERVICE_OF_PREFIX = {"secretsmanager": "secretsmanager", "AmazonSSM": "ssm"}
DEFAULT_ROLE_ARN = "arn:aws:iam::123456789012:role/fake-aws-role"

_shared_tls = None


def shared_tls():
    """One CA and server certificate per test process, removed when the process ends."""
    global _shared_tls
    if _shared_tls is None:
        tls_dir = tempfile.mkdtemp(prefix="fake-aws-tls-")
        atexit.register(shutil.rmtree, tls_dir, True)
        _shared_tls = make_ca(tls_dir)
    return _shared_tls


@dataclass
class Response:
    status: int
    headers: dict  # lower-case names
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def error_code(self):
        return self.json().get("__type") if self.status >= 300 else None


class FakeAWS:
    """with FakeAWS({"secrets": {...}, "parameters": {...}}) as aws: ... aws.env() ...

    store: a store dict or the path of a store file (README.md). faults, deny, credentials:
    lists as in README.md (credentials default to auth.DEFAULT_CREDENTIALS; entry 0 is what
    env() hands out, the first one with a session token is what the ECS endpoint serves).
    config: further server config keys (ecs, keep_alive, tls_resumption, max_skew_seconds...)."""

    def __init__(self, store=None, faults=None, credentials=None, latency_ms=None, deny=None,
                 region="us-east-1", config=None, tls=None):
        self.store = {} if store is None else store
        self.region = region
        self.credentials = list(credentials or DEFAULT_CREDENTIALS)
        self.config = dict(config or {})
        self.config.update(credentials=self.credentials, faults=list(faults or []),
                           deny=list(deny or []))
        if latency_ms is not None:
            self.config["latency_ms"] = latency_ms
        self.tls = tls
        self.proc = None
        self.workdir = None
        self._final_log = None
        self.log_path = None

    # ---- life cycle ----------------------------------------------------------------------

    def start(self):
        self.workdir = tempfile.mkdtemp(prefix="fake-aws-")
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        if isinstance(self.store, (str, os.PathLike)):
            store_path = os.fspath(self.store)
        else:
            store_path = self._write("store.json", self.store)
        self.ca_bundle, cert, key = self.tls or shared_tls()
        self.log_path = os.path.join(self.workdir, "requests.jsonl")
        cmd = [PYTHON, SERVER, "--store", store_path, "--config",
               self._write("config.json", self.config), "--cert", cert, "--key", key,
               "--log", self.log_path, "--region", self.region, "--exit-on-stdin-eof"]
        self.stderr_path = os.path.join(self.workdir, "server.stderr")
        with open(self.stderr_path, "w") as err:
            # The server's stdin is a pipe from us: if this process dies, the server follows.
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=err, text=True)
        info = json.loads(self._ready_line(timeout=10))
        self.port, self.ecs_port = info["port"], info["ecs_port"]
        self.endpoint = info["endpoint"]
        self.ecs_endpoint = info["ecs_endpoint"]
        self.ecs = self._control("GET", "/__ecs")
        self.imds_port, self.imds_endpoint = info.get("imds_port"), info.get("imds_endpoint")

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdin.close()
            self.proc.stdout.close()
            if self.log_path and os.path.exists(self.log_path):
                self._final_log = self.requests(include_events=True)
            self.proc = None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _write(self, name, doc):
        path = os.path.join(self.workdir, name)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        return path

    def _ready_line(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.05)
            if ready:
                line = self.proc.stdout.readline()
                if line:
                    return line
            if self.proc.poll() is not None:
                break
        with open(self.stderr_path) as f:
            raise RuntimeError(f"fake_aws server did not start: {f.read()[-2000:]}")

    # ---- what a client needs ----------------------------------------------------------------

    def env(self, region=None, credential=0):
        """Environment variables pointing an AWS client at the emulator with static keys
        (credentials[credential]) and no shared config files or IMDS."""
        cred = self.credentials[credential]
        region = region or self.region
        out = {"AWS_ENDPOINT_URL": self.endpoint, "AWS_CA_BUNDLE": self.ca_bundle,
               "AWS_ACCESS_KEY_ID": cred["access_key_id"],
               "AWS_SECRET_ACCESS_KEY": cred["secret_access_key"],
               "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
               "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
        if cred.get("session_token"):
            out["AWS_SESSION_TOKEN"] = cred["session_token"]
        return out

    def ecs_env(self, region=None):
        """Like env() but with credentials only from the ECS endpoint (FULL_URI form)."""
        out = self.env(region)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            out.pop(name, None)
        out["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = self.ecs_endpoint + self.ecs["relative_uri"]
        if self.ecs.get("token"):
            out["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = self.ecs["token"]
        return out

    def sso_env(self, region=None):
        """Like env() without keys, the SSO portal and OIDC endpoints pointed at the emulator
        (AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL_SSO_OIDC); sso.py has the tokens it accepts."""
        out = self.env(region)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            out.pop(name, None)
        out.update(AWS_ENDPOINT_URL_SSO=self.endpoint, AWS_ENDPOINT_URL_SSO_OIDC=self.endpoint)
        return out

    def imds_env(self, region=None):
        """Like env() without keys, IMDS enabled at the emulator's plain-HTTP listener."""
        out = self.env(region)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                     "AWS_EC2_METADATA_DISABLED"):
            out.pop(name, None)
        out["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = self.imds_endpoint
        return out

    def ssl_context(self):
        return ssl.create_default_context(cafile=self.ca_bundle)

    def connection(self, timeout=10):
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                           context=self.ssl_context())

    def call(self, target, body, region=None, credential=0, secret_key=None, headers=None,
             conn=None, timeout=10, service=None):
        """Sends one SigV4-signed AWS JSON 1.1 request (signed by botocore) and returns a
        Response. target: e.g. "secretsmanager.BatchGetSecretValue"; credential: an index
        into credentials or a dict; secret_key overrides the signing secret (bad-signature
        tests); conn: an open connection() to reuse; service overrides the signing name."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": JSON_11, "X-Amz-Target": target, **(headers or {})}
        service = service or SERVICE_OF_PREFIX.get(target.split(".")[0], "secretsmanager")
        return self._send(data, headers, service, region, credential, secret_key, conn, timeout)

    def call_sts(self, action, params, region=None, credential=0, signed=None, conn=None,
                 timeout=10):
        """An STS query-protocol request; AssumeRoleWithWebIdentity goes unsigned unless
        signed=True. Returns a Response whose body is XML."""
        data = urllib.parse.urlencode({"Action": action, "Version": "2011-06-15",
                                       **params}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        if signed is None:
            signed = action != "AssumeRoleWithWebIdentity"
        return self._send(data, headers, "sts", region, credential if signed else None, None,
                          conn, timeout)

    def _send(self, data, headers, service, region, credential, secret_key, conn, timeout):
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        req = AWSRequest(method="POST", url=self.endpoint + "/", data=data, headers=headers)
        if credential is not None:
            cred = credential if isinstance(credential, dict) else self.credentials[credential]
            creds = Credentials(cred["access_key_id"], secret_key or cred["secret_access_key"],
                                cred.get("session_token"))
            SigV4Auth(creds, service, region or self.region).add_auth(req)
        own = conn is None
        conn = conn or self.connection(timeout)
        try:
            conn.request("POST", "/", body=data, headers=dict(req.headers.items()))
            resp = conn.getresponse()
            out = Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            if own:
                conn.close()
        return out

    def web_identity_env(self, token_file, role_arn=DEFAULT_ROLE_ARN, region=None):
        """Like env() but with credentials only from STS AssumeRoleWithWebIdentity."""
        out = self.env(region)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            out.pop(name, None)
        out.update(AWS_WEB_IDENTITY_TOKEN_FILE=os.fspath(token_file), AWS_ROLE_ARN=role_arn,
                   AWS_ROLE_SESSION_NAME="fake-aws-session")
        return out

    # ---- observing and steering ---------------------------------------------------------

    def requests(self, include_events=False, **match):
        """Parsed log lines, oldest first; match filters on fields, e.g. op="GetParameters".
        Lines with "event" (TLS handshake failures) only with include_events=True."""
        if self._final_log is not None and self.proc is None:
            lines = self._final_log
        else:
            with open(self.log_path, encoding="utf-8") as f:
                lines = [json.loads(line) for line in f if line.strip()]
        return [e for e in lines if (include_events or "event" not in e)
                and all(e.get(k) == v for k, v in match.items())]

    def connections(self, **match):
        """Distinct TCP connection ids among the logged requests."""
        return sorted({e["conn"] for e in self.requests(**match)})

    def clear_requests(self):
        self._control("POST", "/__log/clear")

    def set_fault(self, kind, op="*", **params):
        """Adds a fault rule (README.md): e.g. set_fault("throttle", "GetParameters", count=1)."""
        self.add_faults([{"kind": kind, "op": op, **params}])

    def add_faults(self, rules):
        self._control("POST", "/__fault", rules)

    def faults(self):
        return self._control("GET", "/__fault")["faults"]

    def clear_faults(self):
        self._control("DELETE", "/__fault")

    def set_store(self, store):
        self._control("PUT", "/__store", store)

    def set_deny(self, rules):
        self._control("PUT", "/__deny", rules)

    def set_credentials(self, credentials):
        self._control("PUT", "/__credentials", credentials)
        self.credentials = list(credentials)

    def set_ecs(self, **ecs):
        self.ecs = self._control("PUT", "/__ecs", ecs)

    def set_sts(self, **sts):
        """roles / web_identity_tokens (lists, None = any), access_key_id handed out."""
        self._control("PUT", "/__sts", sts)

    def set_sso(self, **sso):
        """access_tokens, refresh_tokens (lists), clients ({id: secret}), roles (None = any,
        or [{"account_id", "role_name"}]), access_key_id handed out, expires_in."""
        return self._control("PUT", "/__sso", sso)

    def set_imds(self, **imds):
        """role (None: no instance profile), v1 (bool), token (bool: False answers the token
        call 403), access_key_id handed out, region."""
        return self._control("PUT", "/__imds", imds)

    def set_latency(self, ms):
        self._control("PUT", "/__latency", {"ms": ms})

    def set_rate(self, service, tps, burst=None):
        """A token-bucket rate for service ("ssm", "secretsmanager"): burst tokens (default
        tps) refilled at tps a second; requests over it get HTTP 400 ThrottlingException.
        tps=None removes it. Returns every rate with its allowed/throttled counts."""
        return self._control("PUT", "/__rate", {"service": service, "tps": tps, "burst": burst})

    def rates(self):
        return self._control("GET", "/__rate")

    def _control(self, method, path, doc=None):
        # Over the plain-HTTP listener: unsigned, not logged, no TLS handshake to pay for.
        conn = http.client.HTTPConnection("127.0.0.1", self.ecs_port, timeout=10)
        try:
            body = None if doc is None else json.dumps(doc)
            conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            out = json.loads(resp.read() or b"{}")
        finally:
            conn.close()
        if resp.status != 200:
            raise RuntimeError(f"fake_aws control {method} {path}: {out.get('error')}")
        return out
