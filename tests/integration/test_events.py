"""The log schema of the README's "Logs and events": with --log-format json every stderr line is
one JSON object with time (RFC 3339 UTC, milliseconds), level, event and msg, and the
resolved event carries its fields; no control byte reaches stderr raw in either format."""
import json
import os
import re
import subprocess

import pytest

from conftest import RESOLVER, SHIM, clean_env
from fake_aws.fixture import FakeAWS

pytestmark = pytest.mark.skipif(not os.access(RESOLVER, os.X_OK),
                                reason="covenant-shim-resolve is not built")

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
STORE = {"secrets": {"app/db": {"PASSWORD": "event-test-password-1"}},
         "parameters": {"/app/MODE": "event-test-mode"}}
REFS = {"DB_PASSWORD": ARN + "app/db:PASSWORD::",
        "MODE": "arn:aws:ssm:us-east-1:123456789012:parameter/app/MODE"}
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LEVELS = {"error", "warning", "info", "debug", "trace"}


@pytest.fixture(scope="module")
def aws():
    with FakeAWS(STORE) as fake:
        yield fake


def records(stderr):
    out = []
    for line in stderr.splitlines():
        rec = json.loads(line)  # every line, or the test fails here
        assert isinstance(rec, dict)
        assert TIME.match(rec["time"]) and rec["level"] in LEVELS, line
        assert isinstance(rec["event"], str) and rec["event"], line
        assert isinstance(rec["msg"], str), line
        out.append(rec)
    return out


def test_every_line_of_a_resolver_run_is_a_json_event(aws):
    aws.clear_faults()
    aws.set_fault("throttle", op="GetParameters", count=1)  # a retry on the way
    env = clean_env(**aws.env(), **REFS)
    r = subprocess.run([SHIM, "--log-format", "json", "-vvv", "--", "true"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    recs = records(r.stderr)
    assert len(recs) > 3
    resolved = [x for x in recs if x["event"] == "resolved"]
    assert len(resolved) == 1, r.stderr
    ev = resolved[0]
    assert ev["level"] == "info" and ev["variables"] == 2 and ev["source"] == "aws"
    assert ev["calls"] >= 2 and ev["waves"] >= 1 and isinstance(ev["ms"], int)
    throttled = [x for x in recs if x["event"] == "throttled"]
    assert len(throttled) == 1, r.stderr
    assert throttled[0]["attempt"] == 1 and throttled[0]["op"] == "GetParameters"
    assert isinstance(throttled[0]["delay_ms"], int) and throttled[0]["host"]
    assert all(x["event"] == "log" for x in recs
               if x is not ev and x["event"] not in ("exit", "throttled"))
    assert "event-test-password-1" not in r.stderr


def test_failures_are_json_events_too(aws):
    aws.clear_faults()
    env = clean_env(**aws.env(), **REFS, GONE=ARN + "app/missing")
    r = subprocess.run([SHIM, "--log-format", "json", "--", "true"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 78
    recs = records(r.stderr)
    assert any(x["level"] == "error" and "GONE" in x["msg"] for x in recs), r.stderr


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_name_with_an_escape_byte_never_reaches_stderr_raw(aws, fmt):
    aws.clear_faults()
    env = clean_env(**aws.env(), **{"BAD\x1b[31mNAME": ARN + "app/missing"})
    r = subprocess.run([SHIM, "--log-format", fmt, "-vv", "--", "true"], env=env,
                       capture_output=True, timeout=60)
    assert r.returncode == 78
    assert b"BAD" in r.stderr, r.stderr
    assert not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", r.stderr), r.stderr
    if fmt == "json":
        records(r.stderr.decode())
