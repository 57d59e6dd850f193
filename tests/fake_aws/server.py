#!/usr/bin/python3
"""The AWS emulator's network side: an HTTPS listener speaking AWS JSON 1.1 (Secrets Manager,
SSM), the STS query protocol and IAM Identity Center's REST-JSON (portal, OIDC), plain-HTTP
listeners for ECS container credentials and EC2 instance metadata, faults on demand, a
JSON-lines request log and an unsigned control API under /__. See README.md."""

import argparse
import email.utils
import http
import http.server
import itertools
import json
import os
import signal
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from fake_aws import api, auth, faults, imds, sso, sts  # noqa: E402
from fake_aws.certs import make_ca  # noqa: E402
from fake_aws.store import Store, StoreError  # noqa: E402

JSON_11 = "application/x-amz-json-1.1"
FORM = "application/x-www-form-urlencoded"
ECS_OP = "EcsCredentials"
DEFAULT_ECS_URI = "/v2/credentials/fake-aws-task-role"
MAX_REQUEST_BODY = 16 << 20


class RequestLog:
    """One JSON object per line, appended under a lock; never holds values."""

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._file = open(path, "a", encoding="utf-8") if path else None

    def write(self, entry):
        if self._file is None:
            return
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()

    def clear(self):
        if self._file is not None:
            with self._lock:
                self._file.truncate(0)


class State:
    """Everything the handlers share; the control API swaps its parts at run time."""

    def __init__(self, store, config, log):
        self.store = store
        self.credentials = auth.load_credentials(config.get("credentials",
                                                            auth.DEFAULT_CREDENTIALS))
        self.policy = auth.Policy(config.get("deny", []))
        self.faults = faults.FaultTable(config.get("faults", []))
        self.rates = {svc: faults.TokenBucket(r["tps"], r.get("burst"))
                      for svc, r in config.get("rates", {}).items()}
        self.latency_ms = config.get("latency_ms", 0)
        self.max_skew = config.get("max_skew_seconds", auth.MAX_SKEW_SECONDS)
        self.regions = config.get("regions_allowed")
        self.keep_alive = config.get("keep_alive", True)
        self.ecs = self._ecs_config(config.get("ecs", {}))
        self.sts = {"roles": None, "web_identity_tokens": None,
                    "access_key_id": self.ecs["access_key_id"], **config.get("sts", {})}
        self.sso = {**sso.default_config(self.ecs["access_key_id"]), **config.get("sso", {})}
        self.imds = {**imds.default_config(self.ecs["access_key_id"], store.default_region),
                     **config.get("imds", {})}
        self.log = log
        self.stopping = threading.Event()
        self.conn_ids = itertools.count(1)

    def _ecs_config(self, ecs):
        with_token = [c for c in self.credentials.values() if c.session_token]
        default_key = (with_token or list(self.credentials.values()))[0].access_key_id
        return {"relative_uri": DEFAULT_ECS_URI, "token": None, "access_key_id": default_key,
                "role_arn": "arn:aws:iam::123456789012:role/fake-aws-task-role", **ecs}


class Quiet(Exception):
    """A connection ended on purpose (TLS failure already logged); nothing to print."""


class Handler(http.server.BaseHTTPRequestHandler):
    """Connection bookkeeping, body reading, one-write responses, connection faults, control."""

    protocol_version = "HTTP/1.1"
    server_version = "fake-aws"
    sys_version = ""
    timeout = 120  # idle keep-alive connections
    listener = "?"

    def setup(self):
        # Without TCP_NODELAY a response split over two segments waits out delayed ACKs.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.state = self.server.state
        self.conn_id = next(self.state.conn_ids)
        self.conn_requests = 0
        self.tls_reused = None
        if self.server.ssl_context is not None:
            self.request.settimeout(self.timeout)
            try:
                self.request = self.server.ssl_context.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.state.log.write({"time": round(time.time(), 3), "listener": self.listener,
                                      "conn": self.conn_id, "event": "tls_error",
                                      "error": str(e)})
                raise Quiet() from e
            self.tls_reused = self.request.session_reused
        super().setup()

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass

    def do_POST(self):
        self.conn_requests += 1
        self.started = time.monotonic()
        self.request_id = str(uuid.uuid4())
        self.entry = {"time": round(time.time(), 3), "listener": self.listener,
                      "conn": self.conn_id, "conn_request": self.conn_requests,
                      "tls_reused": self.tls_reused, "method": self.command,
                      "user_agent": self.headers.get("user-agent"), "request_id": self.request_id,
                      "host": self.headers.get("host"),
                      "service": None, "op": None, "names": [], "status": None, "error": None,
                      "fault": None, "region": None, "access_key_id": None}
        if not self.state.keep_alive:
            self.close_connection = True
        body = self.read_body()
        if body is None:
            return
        if self.path.startswith("/__"):
            self.control(body)
            return
        if self.state.latency_ms:
            time.sleep(self.state.latency_ms / 1000)
        self.serve(body)

    do_GET = do_PUT = do_DELETE = do_POST

    def read_body(self):
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            self.close_connection = True
            self.send(411, b'{"message":"chunked request bodies are not supported"}')
            return None
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_REQUEST_BODY:
            self.close_connection = True
            self.send(400, b'{"message":"bad Content-Length"}')
            return None
        return self.rfile.read(length)

    def send(self, status, body, content_type=JSON_11, declared_length=None, headers=None):
        """Status line, headers and body in one write, so one TLS record / TCP segment."""
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        head = [f"HTTP/1.1 {status} {reason}",
                f"x-amzn-RequestId: {getattr(self, 'request_id', '-')}",
                f"Content-Type: {content_type}",
                f"Content-Length: {len(body) if declared_length is None else declared_length}",
                f"Date: {email.utils.formatdate(usegmt=True)}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if self.close_connection:
            head.append("Connection: close")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def reply(self, status, body, content_type=JSON_11, error=None, headers=None):
        """Logs the request, then answers: a client that has its answer finds it logged."""
        self.finish_entry(status, error)
        self.send(status, body, content_type, headers=headers)

    def finish_entry(self, status, error=None):
        if getattr(self, "entry", None) is None:
            return
        self.entry.update(status=status, error=error,
                          duration_ms=round((time.monotonic() - self.started) * 1000, 1))
        self.state.log.write(self.entry)
        self.entry = None

    def send_error_json(self, status, code, message, message_key="message"):
        self.reply(status, json.dumps({"__type": code, message_key: message}).encode(), error=code)

    def apply_faults(self, op, names):
        """Takes this request's faults, sleeps their latency and stalls, and carries out the
        connection faults (which end the request by raising Quiet). Returns the fault left for
        the caller (throttle, error or a response fault) or None."""
        fired = self.state.faults.take(op, names)
        for f in fired:
            if f["kind"] == "latency":
                time.sleep(f["ms"] / 1000)
        fault = next((f for f in fired if f["kind"] != "latency"), None)
        if fault is None:
            if fired:
                self.entry["fault"] = "latency"
            return None
        self.entry["fault"] = fault["kind"]
        if fault["kind"] == "stall":
            self.state.stopping.wait(fault.get("seconds"))
            return None
        if fault["kind"] in ("close", "reset"):
            self.drop_connection(rst=fault["kind"] == "reset")
        return fault

    def drop_connection(self, rst):
        self.close_connection = True
        self.finish_entry(None)
        sock = self.connection
        if rst:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # rfile/wfile hold references to the socket; close them so close() really closes.
        self.rfile.close()
        self.wfile.close()
        sock.close()
        raise Quiet()  # skip http.server's flush of the closed wfile

    def send_shaped(self, fault, op, body, content_type=JSON_11):
        """The response faults that replace a successful answer; False if fault isn't one."""
        kind = fault["kind"] if fault else None
        if kind == "not_json":
            self.reply(200, faults.NOT_JSON_BODY, content_type="text/html")
        elif kind == "wrong_types":
            self.reply(200, faults.wrong_types_body(op), content_type)
        elif kind == "oversized":
            self.reply(200, faults.oversized_body(fault.get("bytes") or 2 << 20), content_type)
        elif kind == "truncated":
            self.close_connection = True
            self.finish_entry(200)
            self.send(200, body[:len(body) // 2], content_type, declared_length=len(body) + 100)
            self.drop_connection(rst=False)
        else:
            return False
        return True

    def control(self, body):
        try:
            status, out = control_request(self.state, self.command, self.path, body)
        except (ValueError, StoreError, TypeError, KeyError) as e:
            status, out = 400, {"error": str(e)}
        self.send(status, json.dumps(out).encode(), content_type="application/json")


class AwsHandler(Handler):
    listener = "aws"

    def serve(self, raw):
        target = self.headers.get("x-amz-target") or ""
        content_type = (self.headers.get("content-type") or "").split(";")[0].strip()
        if not target and sso.route(self.command, self.path):
            sso.serve(self, sso.route(self.command, self.path), raw)
            return
        if not target and content_type == FORM:
            self.serve_sts(raw)
            return
        service, op = api.TARGETS.get(target, (None, None))
        self.entry.update(service=service or api.SERVICE_OF_PREFIX.get(target.split(".")[0]),
                          op=op or target or None)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        self.entry["names"] = api.request_names(op, body)
        if self.command != "POST" or self.path.split("?")[0] != "/" or service is None:
            self.send_error_json(400, "UnknownOperationException", "")
            return
        akid, region = auth.claimed_scope(self.headers)
        self.entry.update(region=region, access_key_id=akid)
        try:
            caller = auth.verify(self.command, self.path, self.headers, raw,
                                 self.state.credentials, service, max_skew=self.state.max_skew,
                                 regions=self.state.regions)
        except auth.AuthError as e:
            self.send_error_json(e.status, e.code, e.message)
            return
        self.answer(service, op, body, caller)

    def answer(self, service, op, body, caller):
        key = "Message" if service == "secretsmanager" else "message"
        bucket = self.state.rates.get(service)
        if bucket is not None and not bucket.take():
            # As SSM and Secrets Manager answer a request over their rate: HTTP 400.
            self.entry["fault"] = "rate"
            self.send_error_json(400, "ThrottlingException", "Rate exceeded", message_key=key)
            return
        fault = self.apply_faults(op, self.entry["names"])
        if fault and fault["kind"] in ("throttle", "error"):
            self.send_error_json(*fault_error(fault, service), message_key=key)
            return
        content_type = (self.headers.get("content-type") or "").split(";")[0].strip()
        if content_type != JSON_11 or body is None:
            self.send_error_json(400, "SerializationException",
                                 f"Expected a JSON object with Content-Type {JSON_11}", key)
            return
        empty_page = bool(fault) and fault["kind"] == "empty_page"
        ctx = api.Context(self.state.store, self.state.policy, caller, empty_page=empty_page)
        try:
            out = json.dumps(api.call(op, body, ctx)).encode()
        except api.ApiError as e:
            self.send_error_json(e.status, e.code, e.message, key)
            return
        if not self.send_shaped(fault, op, out):
            self.reply(200, out)

    def serve_sts(self, raw):
        self.entry["service"] = "sts"
        try:
            form = sts.parse_form(raw)
            action = form.get("Action")
            self.entry.update(op=action, names=[form["RoleArn"]] if "RoleArn" in form else [],
                              sts={k: form[k] for k in ("RoleSessionName", "ExternalId",
                                                        "DurationSeconds") if k in form})
            if self.command != "POST" or action not in sts.OPERATIONS:
                raise sts.StsError("InvalidAction", f"Could not find operation {action}.")
            caller = self.sts_caller(action, raw)
            parsed = sts.check_request(form, self.state.sts)
            if self.state.policy.denies("sts:" + action, caller, [parsed[0]]):
                raise sts.StsError("AccessDenied", auth.denied_message(caller, "sts:" + action,
                                                                       parsed[0]), 403)
        except sts.StsError as e:
            self.reply(e.status, sts.error_xml(e.code, e.message, self.request_id, e.status),
                       "text/xml", error=e.code)
            return
        fault = self.apply_faults(action, self.entry["names"])
        if fault and fault["kind"] in ("throttle", "error"):
            status, code, message = fault_error(fault, "sts")
            self.reply(status, sts.error_xml(code, message, self.request_id, status), "text/xml",
                       error=code)
            return
        cred = self.state.credentials[self.state.sts["access_key_id"]]
        out = sts.success_xml(action, self.request_id, cred, parsed)
        if not self.send_shaped(fault, action, out, "text/xml"):
            self.reply(200, out, "text/xml")

    def sts_caller(self, action, raw):
        """AssumeRoleWithWebIdentity is unsigned; AssumeRole is SigV4-signed for "sts"."""
        if action == "AssumeRoleWithWebIdentity":
            return auth.Caller(None, None, "sts")
        akid, region = auth.claimed_scope(self.headers)
        self.entry.update(region=region, access_key_id=akid)
        try:
            return auth.verify(self.command, self.path, self.headers, raw, self.state.credentials,
                               "sts", max_skew=self.state.max_skew, regions=self.state.regions)
        except auth.AuthError as e:
            code, status = sts.AUTH_CODES.get(e.code, (e.code, e.status))
            raise sts.StsError(code, e.message, status) from None


class EcsHandler(Handler):
    listener = "ecs"

    def serve(self, raw):
        ecs = self.state.ecs
        path = self.path.split("?")[0]
        self.entry.update(service="ecs", op=ECS_OP, names=[path])
        if self.command != "GET" or path != ecs["relative_uri"]:
            self.send_plain(404, "NotFound", f"no credentials at {path}")
            return
        token = ecs.get("token")
        got = self.headers.get("authorization")
        if token and got is None:
            self.send_plain(401, "Unauthorized", "missing Authorization header")
            return
        if token and got != token:
            self.send_plain(403, "Forbidden", "Authorization header does not match")
            return
        fault = self.apply_faults(ECS_OP, [path])
        if fault and fault["kind"] in ("throttle", "error"):
            status, code, message = fault_error(fault, "ecs")
            self.send_plain(status, code, message)
            return
        cred = self.state.credentials[ecs["access_key_id"]]
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 6 * 3600))
        out = json.dumps({"RoleArn": ecs["role_arn"], "AccessKeyId": cred.access_key_id,
                          "SecretAccessKey": cred.secret_access_key,
                          "Token": cred.session_token, "Expiration": expires}).encode()
        self.entry["access_key_id"] = cred.access_key_id
        if not self.send_shaped(fault, ECS_OP, out, "application/json"):
            self.reply(200, out, "application/json")

    def send_plain(self, status, code, message):
        self.reply(status, json.dumps({"code": code, "message": message}).encode(),
                   "application/json", error=code)


class ImdsHandler(Handler):
    listener = "imds"

    def serve(self, raw):
        imds.serve(self, raw)


def fault_error(fault, service):
    """(status, code, message) of a throttle or error fault, with AWS's codes per service."""
    if fault["kind"] == "throttle":
        code = "Throttling" if service == "sts" else "ThrottlingException"
        return 400, fault.get("code") or code, "Rate exceeded"
    status = fault.get("status") or 500
    internal = {"secretsmanager": "InternalServiceError", "ssm": "InternalServerError"}
    codes = {500: internal.get(service, "InternalFailure"), 503: "ServiceUnavailable"}
    code = fault.get("code") or codes.get(status, "InternalFailure")
    return status, code, "An internal error occurred (injected by fake_aws)."


def control_request(state, method, path, body):
    """The unsigned, unlogged test API; see README.md. Returns (status, JSON object)."""
    doc = json.loads(body) if body else None
    route = (method, path.split("?")[0])
    if route == ("GET", "/__health"):
        return 200, {"ok": True}
    if route == ("GET", "/__fault"):
        return 200, {"faults": state.faults.list()}
    if route == ("POST", "/__fault"):
        state.faults.add(doc if isinstance(doc, list) else [doc])
        return 200, {"faults": state.faults.list()}
    if route == ("DELETE", "/__fault"):
        state.faults.clear()
        return 200, {"faults": []}
    if route == ("PUT", "/__store"):
        state.store = Store(doc, state.store.default_region, state.store.account)
        return 200, {"ok": True}
    if route == ("PUT", "/__deny"):
        state.policy = auth.Policy(doc)
        return 200, {"ok": True}
    if route == ("PUT", "/__credentials"):
        state.credentials = auth.load_credentials(doc)
        return 200, {"ok": True}
    if route == ("GET", "/__ecs"):
        return 200, state.ecs
    if route == ("PUT", "/__ecs"):
        state.ecs = {**state.ecs, **doc}
        return 200, state.ecs
    if route == ("GET", "/__sts"):
        return 200, state.sts
    if route == ("PUT", "/__sts"):
        state.sts = {**state.sts, **doc}
        return 200, state.sts
    for name in ("sso", "imds"):
        if route == ("GET", "/__" + name):
            return 200, getattr(state, name)
        if route == ("PUT", "/__" + name):
            setattr(state, name, {**getattr(state, name), **doc})
            return 200, getattr(state, name)
    if route == ("GET", "/__rate"):
        return 200, {svc: b.describe() for svc, b in state.rates.items()}
    if route == ("PUT", "/__rate"):
        rates = dict(state.rates)
        if doc.get("tps") is None:
            rates.pop(doc["service"], None)
        else:
            rates[doc["service"]] = faults.TokenBucket(doc["tps"], doc.get("burst"))
        state.rates = rates
        return 200, {svc: b.describe() for svc, b in state.rates.items()}
    if route == ("PUT", "/__latency"):
        state.latency_ms = doc["ms"]
        return 200, {"ok": True}
    if route == ("POST", "/__log/clear"):
        state.log.clear()
        return 200, {"ok": True}
    return 404, {"error": f"no control route {method} {path}"}


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a fleet benchmark connects hundreds of clients at once

    def __init__(self, address, handler, state, ssl_context=None):
        self.state = state
        self.ssl_context = ssl_context
        super().__init__(address, handler)

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (Quiet, ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def tls_context(cert, key, config):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    if config.get("tls_max_version") == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if not config.get("tls_resumption", True):
        ctx.options |= ssl.OP_NO_TICKET
        ctx.num_tickets = 0
    return ctx


def parse_args(argv):
    p = argparse.ArgumentParser(description="AWS emulator for covenant-shim tests")
    p.add_argument("--store", help="store JSON file (DESIGN.md 5.6 format, see README.md)")
    p.add_argument("--config", help="config JSON file: credentials, deny, faults, ecs, ...")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="HTTPS port, 0 = pick a free one")
    p.add_argument("--ecs-port", type=int, default=0, help="ECS credentials port, -1 = none")
    p.add_argument("--imds-port", type=int, default=0, help="EC2 metadata port, -1 = none")
    p.add_argument("--cert", help="server certificate (PEM); generated when absent")
    p.add_argument("--key", help="server key (PEM)")
    p.add_argument("--tls-dir", help="where to generate the CA and certificate")
    p.add_argument("--log", help="request log file (JSON lines)")
    p.add_argument("--port-file", help="also write the ready line (JSON) to this file")
    p.add_argument("--latency-ms", type=float, help="added latency for every request")
    p.add_argument("--region", default="us-east-1", help="region of store keys given as names")
    p.add_argument("--fault", action="append", default=[], help="a fault rule as JSON")
    p.add_argument("--rate", action="append", default=[], metavar="SERVICE=TPS[:BURST]",
                   help="a token-bucket rate for a service (ssm, secretsmanager, sts)")
    p.add_argument("--exit-on-stdin-eof", action="store_true",
                   help="stop when stdin reaches end of file (the parent went away)")
    return p.parse_args(argv)


def load_json(path, default):
    if not path:
        return default
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv=None):
    args = parse_args(argv)
    config = load_json(args.config, {})
    config["faults"] = config.get("faults", []) + [json.loads(f) for f in args.fault]
    for spec in args.rate:
        service, _, rate = spec.partition("=")
        tps, _, burst = rate.partition(":")
        config.setdefault("rates", {})[service] = {"tps": float(tps),
                                                   "burst": float(burst) if burst else None}
    if args.latency_ms is not None:
        config["latency_ms"] = args.latency_ms
    store = Store(load_json(args.store, {}), region=args.region)
    state = State(store, config, RequestLog(args.log))
    ca = None
    if not args.cert:
        ca, args.cert, args.key = make_ca(args.tls_dir or tempfile.mkdtemp(prefix="fake-aws-tls-"))
    servers = [Server((args.host, args.port), AwsHandler, state,
                      tls_context(args.cert, args.key, config))]
    extra = {"ecs": (args.ecs_port, EcsHandler), "imds": (args.imds_port, ImdsHandler)}
    ports = {}
    for name, (want, handler) in extra.items():
        if want >= 0:
            servers.append(Server((args.host, want), handler, state))
            ports[name] = servers[-1].server_address[1]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    port = servers[0].server_address[1]
    ecs_port, imds_port = ports.get("ecs"), ports.get("imds")
    ready = {"pid": os.getpid(), "port": port, "endpoint": f"https://{args.host}:{port}",
             "ecs_port": ecs_port, "ca_bundle": ca and os.path.abspath(ca), "log": args.log,
             "ecs_endpoint": f"http://{args.host}:{ecs_port}" if ecs_port else None,
             "imds_port": imds_port,
             "imds_endpoint": f"http://{args.host}:{imds_port}" if imds_port else None}
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(json.dumps(ready) + "\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    print(json.dumps(ready), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: state.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: state.stopping.set())
    if args.exit_on_stdin_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), state.stopping.set()),
                         daemon=True).start()
    while not state.stopping.wait(3600):
        pass


if __name__ == "__main__":
    main()
