"""The resolver's process protections and the parsers' discretion (issue 10, SECURITY.md):
not dumpable until the exec, no job-control stop past --timeout, imports that cannot steer the
loader, the proxies or the AWS clients, and no text of a value in any parse error."""
import json
import os
import resource
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import RESOLVER, clean_env, wait_for

pytestmark = pytest.mark.skipif(not os.access(RESOLVER, os.X_OK),
                                reason="covenant-shim-resolve is not built")

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf"
SECRET_KEY = "hardening-test-secret-access-key-0123456789"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


class StallServer:
    """Accepts on 127.0.0.1 and never answers: the resolver sits in a call, keys in memory."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture
def stall():
    s = StallServer()
    yield s
    s.close()


def stall_env(port, **extra):
    env = clean_env(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
                    AWS_ACCESS_KEY_ID="AKIAHARDENINGTEST01",
                    AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_REGION="us-east-1",
                    AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.devnull,
                    AWS_SHARED_CREDENTIALS_FILE=os.devnull, DB_PASSWORD=ARN)
    env.update(extra)
    return env


def core_unlimited():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def start_stalled(stall, tmp_path, prefix=(), timeout="60"):
    p = subprocess.Popen(list(prefix) + [RESOLVER, "--timeout", timeout, "--", "true"],
                         env=stall_env(stall.port), cwd=tmp_path, preexec_fn=core_unlimited,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert wait_for(lambda: stall.conns, timeout=10), "the resolver never called the endpoint"
    return p


def resolver_pid(p):
    """The resolver itself: setpriv execs it in place, so the PID is the Popen's."""
    return p.pid


def proc_state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def can_read_mem(pid, as_nobody):
    """Whether a process (of the resolver's UID) reads a page of the resolver's heap."""
    code = ("import sys\n"
            "pid = sys.argv[1]\n"
            "try:\n"
            "    maps = open(f'/proc/{pid}/maps').read().splitlines()\n"
            "    heap = [l for l in maps if l.endswith('[heap]')] or maps\n"
            "    lo = int(heap[0].split('-')[0], 16)\n"
            "    with open(f'/proc/{pid}/mem', 'rb') as m:\n"
            "        m.seek(lo)\n"
            "        sys.exit(0 if m.read(64) else 1)\n"
            "except OSError:\n"
            "    sys.exit(1)\n")
    cmd = (NOBODY if as_nobody else []) + ["/usr/bin/python3", "-c", code, str(pid)]
    return subprocess.run(cmd, timeout=10).returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the resolver as nobody")
def test_resolver_is_not_dumpable_during_a_stalled_call(stall, tmp_path):
    os.chmod(tmp_path, 0o777)
    p = start_stalled(stall, tmp_path, prefix=NOBODY)
    try:
        pid = resolver_pid(p)
        status = open(f"/proc/{pid}/status").read()
        assert "\nUid:\t65534\t" in status
        assert not can_read_mem(pid, as_nobody=True), "a same-UID process read its memory"
        # a non-dumpable process's /proc files belong to root, not to its own UID
        assert os.stat(f"/proc/{pid}/mem").st_uid == 0
    finally:
        p.kill()
        p.wait()


@pytest.mark.skipif(open("/proc/sys/kernel/core_pattern").read().startswith("|"),
                    reason="cores go to a pipe here: nothing to look for in the directory")
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the resolver as nobody")
def test_sigquit_during_a_stalled_call_leaves_no_core(stall, tmp_path):
    os.chmod(tmp_path, 0o777)
    p = start_stalled(stall, tmp_path, prefix=NOBODY)
    os.kill(resolver_pid(p), signal.SIGQUIT)
    p.wait(timeout=10)
    assert p.returncode == -signal.SIGQUIT
    time.sleep(0.3)
    assert [f for f in os.listdir(tmp_path) if f.startswith("core")] == []


@pytest.mark.parametrize("sig", [signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU])
def test_stop_signals_never_suspend_the_deadline(stall, tmp_path, sig):
    p = start_stalled(stall, tmp_path, timeout="2")
    t0 = time.monotonic()
    try:
        os.kill(p.pid, sig)
        time.sleep(0.2)
        assert proc_state(p.pid) != "T", "the resolver stopped"
        p.wait(timeout=8)
    finally:
        if p.poll() is None:
            os.kill(p.pid, signal.SIGCONT)
            p.kill()
            p.wait()
    assert p.returncode == 69
    assert time.monotonic() - t0 < 6


def test_the_application_gets_the_signals_and_core_limit_back(tmp_path):
    store = tmp_path / "store.json"
    store.write_text(json.dumps({"secrets": {"app/db": "v"}}))
    script = "grep SigIgn /proc/self/status; ulimit -c"
    r = subprocess.run([RESOLVER, "--store", str(store), "--", "sh", "-c", script],
                       env=clean_env(), capture_output=True, text=True, timeout=30,
                       preexec_fn=core_unlimited)
    assert r.returncode == 0, r.stderr
    sigign, core = r.stdout.split()[1:3]
    for sig in (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU):
        assert not int(sigign, 16) & (1 << (sig - 1)), sig
    with open(RESOLVER, "rb") as f:
        asan = b"libasan" in f.read()
    assert core == ("0" if asan else "unlimited")  # ASan sets the core limit to 0 itself


STEERING = {"LD_PRELOAD": "/tmp/evil.so", "LD_LIBRARY_PATH": "/tmp", "HTTPS_PROXY": "http://evil",
            "https_proxy": "http://evil", "No_Proxy": "*", "ALL_PROXY": "socks5://evil",
            "AWS_ACCESS_KEY_ID": "AKIAEVIL", "AWS_SECRET_ACCESS_KEY": "evil",
            "AWS_SESSION_TOKEN": "evil", "AWS_ENDPOINT_URL": "http://evil",
            "AWS_ENDPOINT_URL_SSM": "http://evil", "AWS_CA_BUNDLE": "/tmp/evil.pem",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://evil", "AWS_PROFILE": "evil",
            "AWS_CONFIG_FILE": "/tmp/c", "AWS_SHARED_CREDENTIALS_FILE": "/tmp/c",
            "AWS_WEB_IDENTITY_TOKEN_FILE": "/tmp/t", "AWS_ROLE_ARN": "arn:aws:iam::1:role/evil"}
ORDINARY = {"DB_PASSWORD": "pw", "LOAD_PATH": "x", "AWS_REGION_NAME": "eu-west-1",
            "MY_HTTP_PROXY_HOST": "h"}


def dump_env(tmp_path, args, env=None):
    out = tmp_path / "env.json"
    dump = ["/usr/bin/python3", "-c",
            "import json,os,sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))", str(out)]
    r = subprocess.run([RESOLVER] + args + ["--"] + dump, env=env or clean_env(),
                       capture_output=True, text=True, timeout=30)
    return r, (json.loads(out.read_text()) if out.exists() else None)


@pytest.mark.parametrize("kind", ["--secret-json", "--ssm-path"])
def test_imports_never_steer_the_loader_proxies_or_aws(tmp_path, kind):
    values = {**STEERING, **ORDINARY}
    store = {"secrets": {"app/all": values},
             "parameters": {f"/app/{k}": v for k, v in values.items()}}
    (tmp_path / "store.json").write_text(json.dumps(store))
    # the task definition names one of them itself: that one is set, from the mapping
    td = {"containerDefinitions": [{"name": "w", "environment": [
        {"name": "AWS_ROLE_ARN", "value": "arn:aws:iam::123456789012:role/mine"}]}]}
    (tmp_path / "td.json").write_text(json.dumps(td))
    arg = "app/all" if kind == "--secret-json" else "/app"
    r, env = dump_env(tmp_path, ["--store", str(tmp_path / "store.json"), "-t",
                                 str(tmp_path / "td.json"), kind, arg])
    assert r.returncode == 0, r.stderr
    for name, value in ORDINARY.items():
        assert env[name] == value
    assert env["AWS_ROLE_ARN"] == "arn:aws:iam::123456789012:role/mine"
    for name in STEERING:
        if name != "AWS_ROLE_ARN":
            assert name not in env, name
            assert f"warning: {name}: not imported" in r.stderr, name
    assert "evil" not in r.stderr


def test_files_others_can_write_are_named_in_one_warning(tmp_path):
    def write(name, text, mode):
        p = tmp_path / name
        p.write_text(text)
        os.chmod(p, mode)
        return str(p)
    env_file = write("app.env", "A=1\n", 0o666)
    ok_env = write("ok.env", "B=2\n", 0o644)
    td = write("td.json", json.dumps({"containerDefinitions": [{"name": "w"}]}), 0o620)
    creds = write("credentials", "[default]\naws_access_key_id = AKIAFILETEST\n"
                  "aws_secret_access_key = file-test-secret\n", 0o662)
    config = write("config", "[default]\nregion = us-east-1\n", 0o644)
    env = clean_env(AWS_SHARED_CREDENTIALS_FILE=creds, AWS_CONFIG_FILE=config)
    r = subprocess.run([RESOLVER, "--env-file", env_file, "--env-file", ok_env, "-t", td,
                        "--", "true"], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    warned = [l for l in r.stderr.splitlines() if "writable by" in l]
    assert sorted(warned) == sorted([
        f"covenant-shim: warning: env file {env_file} is writable by others",
        f"covenant-shim: warning: task definition {td} is writable by its group",
        f"covenant-shim: warning: AWS credentials file {creds} is writable by others"]), \
        r.stderr
    store = write("store.json", json.dumps({"secrets": {"app/db-AbCdEf": "v"}}), 0o606)
    r = subprocess.run([RESOLVER, "--store", store, "--", "true"], env=clean_env(DB=ARN),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert f"warning: store {store} is writable by others" in r.stderr


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_control_bytes_from_inputs_never_reach_the_log_raw(tmp_path, fmt):
    esc = "\x1b[31mRED\x07"
    store = {"secrets": {"app/all": {"OK": "1", "BAD" + esc: "2"}}}
    (tmp_path / "store.json").write_text(json.dumps(store))
    td = {"containerDefinitions": [{"name": "w" + esc, "environment": [
        {"name": "EMPTY", "value": ""}]}]}
    (tmp_path / "td.json").write_text(json.dumps(td))
    r = subprocess.run([RESOLVER, "--log-format", fmt, "--store", str(tmp_path / "store.json"),
                        "-t", str(tmp_path / "td.json"), "--secret-json", "app/all", "--",
                        "true"], env=clean_env(), capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    err = r.stderr.decode()
    assert "RED" in err  # both names were logged
    assert not [c for c in err if ord(c) < 0x20 and c != "\n"], err
    if fmt == "text":
        assert "\\x1b[31mRED\\x07" in err
