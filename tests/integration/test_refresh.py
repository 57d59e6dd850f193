"""--refresh against the AWS emulator (DESIGN.md 3.5): a rotation restarts the application with
the new value while PID 1 holds digests only; an outage never stops it; --refresh-signal
signals instead; a fleet's checks are spread by the jitter; and bad combinations are usage
errors."""
import copy
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import RESOLVER, SHIM, UNSHARE, clean_env, supervisor_pid, wait_for
from fake_aws.fixture import FakeAWS
from test_resolver import pid1_memory

pytestmark = pytest.mark.skipif(not os.access(RESOLVER, os.X_OK),
                                reason="covenant-shim-resolve is not built")

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
OLD = "old-rotating-value-7f3a9c"
NEW = "new-rotating-value-b81e44"
STORE = {"secrets": {"app/db": {"PASSWORD": OLD, "USER": "app-user-fixed"}},
         "parameters": {"/app/MODE": "steady-mode-value"}}
REFS = {"DB_PASSWORD": ARN + "app/db:PASSWORD::", "DB_USER": ARN + "app/db:USER::",
        "MODE": "arn:aws:ssm:us-east-1:123456789012:parameter/app/MODE"}
INTERVAL = 1.0

# The application: one line per start (its pid and the value it got), a line per SIGHUP,
# and a clean exit on SIGTERM.
APP = ("echo \"start $$ $DB_PASSWORD\" >> \"$OUT\"; trap 'echo \"hup $$\" >> \"$OUT\"' HUP; "
       "trap 'exit 0' TERM; while :; do sleep 0.05; done")


def rotated():
    store = copy.deepcopy(STORE)
    store["secrets"]["app/db"]["PASSWORD"] = NEW
    return store


@pytest.fixture(scope="module")
def aws():
    with FakeAWS(copy.deepcopy(STORE)) as fake:
        yield fake


@pytest.fixture(autouse=True)
def _reset(aws):
    aws.clear_faults()
    aws.set_deny([])
    aws.set_store(copy.deepcopy(STORE))
    aws.clear_requests()


def lines(path):
    try:
        return path.read_text().splitlines()
    except FileNotFoundError:
        return []


def starts(path):
    return [line.split()[1:] for line in lines(path) if line.startswith("start ")]


def events(stderr, name):
    return [rec for rec in map(json.loads, stderr.splitlines()) if rec["event"] == name]


class Shim:
    """A supervisor with --refresh running the APP in the background."""

    def __init__(self, aws, tmp_path, args, pid1=False):
        self.out = tmp_path / "app.log"
        env = clean_env(**aws.env(), **REFS, OUT=str(self.out))
        cmd = (UNSHARE if pid1 else []) + [SHIM, "--log-format", "json"] + args + \
            ["--", "sh", "-c", APP]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.pid = supervisor_pid(self.proc, pid1)  # unshare forwards no signal
        assert wait_for(lambda: starts(self.out), timeout=20), self.stop()

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
        _, self.stderr = self.proc.communicate(timeout=20)
        return self.stderr


def test_rotation_restarts_the_application_and_pid1_holds_no_value(aws, tmp_path):
    shim = Shim(aws, tmp_path, ["--refresh", "1s", "--grace", "3"], pid1=True)
    try:
        pid1 = shim.pid
        assert starts(shim.out) == [[starts(shim.out)[0][0], OLD]]
        time.sleep(1.5 * INTERVAL)  # a check or two with no change: no restart
        assert len(starts(shim.out)) == 1
        aws.set_store(rotated())
        t0 = time.monotonic()
        assert wait_for(lambda: len(starts(shim.out)) == 2, timeout=15)
        took = time.monotonic() - t0
        assert starts(shim.out)[1][1] == NEW
        assert took < 2 * INTERVAL * 1.1 + 1.5, took  # two intervals, resolution, stop
        time.sleep(1.5 * INTERVAL)
        assert len(starts(shim.out)) == 2  # the new digests are the baseline now
        with open(f"/proc/{pid1}/environ", "rb") as f:
            environ = f.read()
        with open(f"/proc/{pid1}/maps") as f:
            maps = f.read()
        memory = pid1_memory(pid1, maps)
        assert b"--refresh" in memory  # the scan does see PID 1's own argv
        for value in (OLD, NEW, "app-user-fixed", "steady-mode-value"):
            assert value.encode() not in environ + memory, "PID 1 holds a value"
        with open(f"/proc/{pid1}/status") as f:
            rss_kb = int(dict(line.split(":", 1) for line in f)["VmRSS"].split()[0])
        if "libasan" not in maps:  # ASan's runtime alone is megabytes
            assert rss_kb < 1536, rss_kb  # digests only: PID 1 stays small
    finally:
        stderr = shim.stop()
    restart = events(stderr, "restart")
    assert len(restart) == 1 and restart[0]["variables"] == ["DB_PASSWORD"], stderr
    assert restart[0]["signal"] == "SIGTERM"
    assert [e["variables"] for e in events(stderr, "refresh") if e.get("changed")] == \
        [["DB_PASSWORD"]]
    for value in (OLD, NEW):
        assert value not in stderr


def test_an_outage_never_stops_the_application(aws, tmp_path):
    shim = Shim(aws, tmp_path, ["--refresh", "1s", "--timeout", "1"])
    try:
        first = starts(shim.out)
        aws.set_deny([{"action": "*"}])
        time.sleep(2.5 * INTERVAL)
        aws.set_deny([])
        aws.add_faults([{"kind": "reset", "op": "*"}])  # then unreachable: resets
        time.sleep(2.5 * INTERVAL)
        assert starts(shim.out) == first and shim.proc.poll() is None
        aws.clear_faults()
        aws.set_store(rotated())  # and once AWS is back, a rotation still lands
        assert wait_for(lambda: len(starts(shim.out)) == 2, timeout=15)
        assert starts(shim.out)[1][1] == NEW
    finally:
        stderr = shim.stop()
    failed = [e for e in events(stderr, "refresh") if e.get("status")]
    assert {e["status"] for e in failed} >= {77, 69}, stderr
    assert all(e["level"] == "warning" for e in failed)
    # the check's own failures are warnings too: nothing says "error" while the app runs
    assert not [json.loads(l) for l in stderr.splitlines() if json.loads(l)["level"] == "error"]


def test_refresh_signal_signals_instead_of_restarting(aws, tmp_path):
    shim = Shim(aws, tmp_path, ["--refresh", "1s", "--refresh-signal", "HUP"])
    try:
        pid = starts(shim.out)[0][0]
        aws.set_store(rotated())
        assert wait_for(lambda: f"hup {pid}" in lines(shim.out), timeout=10)
        time.sleep(2 * INTERVAL)
        assert lines(shim.out).count(f"hup {pid}") == 1  # once per change
        assert len(starts(shim.out)) == 1
    finally:
        stderr = shim.stop()
    sig = [e for e in events(stderr, "signal") if e.get("reason") == "refresh"]
    assert len(sig) == 1 and sig[0]["signal"] == "SIGHUP"
    assert sig[0]["variables"] == ["DB_PASSWORD"]
    assert not events(stderr, "restart")


def test_a_fleet_checks_spread_by_the_jitter(tmp_path):
    n = 20
    creds = [{"access_key_id": f"AKIAFLEET{i:011d}", "secret_access_key": f"fleet/key/{i:04d}"}
             for i in range(n)]
    with FakeAWS(copy.deepcopy(STORE), credentials=creds) as aws:
        procs = []
        try:
            for i in range(n):
                env = clean_env(**aws.env(credential=i), **REFS)
                procs.append(subprocess.Popen(
                    [SHIM, "-q", "--refresh", "1s", "--", "sleep", "30"], env=env,
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            time.sleep(3.5 * INTERVAL)
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                p.communicate(timeout=20)
        reqs = aws.requests()
    offsets = []
    for c in creds:
        # one resolution is one Secrets Manager call: the start, then each check
        times = sorted(r["time"] for r in reqs if r["access_key_id"] == c["access_key_id"]
                       and r["service"] == "secretsmanager")
        assert len(times) >= 3, times  # the start and at least two checks
        offsets.append(times[1] - times[0])
        assert all(0.8 <= b - a <= 2.5 for a, b in zip(times[1:], times[2:])), times
    assert all(0.8 <= d <= 2.5 for d in offsets), offsets
    # Lockstep would put every first check within a few milliseconds of the others'.
    assert max(offsets) - min(offsets) > 0.06, offsets


@pytest.mark.parametrize("args,needle", [
    (["--refresh", "0.5s"], "shorter than 1s"),
    (["--refresh", "soon"], "not a duration"),
    (["--refresh", "200h"], "out of range"),
    (["--refresh", "1m", "--check"], "excludes --check"),
    (["--refresh", "1m", "--print"], "excludes --check"),
    (["--refresh-signal", "HUP"], "needs --refresh"),
    (["--refresh", "1m", "--refresh-signal", "KILL"], "catch"),
    (["--refresh", "1m", "--refresh-signal", "NOPE"], "catch"),
])
def test_bad_refresh_options_are_one_line_and_64(args, needle):
    r = subprocess.run([SHIM] + args + ["--", "true"], capture_output=True, text=True,
                       env=clean_env(), timeout=10)
    assert r.returncode == 64, r.stderr
    assert needle in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr


def test_refresh_without_anything_to_resolve_warns_and_runs(tmp_path):
    r = subprocess.run([SHIM, "--refresh", "1s", "--", "sh", "-c", "exit 3"],
                       capture_output=True, text=True, env=clean_env(), timeout=10)
    assert r.returncode == 3 and "nothing to resolve" in r.stderr
