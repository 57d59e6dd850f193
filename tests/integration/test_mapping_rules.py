"""The mapping read exactly as ECS reads it (issue 8, items 4 to 7), with the issue's own
examples: bare names are SSM parameters, mistyped ARNs are refused, ARNs in `environment` are
references, entryPoint options apply, --check is not masked by the environment, empty values
hide nothing, the store names itself, failures are grouped by cause, and plain http goes to a
configured endpoint. Most run offline (--store); each fails when its behaviour breaks."""
import http.server
import json
import os
import socket
import subprocess
import threading

import pytest

from conftest import RESOLVER, ROOT, SHIM, clean_env

EXAMPLE = os.path.join(ROOT, "examples", "covenant-connect")
STORE = os.path.join(EXAMPLE, "store.json")
WORKER_TD = os.path.join(EXAMPLE, "deploy", "ecs", "worker-task-definition.json")
DUMP = ["/usr/bin/python3", "-c",
        "import json,os,sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))"]
SM = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
PS = "arn:aws:ssm:us-east-1:123456789012:parameter"

pytestmark = pytest.mark.skipif(not os.access(RESOLVER, os.X_OK),
                                reason="covenant-shim-resolve is not built")


def run(args, env=None, timeout=60):
    return subprocess.run([SHIM] + args, capture_output=True, text=True,
                          env=env if env is not None else clean_env(), timeout=timeout)


def store_doc():
    with open(STORE) as f:
        return json.load(f)


def worker_td():
    with open(WORKER_TD) as f:
        return json.load(f)


def td_file(tmp_path, secrets=(), environment=(), entry=None, command=None, name="td.json"):
    c = {"name": "app", "image": "x", "essential": True,
         "secrets": [{"name": n, "valueFrom": v} for n, v in secrets],
         "environment": [{"name": n, "value": v} for n, v in environment]}
    if entry is not None:
        c["entryPoint"] = entry
    if command is not None:
        c["command"] = command
    path = tmp_path / name
    path.write_text(json.dumps({"family": "t", "containerDefinitions": [c]}))
    return str(path)


def rows(stdout):
    """--check's table: NAME -> (STATUS, SHA, SOURCE); kept rows under NAME+'/kept'."""
    out = {}
    for line in stdout.splitlines()[1:]:
        name, status, sha, source = line.split(None, 3)
        out[name + ("/kept" if "kept: set by" in source else "")] = (status, sha, source)
    return out


def started(tmp_path, args, env=None):
    """Run the shim with a command that dumps its environment: (result, env or None)."""
    out = tmp_path / "app-env.json"
    r = run(args + ["--"] + DUMP + [str(out)], env)
    return r, (json.loads(out.read_text()) if out.exists() else None)


# ---- item 4: every bare name in a task definition is an SSM parameter ----------------------

def test_bare_secret_name_with_a_key_is_refused_naming_the_rule(tmp_path):
    td = td_file(tmp_path, [("SECRET_KEY", "covenant-connect/app-secrets:SECRET_KEY::")])
    r = run(["--store", STORE, "-t", td, "--check"])
    assert r.returncode == 65, r.stderr
    assert rows(r.stdout)["SECRET_KEY"][0] == "invalid"
    assert "SECRET_KEY:" in r.stderr and "a bare name is an SSM parameter" in r.stderr
    assert "Secrets Manager secret needs its ARN" in r.stderr


def test_bare_secret_name_is_looked_up_as_a_parameter(tmp_path):
    # The store has the secret covenant-connect/database-url: ECS would still fail this task.
    td = td_file(tmp_path, [("DATABASE_URL", "covenant-connect/database-url"),
                            ("ENVIRONMENT", "/covenant-connect/config/ENVIRONMENT")])
    r = run(["--store", STORE, "-t", td, "--check"])
    assert r.returncode == 78, r.stderr
    t = rows(r.stdout)
    assert t["DATABASE_URL"][0] == "missing"
    assert t["DATABASE_URL"][2].startswith("parameter covenant-connect/database-url")
    assert t["ENVIRONMENT"][0] == "ok"  # a slash-led name is one too
    assert "a bare name in a task definition is an SSM parameter" in r.stderr


def test_bare_parameter_name_without_slash_resolves(tmp_path):
    doc = store_doc()
    doc["parameters"]["plain-name"] = "bare-value"
    store = tmp_path / "store.json"
    store.write_text(json.dumps(doc))
    td = td_file(tmp_path, [("P", "plain-name")])
    r, env = started(tmp_path, ["--store", str(store), "-t", td])
    assert r.returncode == 0, r.stderr
    assert env["P"] == "bare-value"


@pytest.mark.parametrize("value", [SM + "secrets:app/x", PS + ":app/P1",
                                   "arn:aws:ssm:us-east-1:123456789012:document/x"])
def test_mistyped_arn_in_the_environment_is_refused_not_passed_on(tmp_path, value):
    r, env = started(tmp_path, ["--store", STORE], clean_env(SECRET_KEY=value))
    assert r.returncode == 65, r.stderr
    assert env is None, "the application started with the ARN text as a value"
    assert "SECRET_KEY: environment: reference" in r.stderr
    r = run(["--store", STORE, "--check"], clean_env(SECRET_KEY=value))
    assert r.returncode == 65 and rows(r.stdout)["SECRET_KEY"][0] == "invalid"
    # with no mapping option at all: the supervisor sees the ARN and runs the resolver
    r, env = started(tmp_path, [], clean_env(SECRET_KEY=value))
    assert r.returncode == 65 and env is None, r.stderr


def test_arns_in_the_task_definitions_environment_are_references(tmp_path):
    # The README's second production mode: ARNs moved from `secrets` to `environment`.
    td = td_file(tmp_path, environment=[
        ("SECRET_KEY", SM + "covenant-connect/app-secrets:SECRET_KEY::"),
        ("ENVIRONMENT", PS + "/covenant-connect/config/ENVIRONMENT"),
        ("PORT", "8000")])
    r, env = started(tmp_path, ["--store", STORE, "-t", td])
    assert r.returncode == 0, r.stderr
    doc = store_doc()
    assert env["SECRET_KEY"] == doc["secrets"]["covenant-connect/app-secrets"]["SECRET_KEY"]
    assert env["ENVIRONMENT"] == "development" and env["PORT"] == "8000"
    td = td_file(tmp_path, environment=[("GONE", SM + "covenant-connect/nope")], name="g.json")
    r = run(["--store", STORE, "-t", td, "--check"])
    assert r.returncode == 78 and rows(r.stdout)["GONE"][0] == "missing"


def test_entrypoint_options_apply_when_the_command_comes_from_the_task_definition(tmp_path):
    out = tmp_path / "app-env.json"
    td = td_file(tmp_path, [("SECRET_KEY", SM + "covenant-connect/app-secrets:SECRET_KEY::")],
                 entry=["/usr/local/bin/covenant-shim", "--ssm-path", "/covenant-connect/config",
                        "--secret-json", "covenant-connect/app-secrets", "--"],
                 command=DUMP + [str(out)])
    r = run(["--store", STORE, "-t", td])
    assert r.returncode == 0, r.stderr
    env = json.loads(out.read_text())
    assert env["REDIS_URL"] == "redis://localhost:6379/0"  # from --ssm-path
    assert env["MAIL_PASSWORD"] == "dev-mail-password"  # from --secret-json
    bad = td_file(tmp_path, entry=["covenant-shim", "--ssm-pth", "/x", "--"],
                  command=["true"], name="bad.json")
    r = run(["--store", STORE, "-t", bad])
    assert r.returncode == 65 and "entryPoint" in r.stderr and "--ssm-pth" in r.stderr


def test_check_is_not_masked_by_the_environment(tmp_path):
    doc = store_doc()
    del doc["secrets"]["covenant-connect/database-url"]
    store = tmp_path / "store.json"
    store.write_text(json.dumps(doc))
    env = clean_env(DATABASE_URL="postgresql://ci-runner/db", SECRET_KEY="inherited")
    r = run(["--store", str(store), "-t", WORKER_TD, "--check"], env)
    assert r.returncode == 78, r.stdout + r.stderr
    t = rows(r.stdout)
    assert t["DATABASE_URL/kept"][0] == "missing"
    assert "kept: set by the environment" in t["DATABASE_URL/kept"][2]
    assert t["SECRET_KEY/kept"][0] == "kept"
    assert "DATABASE_URL" in r.stderr
    # Outside --check a kept variable is not fetched: the inherited value wins, the app starts.
    r, got = started(tmp_path, ["--store", str(store), "-t", WORKER_TD], env)
    assert r.returncode == 0, r.stderr
    assert got["DATABASE_URL"] == "postgresql://ci-runner/db" and got["SECRET_KEY"] == "inherited"


def test_empty_values_count_as_unset_with_one_warning(tmp_path):
    names = [s["name"] for s in worker_td()["containerDefinitions"][0]["secrets"]]
    example = tmp_path / ".env.example"
    example.write_text("".join(f"{n}=\n" for n in names))
    r, env = started(tmp_path, ["--store", STORE, "-t", WORKER_TD, "--env-file", str(example)],
                     clean_env(SECRET_KEY=""))
    assert r.returncode == 0, r.stderr
    doc = store_doc()
    assert env["SECRET_KEY"] == doc["secrets"]["covenant-connect/app-secrets"]["SECRET_KEY"]
    assert all(env[n] for n in names), "an empty value hid a secret"
    warn = [ln for ln in r.stderr.splitlines() if "count as unset" in ln]
    assert len(warn) == 1 and str(example) in warn[0] and "DATABASE_URL" in warn[0]
    assert all(n in warn[0] for n in names)
    env_warn = [ln for ln in r.stderr.splitlines() if "counts as unset: SECRET_KEY" in ln]
    assert len(env_warn) == 1 and env_warn[0].startswith("covenant-shim: warning: environment")


# ---- item 5: the store -----------------------------------------------------------------------

def test_store_keyed_by_names_answers_full_arns(tmp_path):
    td = worker_td()
    for s in td["containerDefinitions"][0]["secrets"]:
        s["valueFrom"] = s["valueFrom"].replace("app-secrets", "app-secrets-Xy9Ab1").replace(
            "database-url", "database-url-Q1w2E3")
    path = tmp_path / "full.json"
    path.write_text(json.dumps(td))
    r = run(["--store", STORE, "-t", str(path), "--check"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(rows(r.stdout)) == 22 and all(v[0] == "ok" for v in rows(r.stdout).values())


def test_store_messages_name_the_store_and_the_keys(tmp_path):
    td = td_file(tmp_path, [("SECRET_KEY", SM + "covenant-connect/app-secret:SECRET_KEY::"),
                            ("STRIPE", SM + "covenant-connect/app-secrets:STRIPE_KEY::")])
    r = run(["--store", STORE, "-t", td, "--check"])
    assert r.returncode == 78
    typo = [ln for ln in r.stderr.splitlines() if "SECRET_KEY:" in ln]
    assert typo and f"store {STORE}:" in typo[0] and "Secrets Manager can't" not in typo[0]
    key = [ln for ln in r.stderr.splitlines() if "STRIPE:" in ln]
    assert key and '"STRIPE_SECRET_KEY"' in key[0] and '"SECRET_KEY"' in key[0]
    doc = store_doc()
    for v in doc["secrets"]["covenant-connect/app-secrets"].values():
        assert v not in r.stderr


# ---- item 6: failures grouped ------------------------------------------------------------------

def test_one_missing_secret_is_one_line_naming_every_variable(tmp_path):
    doc = store_doc()
    del doc["secrets"]["covenant-connect/app-secrets"]
    store = tmp_path / "store.json"
    store.write_text(json.dumps(doc))
    r = run(["--store", str(store), "-t", WORKER_TD, "--check"])
    assert r.returncode == 78
    keys = list(store_doc()["secrets"]["covenant-connect/app-secrets"])
    errors = [ln for ln in r.stderr.splitlines() if ": error: " in ln]
    assert len(errors) == 1, r.stderr
    assert all(k in errors[0] for k in keys)
    assert len([v for v in rows(r.stdout).values() if v[0] == "missing"]) == 7


def test_dns_failure_is_one_line_per_call_not_per_variable(tmp_path):
    env = clean_env(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="x" * 40,
                    AWS_REGION="us-east-1", AWS_ENDPOINT_URL="https://no-such-host.invalid")
    r = run(["-t", WORKER_TD, "--check", "--timeout", "20"], env, timeout=90)
    assert r.returncode == 69, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ": error: " in ln]
    assert 1 <= len(errors) <= 3, r.stderr  # one per failed call (at most 3 calls)
    names = [s["name"] for s in worker_td()["containerDefinitions"][0]["secrets"]]
    assert all(any(n in ln for ln in errors) for n in names)
    assert len(rows(r.stdout)) == 22  # --check still shows every row


# ---- item 7: plain http to a configured endpoint ------------------------------------------------

class _FakeSSM(http.server.BaseHTTPRequestHandler):
    """Answers GetParameters and GetSecretValue as the services would (no SigV4 check)."""
    seen = []

    def do_POST(self):
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self.assume_role(raw)
        body = json.loads(raw or b"{}")
        target = self.headers.get("X-Amz-Target", "")
        _FakeSSM.seen.append((target, self.headers.get("Host")))
        if target.endswith("GetParameters"):
            out = {"Parameters": [{"Name": n, "Value": "plain-" + n.rsplit("/", 1)[-1],
                                   "Type": "String", "Version": 1,
                                   "ARN": PS + n} for n in body["Names"]],
                   "InvalidParameters": []}
        else:
            out = {"ARN": SM + "db-AbCdEf", "Name": "db", "SecretString": "db-value",
                   "VersionId": "v1", "VersionStages": ["AWSCURRENT"]}
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def assume_role(self, raw):
        """STS AssumeRole over the query protocol (no SigV4 check here)."""
        form = dict(p.split("=", 1) for p in raw.decode().split("&"))
        _FakeSSM.seen.append(("sts." + form.get("Action", ""), self.headers.get("Host")))
        data = ("<AssumeRoleResponse><AssumeRoleResult><Credentials>"
                "<AccessKeyId>ASIAPLAINHTTP0000001</AccessKeyId>"
                "<SecretAccessKey>plain-http-secret-key-0000000000000000000</SecretAccessKey>"
                "<SessionToken>plain-http-session-token</SessionToken>"
                "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
                "</AssumeRoleResult></AssumeRoleResponse>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def loopback_name():
    """The machine's host name when it resolves to loopback only (a name, not a literal: only
    the configuration may allow plain http to it); never traffic anywhere else."""
    host = socket.gethostname()
    try:
        addrs = {a[4][0] for a in socket.getaddrinfo(host, 80, proto=socket.IPPROTO_TCP)}
    except OSError:
        pytest.skip("the host name does not resolve")
    if not addrs or any(not (a.startswith("127.") or a == "::1") for a in addrs):
        pytest.skip("the host name resolves beyond loopback")
    return host


def test_plain_http_to_a_configured_endpoint_works_with_one_warning(tmp_path):
    host = loopback_name()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeSSM)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        td = td_file(tmp_path, [("P", "/app/P"), ("DB", SM + "db")])
        env = clean_env(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="x" * 40,
                        AWS_REGION="us-east-1",
                        AWS_ENDPOINT_URL=f"http://{host}:{server.server_port}",
                        http_proxy="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9",
                        ALL_PROXY="http://127.0.0.1:9")
        r, got = started(tmp_path, ["-t", td], env)
        assert r.returncode == 0, r.stderr
        assert got["P"] == "plain-P" and got["DB"] == "db-value"
        warn = [ln for ln in r.stderr.splitlines() if "plain http" in ln]
        assert len(warn) == 1 and "AWS_ENDPOINT_URL:" in warn[0], r.stderr
        assert {t.split(".")[-1] for t, _ in _FakeSSM.seen} >= {"GetParameters", "GetSecretValue"}
    finally:
        server.shutdown()


def test_plain_http_to_a_configured_sts_endpoint_assumes_the_role(tmp_path):
    host = loopback_name()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeSSM)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _FakeSSM.seen.clear()
    try:
        aws_dir = tmp_path / ".aws"
        aws_dir.mkdir()
        (aws_dir / "config").write_text(
            "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
            "source_profile = base\n[profile base]\n")
        (aws_dir / "credentials").write_text(
            "[base]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = " + "x" * 40 + "\n")
        td = td_file(tmp_path, [("P", "/app/P")])
        url = f"http://{host}:{server.server_port}"
        env = clean_env(HOME=str(tmp_path), AWS_REGION="us-east-1",
                        AWS_EC2_METADATA_DISABLED="true", AWS_ENDPOINT_URL_STS=url,
                        AWS_ENDPOINT_URL_SSM=url, http_proxy="http://127.0.0.1:9",
                        HTTP_PROXY="http://127.0.0.1:9")
        r, got = started(tmp_path, ["--profile", "app", "-t", td], env)
        assert r.returncode == 0, r.stderr
        assert got["P"] == "plain-P"
        assert "sts.AssumeRole" in {t for t, _ in _FakeSSM.seen}
        warn = [ln for ln in r.stderr.splitlines() if "plain http" in ln]
        assert any("AWS_ENDPOINT_URL_STS" in w for w in warn), r.stderr
        assert "plain-http-session-token" not in r.stderr
    finally:
        server.shutdown()
