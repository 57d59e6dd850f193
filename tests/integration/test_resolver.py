"""Both executables against the AWS emulator: Covenant Connect's 22 variables byte-exact in one
wave, precedence, regions, versions, selectors, credentials, every fault class and exit status,
and no value anywhere it must not be."""
import copy
import json
import os
import subprocess
import time

import pytest

from conftest import RESOLVER, ROOT, SHIM, clean_env, supervisor_pid, wait_for
from fake_aws.fixture import FakeAWS

EXAMPLE = os.path.join(ROOT, "examples", "covenant-connect")
WEB_TD = os.path.join(EXAMPLE, "deploy", "ecs", "task-definition.json")
WORKER_TD = os.path.join(EXAMPLE, "deploy", "ecs", "worker-task-definition.json")
DUMP = ["/usr/bin/python3", "-c",
        "import json,os,sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))"]

pytestmark = pytest.mark.skipif(not os.access(RESOLVER, os.X_OK),
                                reason="covenant-shim-resolve is not built")

# Awkward values: every one must reach the application byte for byte.
APP_SECRETS = {
    "SECRET_KEY": "a1b2\"quoted\" 'single' $HOME `tick` \\back\\slash",
    "MAIL_USERNAME": "AKIA=with=equals&and?query",
    "MAIL_PASSWORD": "line one\nline two\n\ttabbed\r\n",
    "PAYSTACK_SECRET_KEY": "sk_live_ünïcødé_☃_日本",
    "FINCRA_SECRET_KEY": "x" * 60000,
    "STRIPE_SECRET_KEY": "sk_live_" + "0123456789abcdef" * 4,
    "FLUTTERWAVE_SECRET_KEY": " leading and trailing spaces ",
}
CONFIG = {
    "ENVIRONMENT": "production", "FLASK_ENV": "production", "SESSION_COOKIE_SECURE": "true",
    "SESSION_COOKIE_HTTPONLY": "true", "REMEMBER_COOKIE_SECURE": "true",
    "SESSION_COOKIE_SAMESITE": "Lax", "PREFERRED_URL_SCHEME": "https",
    "SERVER_NAME": "app.covenantconnect.org", "MAIL_SERVER": "email-smtp.us-east-1.amazonaws.com",
    "MAIL_PORT": "587", "MAIL_USE_TLS": "true",
    "MAIL_DEFAULT_SENDER": "notifications@covenantconnect.org",
    "REDIS_URL": "rediss://covenant-connect-prod-redis.abc123.use1.cache.amazonaws.com:6379/0",
    "CORS_ORIGINS": "https://app.covenantconnect.org,https://admin.covenantconnect.org",
}
DATABASE_URL = ("postgresql://covenantconnect_app:p@ss%word=1@covenant-connect-prod-db.cluster-x"
                ".us-east-1.rds.amazonaws.com:5432/covenantconnect?sslmode=require")
# The task definitions carry full ARNs, random suffix included, as AWS gave them: the emulator
# (which plays AWS) holds the secrets under those ARNs.
SM_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
APP = SM_ARN + "covenant-connect/app-secrets-Xy9Ab1"
DB = SM_ARN + "covenant-connect/database-url-Qw3Rt5"
STORE = {
    "secrets": {APP: APP_SECRETS, DB: DATABASE_URL},
    "parameters": {f"/covenant-connect/config/{k}": v for k, v in CONFIG.items()},
}
EXPECTED = {**APP_SECRETS, **CONFIG, "DATABASE_URL": DATABASE_URL}
# Values long enough that finding one elsewhere (a URL scheme, "true") means it leaked.
ALL_VALUES = [v for v in EXPECTED.values() if len(v) >= 8]


@pytest.fixture(scope="module")
def aws():
    with FakeAWS(copy.deepcopy(STORE)) as fake:
        yield fake


@pytest.fixture(autouse=True)
def _reset(aws):
    aws.clear_faults()
    aws.set_deny([])
    aws.set_store(copy.deepcopy(STORE))
    aws.set_latency(0)
    aws.clear_requests()


def env_for(aws, **extra):
    env = clean_env(**aws.env())
    env.update(extra)
    return env


def run(args, env, timeout=60, pid1=False, text=True):
    cmd = (["unshare", "--pid", "--fork", "--mount-proc"] if pid1 else []) + [SHIM] + args
    return subprocess.run(cmd, capture_output=True, text=text, env=env, timeout=timeout)


def app_env(aws, tmp_path, args, env=None):
    out = tmp_path / "env.json"
    r = run(args + ["--"] + DUMP + [str(out)], env or env_for(aws))
    return r, (json.loads(out.read_text()) if out.exists() else None)


def assert_no_values(text):
    for v in ALL_VALUES:
        assert v not in text, "a secret value leaked"


def ops(aws):
    return [r["op"] for r in aws.requests()]


def test_all_22_variables_byte_exact_in_one_wave_of_3_calls(aws, tmp_path):
    r, got = app_env(aws, tmp_path, ["-t", WEB_TD])
    assert r.returncode == 0, r.stderr
    for name, value in EXPECTED.items():
        assert got[name] == value, name
    assert got["PORT"] == "8000"  # the container's plain environment too
    assert sorted(ops(aws)) == ["BatchGetSecretValue", "GetParameters", "GetParameters"]
    reqs = aws.requests()
    assert len(aws.connections()) <= 3
    assert all(q["status"] == 200 for q in reqs)
    assert_no_values(r.stderr)


def test_worker_task_definition_and_pid1(aws, tmp_path):
    out = tmp_path / "env.json"
    r = run(["-t", WORKER_TD, "--"] + DUMP + [str(out)], env_for(aws), pid1=True)
    assert r.returncode == 0, r.stderr
    got = json.loads(out.read_text())
    assert all(got[k] == v for k, v in EXPECTED.items())


def test_command_from_the_task_definition(aws, tmp_path):
    td = json.load(open(WORKER_TD))
    c = td["containerDefinitions"][0]
    out = tmp_path / "env.json"
    c["command"] = DUMP + [str(out)]
    path = tmp_path / "td.json"
    path.write_text(json.dumps(td))
    r = run(["-t", str(path)], env_for(aws))
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text())["SECRET_KEY"] == APP_SECRETS["SECRET_KEY"]


def test_references_in_the_environment_resolve_in_place(aws, tmp_path):
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:covenant-connect/app-secrets"
    env = env_for(aws, DB=arn.replace("app-secrets", "database-url"), KEY=arn + ":SECRET_KEY::",
                  PLAIN="arn:aws:s3:::not-a-reference")
    r, got = app_env(aws, tmp_path, [], env)
    assert r.returncode == 0, r.stderr
    assert got["DB"] == DATABASE_URL and got["KEY"] == APP_SECRETS["SECRET_KEY"]
    assert got["PLAIN"] == "arn:aws:s3:::not-a-reference"
    assert ops(aws) == ["BatchGetSecretValue"]


def test_precedence_kept_values_are_never_fetched(aws, tmp_path):
    envfile = tmp_path / "x.env"
    envfile.write_text("MAIL_PORT=2525\nENVIRONMENT=from-file\n")
    env = env_for(aws, ENVIRONMENT="from-env", SECRET_KEY="local")
    r, got = app_env(aws, tmp_path, ["-t", WEB_TD, "--env-file", str(envfile)], env)
    assert r.returncode == 0, r.stderr
    assert got["ENVIRONMENT"] == "from-env" and got["MAIL_PORT"] == "2525"
    assert got["SECRET_KEY"] == "local"
    names = [n for q in aws.requests() for n in q["names"]]
    assert not any(n.endswith("/ENVIRONMENT") or n.endswith("/MAIL_PORT") for n in names)
    assert "SECRET_KEY" in r.stderr and "kept" in r.stderr


def test_cross_region_versions_and_selectors(aws, tmp_path):
    store = copy.deepcopy(STORE)
    store["regions"] = {"eu-west-1": {"secrets": {"eu/db": "eu-value"},
                                      "parameters": {"/eu/p": "eu-param"}}}
    store["secrets"]["app/rotating"] = {"versions": {"AWSCURRENT": "new", "AWSPREVIOUS": "old"}}
    store["parameters"]["/app/flag"] = {"value": "v3", "version": 3, "labels": ["prod"],
                                        "history": {"1": "v1", "2": {"value": "v2",
                                                                     "labels": ["staging"]}}}
    aws.set_store(store)
    a = "arn:aws:secretsmanager:{}:123456789012:secret:{}"
    p = "arn:aws:ssm:{}:123456789012:parameter{}"
    env = env_for(aws, EU=a.format("eu-west-1", "eu/db"), EUP=p.format("eu-west-1", "/eu/p"),
                  PREV=a.format("us-east-1", "app/rotating") + "::AWSPREVIOUS:",
                  CUR=a.format("us-east-1", "app/rotating"),
                  V1=p.format("us-east-1", "/app/flag") + ":1",
                  STAGING=p.format("us-east-1", "/app/flag") + ":staging")
    r, got = app_env(aws, tmp_path, [], env)
    assert r.returncode == 0, r.stderr
    assert (got["EU"], got["EUP"], got["PREV"], got["CUR"], got["V1"], got["STAGING"]) == \
        ("eu-value", "eu-param", "old", "new", "v1", "v2")
    regions = {q["region"] for q in aws.requests()}
    assert regions == {"us-east-1", "eu-west-1"}
    assert "GetSecretValue" in ops(aws)  # a stage needs GetSecretValue


def test_ecs_container_credentials(aws, tmp_path):
    env = clean_env(**aws.ecs_env())
    r, got = app_env(aws, tmp_path, ["-t", WEB_TD], env)
    assert r.returncode == 0, r.stderr
    assert got["SECRET_KEY"] == APP_SECRETS["SECRET_KEY"]
    assert ops(aws)[0] == "EcsCredentials"
    assert {q["access_key_id"] for q in aws.requests()[1:]} == {aws.ecs["access_key_id"]}


def test_check_reports_every_variable_without_values(aws):
    r = run(["-t", WEB_TD, "--check"], env_for(aws))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1 + 23
    for name in EXPECTED:
        assert any(line.split()[0] == name and " ok " in line for line in lines), name
    assert_no_values(r.stdout + r.stderr)
    import hashlib
    prefix = hashlib.sha256(APP_SECRETS["SECRET_KEY"].encode()).hexdigest()[:12]
    assert any(line.startswith("SECRET_KEY ") and prefix in line for line in lines)


def test_check_lists_every_failure_with_the_worst_status(aws):
    store = copy.deepcopy(STORE)
    del store["parameters"]["/covenant-connect/config/MAIL_PORT"]
    del store["secrets"][APP]["STRIPE_SECRET_KEY"]
    aws.set_store(store)
    r = run(["-t", WEB_TD, "--check"], env_for(aws))
    assert r.returncode == 78
    errors = [ln for ln in r.stderr.splitlines() if ": error: " in ln]
    assert len(errors) == 2
    assert any(ln.startswith("covenant-shim: error: MAIL_PORT: parameter ") and
               "ParameterNotFound" in ln for ln in errors)
    assert any(ln.startswith("covenant-shim: error: STRIPE_SECRET_KEY: ") for ln in errors)
    assert "missing" in r.stdout


@pytest.mark.parametrize("fmt", ["dotenv", "json", "shell"])
def test_print_formats_round_trip(aws, tmp_path, fmt):
    # bytes: text mode would turn the \r\n inside MAIL_PASSWORD into \n
    r = run(["-t", WEB_TD, f"--print={fmt}"], env_for(aws), text=False)
    assert r.returncode == 0, r.stderr
    if fmt == "json":
        got = json.loads(r.stdout)
    elif fmt == "shell":
        script = tmp_path / "vars.sh"
        script.write_bytes(r.stdout)
        out = subprocess.run(["sh", "-c", f". {script}; " + " ".join(DUMP[:2]) +
                              " \"$0\" \"$1\"", DUMP[2], str(tmp_path / "e.json")], check=True)
        got = json.loads((tmp_path / "e.json").read_text())
    else:
        envfile = tmp_path / "printed.env"
        envfile.write_bytes(r.stdout)
        r2, got = app_env(aws, tmp_path, ["--env-file", str(envfile)], clean_env())
        assert r2.returncode == 0, r2.stderr
    for name, value in EXPECTED.items():
        assert got[name] == value, name


def started(marker):
    return marker.exists()


@pytest.mark.parametrize("case,status,needle", [
    ("missing_secret", 78, "ResourceNotFoundException"),
    ("missing_param", 78, "ParameterNotFound"),
    ("missing_key", 78, "SECRET_KEY"),
    ("denied", 77, "AccessDenied"),
    ("bad_key", 77, "UnrecognizedClient"),
    ("no_credentials", 77, "no AWS credentials"),
    ("unreachable", 69, "127.0.0.1:9"),
    ("throttled", 69, "ThrottlingException"),
    ("5xx", 69, "503"),
    ("not_json", 69, "GetParameters"),
    ("wrong_types", 69, "GetParameters"),
    ("oversized", 69, "1 MiB"),
    ("bad_td", 65, "task-definition"),
    ("bad_ref", 65, "reference"),
    ("no_region", 64, "region"),
])
def test_failures_exit_with_their_status_and_exec_nothing(aws, tmp_path, case, status, needle):
    env = env_for(aws)
    args = ["-t", WEB_TD]
    store = copy.deepcopy(STORE)
    if case == "missing_secret":
        del store["secrets"][DB]
    elif case == "missing_param":
        del store["parameters"]["/covenant-connect/config/REDIS_URL"]
    elif case == "missing_key":
        del store["secrets"][APP]["SECRET_KEY"]
    elif case == "denied":
        aws.set_deny([{"action": "ssm:GetParameters"}])
    elif case == "bad_key":
        env["AWS_SECRET_ACCESS_KEY"] = "wrong" + env["AWS_SECRET_ACCESS_KEY"][5:]
        env["AWS_ACCESS_KEY_ID"] = "AKIAUNKNOWN000000000"
    elif case == "no_credentials":
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.pop(k, None)
    elif case == "unreachable":
        env["AWS_ENDPOINT_URL"] = "https://127.0.0.1:9"
    elif case in ("throttled", "not_json", "wrong_types", "oversized"):
        aws.set_fault({"throttled": "throttle"}.get(case, case), op="GetParameters")
    elif case == "5xx":
        aws.set_fault("error", op="GetParameters", status=503)
    elif case == "bad_td":
        bad = tmp_path / "task-definition.json"
        bad.write_text('{"containerDefinitions": [')
        args = ["-t", str(bad)]
    elif case == "bad_ref":
        env["X"] = "arn:aws:secretsmanager:us-east-1:123:secret:x"
    elif case == "no_region":
        env.pop("AWS_REGION")
        env.pop("AWS_DEFAULT_REGION")
        args = ["--env-file", str(tmp_path / "e.env")]
        (tmp_path / "e.env").write_text("A=covenant-connect/app-secrets\n"
                                        "B=arn:aws:ssm:us-east-1:123456789012:parameter/x\n")
        args = []
        env["C"] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:covenant-connect/x"
        td = tmp_path / "td.json"
        td.write_text(json.dumps({"containerDefinitions": [
            {"name": "w", "secrets": [{"name": "D", "valueFrom": "/covenant-connect/x"}]}]}))
        args = ["-t", str(td)]
    aws.set_store(store)
    marker = tmp_path / "started"
    t0 = time.monotonic()
    # Throttled calls go on until --timeout (DESIGN 5.5): a short one for that case.
    timeout = "4" if case == "throttled" else "20"
    r = run(args + ["--timeout", timeout, "--", "touch", str(marker)], env, timeout=60)
    assert r.returncode == status, r.stderr
    assert not marker.exists(), "the application started with a partial environment"
    assert needle in r.stderr, r.stderr
    assert_no_values(r.stderr)
    assert time.monotonic() - t0 < 30


SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"


def ca_env(aws, **ca):
    """env_for(aws) with only the CA settings given: the machine's SSL_CERT_* go too."""
    env = env_for(aws)
    for name in ("AWS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        env.pop(name, None)
    env.update(ca)
    return env


@pytest.mark.skipif(not os.path.exists(SYSTEM_CA), reason=f"no {SYSTEM_CA}")
def test_ca_certificates_as_an_image_has_them(aws, tmp_path):
    """SSL_CERT_FILE and a hashed SSL_CERT_DIR serve as AWS_CA_BUNDLE does; with no variable
    the distribution's bundle is used (which does not hold the emulator's CA: the peer is
    refused, nothing starts); a variable naming nothing readable is 65 before any call."""
    bundle = tmp_path / "bundle.pem"
    with open(SYSTEM_CA) as a, open(aws.ca_bundle) as b:
        bundle.write_text(a.read() + b.read())
    hashed = tmp_path / "certs"
    hashed.mkdir()
    (hashed / "emulator.pem").write_text(open(aws.ca_bundle).read())
    subprocess.run(["openssl", "rehash", str(hashed)], check=True, capture_output=True)
    for ca in ({"SSL_CERT_FILE": str(bundle)}, {"SSL_CERT_DIR": str(hashed)}):
        r, got = app_env(aws, tmp_path, ["-t", WEB_TD], ca_env(aws, **ca))
        assert r.returncode == 0, (ca, r.stderr)
        assert all(got[k] == v for k, v in EXPECTED.items()), ca

    marker = tmp_path / "started"
    r = run(["-t", WEB_TD, "--", "touch", str(marker)], ca_env(aws))
    assert r.returncode == 69, r.stderr
    assert "certificate" in r.stderr and not marker.exists()

    aws.clear_requests()
    r = run(["-t", WEB_TD, "--", "touch", str(marker)],
            ca_env(aws, SSL_CERT_FILE=str(tmp_path / "missing.pem")))
    assert r.returncode == 65, r.stderr
    assert "SSL_CERT_FILE" in r.stderr and "missing.pem" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert aws.requests() == [] and not marker.exists()

    # A bundle whose one certificate block is not a certificate: 65 and the bundle named, one
    # line, no request sent (its blocks are read while the first server answers: the
    # connection is refused at its certificate, then the bundle is the error).
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----\n")
    aws.clear_requests()
    r = run(["-t", WEB_TD, "--", "touch", str(marker)], ca_env(aws, AWS_CA_BUNDLE=str(garbage)))
    assert r.returncode == 65, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "no certificate in it" in lines[0], r.stderr
    assert str(garbage) in lines[0], r.stderr
    assert aws.requests() == [] and not marker.exists()


def test_retries_recover_from_transient_faults(aws, tmp_path):
    for kind, extra in (("throttle", {}), ("error", {"status": 500}), ("reset", {}),
                        ("close", {}), ("truncated", {})):
        aws.clear_requests()
        aws.clear_faults()
        aws.set_fault(kind, op="BatchGetSecretValue", count=1, **extra)
        r, got = app_env(aws, tmp_path, ["-t", WEB_TD])
        assert r.returncode == 0, (kind, r.stderr)
        assert got["SECRET_KEY"] == APP_SECRETS["SECRET_KEY"]
        # the emulator logs the failed attempt too: one fault, one retry
        assert ops(aws).count("BatchGetSecretValue") == 2, kind


def test_a_stalled_endpoint_cannot_hang_the_start(aws, tmp_path):
    aws.set_fault("stall", op="GetParameters", seconds=30)
    t0 = time.monotonic()
    r = run(["-t", WEB_TD, "--timeout", "2", "--", "true"], env_for(aws))
    assert r.returncode == 69, r.stderr
    assert time.monotonic() - t0 < 6


def test_batch_denied_falls_back_to_get_secret_value(aws, tmp_path):
    aws.set_deny([{"action": "secretsmanager:BatchGetSecretValue"}])
    r, got = app_env(aws, tmp_path, ["-t", WEB_TD])
    assert r.returncode == 0, r.stderr
    assert got["DATABASE_URL"] == DATABASE_URL
    assert ops(aws).count("GetSecretValue") == 2


def test_imports(aws, tmp_path):
    r, got = app_env(aws, tmp_path, ["--ssm-path", "/covenant-connect/config",
                                     "--secret-json", "covenant-connect/app-secrets"])
    assert r.returncode == 0, r.stderr
    assert all(got[k] == v for k, v in CONFIG.items())
    assert all(got[k] == v for k, v in APP_SECRETS.items())
    assert ops(aws).count("GetParametersByPath") == 2  # 14 parameters: two pages of 10


def test_no_value_on_stderr_at_any_verbosity(aws, tmp_path):
    for v in ([], ["-v"], ["-vv"], ["-vvv"]):
        r, _ = app_env(aws, tmp_path, v + ["-t", WEB_TD])
        assert r.returncode == 0
        assert_no_values(r.stderr)
        assert aws.credentials[0]["secret_access_key"] not in r.stderr


def pid1_memory(pid, maps):
    """Every readable private mapping of pid under 256 MiB (heap, stack, data), read through
    /proc/PID/mem."""
    out = bytearray()
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps.splitlines():
            addr, perms = line.split()[:2]
            lo, hi = (int(x, 16) for x in addr.split("-"))
            if perms[0] != "r" or hi - lo > (256 << 20) or "[vvar]" in line:
                continue
            try:
                mem.seek(lo)
                out += mem.read(hi - lo)
            except OSError:
                pass
    return bytes(out)


def test_pid1_holds_no_value(aws, tmp_path):
    ready = tmp_path / "ready"
    env = env_for(aws)
    p = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", SHIM, "-t", WEB_TD,
                          "--", "sh", "-c", f"touch {ready}; exec sleep 30"],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wait_for(ready.exists, timeout=20)
        pid1 = supervisor_pid(p, True)
        with open(f"/proc/{pid1}/environ", "rb") as f:
            environ = f.read()
        with open(f"/proc/{pid1}/maps") as f:
            maps = f.read()
        assert "libcurl" not in maps and "libcrypto" not in maps
        memory = pid1_memory(pid1, maps)
        if "libasan" not in maps:  # an ASan build maps terabytes of shadow: no gcore there
            core = tmp_path / "core"
            subprocess.run(["gcore", "-o", str(core), str(pid1)], capture_output=True,
                           timeout=60)
            dumps = list(tmp_path.glob("core*"))
            assert dumps, "gcore produced no dump"
            memory += dumps[0].read_bytes()
            dumps[0].unlink()
        assert WEB_TD.encode() in memory  # the scan does see PID 1's own argv
        for v in ALL_VALUES:
            assert v.encode() not in environ
            assert v.encode() not in memory, "PID 1's memory holds a secret value"
        # and the application, the supervisor's child, does have them
        child = [int(x) for x in open(f"/proc/{pid1}/task/{pid1}/children").read().split()][0]
        assert APP_SECRETS["SECRET_KEY"].encode() in open(f"/proc/{child}/environ", "rb").read()
    finally:
        p.kill()
        p.wait()


def test_batches_of_20_secrets_and_10_parameters_in_one_wave(aws, tmp_path):
    store = copy.deepcopy(STORE)
    store["secrets"].update({f"many/s{i}": f"secret-{i}" for i in range(25)})
    store["parameters"].update({f"/many/p{i}": f"param-{i}" for i in range(23)})
    aws.set_store(store)
    a = "arn:aws:secretsmanager:us-east-1:123456789012:secret:many/s{}"
    p = "arn:aws:ssm:us-east-1:123456789012:parameter/many/p{}"
    extra = {f"S{i}": a.format(i) for i in range(25)}
    extra.update({f"P{i}": p.format(i) for i in range(23)})
    extra["DUP"] = a.format(3)  # the same secret twice is one fetch
    aws.set_latency(50)  # calls of one wave overlap: each waits 50 ms for its answer
    r, got = app_env(aws, tmp_path, [], env_for(aws, **extra))
    assert r.returncode == 0, r.stderr
    assert all(got[f"S{i}"] == f"secret-{i}" for i in range(25))
    assert all(got[f"P{i}"] == f"param-{i}" for i in range(23))
    assert got["DUP"] == "secret-3"
    reqs = aws.requests()
    assert sorted(len(q["names"]) for q in reqs if q["op"] == "BatchGetSecretValue") == [5, 20]
    assert sorted(len(q["names"]) for q in reqs if q["op"] == "GetParameters") == [3, 10, 10]
    assert "from 5 API calls in 1 wave" in r.stderr


def test_binary_secrets_and_nul_bytes(aws, tmp_path):
    store = copy.deepcopy(STORE)
    store["secrets"]["app/cert"] = {"binary": "aGVsbG8gYmluYXJ5"}  # "hello binary"
    store["secrets"]["app/nul"] = {"binary": "AAEC"}  # 00 01 02
    aws.set_store(store)
    a = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/{}"
    r, got = app_env(aws, tmp_path, [], env_for(aws, CERT=a.format("cert")))
    assert r.returncode == 0, r.stderr
    assert got["CERT"] == "hello binary"
    marker = tmp_path / "started"
    r = run(["--", "touch", str(marker)], env_for(aws, CERT=a.format("cert"), NUL=a.format("nul")))
    assert r.returncode == 78, r.stderr
    assert "NUL: secret app/nul" in r.stderr and "NUL byte" in r.stderr
    assert not marker.exists()


def test_region_from_ecs_task_metadata(aws, tmp_path):
    import http.server
    import threading

    class Metadata(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"Cluster": "c", "AvailabilityZone": "eu-west-1b"}).encode()
            self.send_response(200 if self.path == "/v4/abc/task" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Metadata)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        store = copy.deepcopy(STORE)
        store["regions"] = {"eu-west-1": {"parameters": {"/eu/db": "eu-value"}}}
        aws.set_store(store)
        td = tmp_path / "td.json"
        td.write_text(json.dumps({"containerDefinitions": [
            {"name": "w", "secrets": [{"name": "DB", "valueFrom": "/eu/db"}]}]}))
        env = env_for(aws, ECS_CONTAINER_METADATA_URI_V4=f"http://127.0.0.1:{server.server_port}"
                                                         "/v4/abc")
        del env["AWS_REGION"], env["AWS_DEFAULT_REGION"]
        r, got = app_env(aws, tmp_path, ["-t", str(td)], env)
        assert r.returncode == 0, r.stderr
        assert got["DB"] == "eu-value"
        assert {q["region"] for q in aws.requests()} == {"eu-west-1"}
    finally:
        server.shutdown()


def test_command_not_found_after_resolution(aws, tmp_path):
    r = run(["-t", WEB_TD, "--", "/nonexistent/app"], env_for(aws))
    assert r.returncode == 127, r.stderr
    assert "/nonexistent/app" in r.stderr
    assert_no_values(r.stderr)


def exec_targets(tmp_path):
    """A symlink loop, a file without the x bit, a missing command and a directory."""
    loop = tmp_path / "loop"
    os.symlink(str(loop), str(loop))
    plain = tmp_path / "plain"
    plain.write_text("#!/bin/sh\necho ran\n")
    plain.chmod(0o644)
    return {"symlink loop": str(loop), "no x bit": str(plain),
            "missing": str(tmp_path / "missing"), "directory": str(tmp_path)}


def test_exec_failures_give_the_same_status_with_and_without_resolution(tmp_path):
    store = tmp_path / "store.json"
    store.write_text(json.dumps(STORE))
    env = clean_env(AWS_REGION="us-east-1")
    expected = {"symlink loop": 127, "no x bit": 126, "missing": 127, "directory": 126}
    for what, cmd in exec_targets(tmp_path).items():
        direct = run(["--", cmd], env)
        resolved = run(["--store", str(store), "-t", WORKER_TD, "--", cmd], env)
        assert direct.returncode == resolved.returncode == expected[what], \
            (what, direct.returncode, resolved.returncode, resolved.stderr)
        for r in (direct, resolved):
            assert cmd in r.stderr, (what, r.stderr)


def test_a_script_without_a_shebang_runs_the_same_with_and_without_resolution(tmp_path):
    """A file without "#!" is run by /bin/sh, as POSIX has execvp do: glibc's does, musl's does
    not, and the supervisor is built against musl and the resolver against glibc, so both exec
    through one function (shim/exec.c). By path and through a PATH search."""
    store = tmp_path / "store.json"
    store.write_text(json.dumps(STORE))
    script = tmp_path / "no-shebang"
    script.write_text('echo "ran $1"\n')
    script.chmod(0o755)
    env = clean_env(AWS_REGION="us-east-1", PATH=f"{tmp_path}:/usr/bin:/bin")
    for cmd in (str(script), "no-shebang"):
        direct = run(["--", cmd, "x"], env)
        resolved = run(["--store", str(store), "-t", WORKER_TD, "--", cmd, "x"], env)
        for r in (direct, resolved):
            assert (r.returncode, r.stdout) == (0, "ran x\n"), (cmd, r.returncode, r.stderr)


@pytest.mark.parametrize("region", ["us-east-1.evil.com", "../x", "US EAST", "us-east-1a"])
@pytest.mark.parametrize("via", ["--region", "AWS_REGION"])
@pytest.mark.parametrize("backend", ["store", "aws"])
def test_a_bad_region_is_a_usage_error_for_every_backend(aws, tmp_path, region, via, backend):
    env = env_for(aws) if backend == "aws" else clean_env()
    args = ["-t", WORKER_TD, "--check"]
    if backend == "store":
        store = tmp_path / "store.json"
        store.write_text(json.dumps(STORE))
        args += ["--store", str(store)]
    if via == "--region":
        args += ["--region", region]
    else:
        env["AWS_REGION"] = region
    r = run(args, env)
    assert r.returncode == 64, (r.returncode, r.stderr)
    errors = [line for line in r.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, r.stderr
    assert via in errors[0] and "invalid region" in errors[0], errors[0]
    assert r.stdout == "", "a usage error prints no report"
    if backend == "aws":
        assert aws.requests() == [], "nothing is fetched with a bad region"


def test_store_and_emulator_agree(aws, tmp_path):
    """One document (README "The offline store"), two backends: covenant-shim --store and the
    emulator serving it give every variable the same value."""
    pending = "0123456789abcdef0123456789abcdef"
    doc = {
        "secrets": {
            "app/json": {"n": 1.0, "big": 1e21, "small": 1.5e-7, "u": "日本\n",
                         "l": [True, None]},
            "app/rotating": {"versions": {"AWSCURRENT": "new", "AWSPREVIOUS": "old",
                                          pending: {"string": "next", "stages": ["AWSPENDING"]}}},
            "app/cert": {"binary": "aGVsbG8gYmluYXJ5"},
            "svc-AbCdEf": "exact", "svc": "base",
        },
        "parameters": {"/app/flag": {"value": "v3", "version": 3, "labels": ["prod"],
                                     "history": {"1": "v1", "2": "v2"}},
                       "/app/list": ["a", "b"]},
        "regions": {"eu-west-1": {"secrets": {"app/plain": "eu value"}}},
    }
    sm = "arn:aws:secretsmanager:{}:123456789012:secret:{}"
    refs = {
        "WHOLE": sm.format("us-east-1", "app/json-Zz9Yy8"),
        "KEY": sm.format("us-east-1", "app/json:u::"),
        "PREV": sm.format("us-east-1", "app/rotating::AWSPREVIOUS:"),
        "PEND": sm.format("us-east-1", "app/rotating:::" + pending),
        "BIN": sm.format("us-east-1", "app/cert"), "EXACT": sm.format("us-east-1", "svc-AbCdEf"),
        "BASE": sm.format("us-east-1", "svc-XyZ123"),
        "EU": sm.format("eu-west-1", "app/plain-AbCdEf"),
        "LABEL": "arn:aws:ssm:us-east-1:123456789012:parameter/app/flag:prod",
        "V1": "arn:aws:ssm:us-east-1:123456789012:parameter/app/flag:1",
        "LIST": "arn:aws:ssm:us-east-1:123456789012:parameter/app/list",
    }
    store = tmp_path / "store.json"
    store.write_text(json.dumps(doc))
    aws.set_store(copy.deepcopy(doc))
    offline, got_offline = app_env(aws, tmp_path, ["--store", str(store)],
                                   clean_env(AWS_REGION="us-east-1", **refs))
    assert offline.returncode == 0, offline.stderr
    # The emulator plays AWS: a full ARN must carry the suffix it gave the secret.
    for var, name, region in (("WHOLE", "app/json", "us-east-1"), ("BASE", "svc", "us-east-1"),
                              ("EU", "app/plain", "eu-west-1")):
        got = aws.call("secretsmanager.GetSecretValue", {"SecretId": name}, region=region)
        refs[var] = got.json()["ARN"]
    online, got_online = app_env(aws, tmp_path, [], env_for(aws, **refs))
    assert online.returncode == 0, online.stderr
    assert {k: got_offline[k] for k in refs} == {k: got_online[k] for k in refs}
    assert got_offline["WHOLE"] == \
        '{"n":1,"big":1e+21,"small":1.5e-7,"u":"日本\\n","l":[true,null]}'
    assert (got_offline["EXACT"], got_offline["BASE"], got_offline["EU"]) == ("exact", "base",
                                                                             "eu value")
