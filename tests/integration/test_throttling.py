"""Throttling (DESIGN.md 5.5) and the transport findings of issue 10, against the emulator:
its token-bucket rate per service, throttled calls retried past 3 attempts with their JSON
events, a repeated NextToken ending pagination, and SSLKEYLOGFILE kept from libcurl but passed
to the application."""
import json
import os
import subprocess
import time

import pytest

from conftest import RESOLVER, SHIM, clean_env
from fake_aws.fixture import FakeAWS

pytestmark = pytest.mark.skipif(not os.access(RESOLVER, os.X_OK),
                                reason="covenant-shim-resolve is not built")

STORE = {"secrets": {"app/db": {"PASSWORD": "throttle-test-password-1"}},
         "parameters": {"/app/MODE": "throttle-test-mode",
                        "/app/conf/A": "throttle-test-a", "/app/conf/B": "throttle-test-b"}}
REFS = {"MODE": "arn:aws:ssm:us-east-1:123456789012:parameter/app/MODE",
        "DB_PASSWORD": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db:PASSWORD::"}
DUMP = ["/usr/bin/python3", "-c",
        "import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))"]


@pytest.fixture()
def aws():
    with FakeAWS(STORE) as fake:
        yield fake


def shim(args, env, timeout=60):
    return subprocess.run([SHIM] + args, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_the_emulator_throttles_over_its_rate(aws):
    aws.set_rate("ssm", 2, burst=2)
    got = [aws.call("AmazonSSM.GetParameters", {"Names": ["/app/MODE"]}) for _ in range(3)]
    assert [r.status for r in got[:2]] == [200, 200]
    assert got[2].status == 400 and got[2].error_code == "ThrottlingException"
    assert aws.rates()["ssm"]["throttled"] == 1
    assert aws.requests(op="GetParameters")[-1]["fault"] == "rate"
    # Secrets Manager has no rate of its own.
    assert aws.call("secretsmanager.GetSecretValue", {"SecretId": "app/db"}).status == 200
    time.sleep(0.6)  # one token back at 2 a second
    assert aws.call("AmazonSSM.GetParameters", {"Names": ["/app/MODE"]}).status == 200
    aws.set_rate("ssm", None)
    assert aws.rates() == {}


def test_throttled_calls_go_on_past_three_attempts_with_events(aws, tmp_path):
    """Three throttles in a row: standard mode gave up after the third (exit 69); a throttled
    call now keeps backing off and the application starts. Each retry is a `throttled` event
    with its attempt and delay, never a value."""
    aws.set_fault("throttle", op="GetParameters", count=3)
    out = tmp_path / "env.json"
    r = shim(["--log-format", "json", "--timeout", "30", "--"] + DUMP + [str(out)],
             clean_env(**aws.env(), **REFS))
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text())["MODE"] == "throttle-test-mode"
    events = [json.loads(line) for line in r.stderr.splitlines()]
    throttled = [e for e in events if e["event"] == "throttled"]
    assert [e["attempt"] for e in throttled] == [1, 2, 3], r.stderr
    for e in throttled:
        assert e["level"] == "info" and e["op"] == "GetParameters"
        assert e["host"] == f"127.0.0.1:{aws.port}"
        assert isinstance(e["delay_ms"], int) and 0 <= e["delay_ms"] <= 4000
    assert len(aws.requests(op="GetParameters")) == 4
    assert "throttle-test" not in r.stderr


def test_throttling_stops_at_the_timeout(aws, tmp_path):
    aws.set_fault("throttle", op="GetParameters")
    marker = tmp_path / "started"
    t0 = time.monotonic()
    r = shim(["--timeout", "4", "--", "touch", str(marker)], clean_env(**aws.env(), **REFS))
    assert r.returncode == 69, r.stderr
    assert time.monotonic() - t0 < 8
    assert not marker.exists()
    assert "ThrottlingException" in r.stderr and "--timeout reached" in r.stderr, r.stderr


def test_a_repeated_next_token_ends_pagination(aws):
    """The emulator's empty_page answers with a NextToken for the same place, i.e. the token it
    was sent: following it went on for as long as --timeout allowed."""
    aws.set_fault("empty_page", op="GetParametersByPath")
    t0 = time.monotonic()
    r = shim(["--ssm-path", "/app/conf", "--timeout", "10", "--", "true"],
             clean_env(**aws.env()))
    assert r.returncode == 69, r.stderr
    assert time.monotonic() - t0 < 5
    assert "NextToken" in r.stderr and "/app/conf" in r.stderr, r.stderr
    assert len(aws.requests(op="GetParametersByPath")) == 2


def test_sslkeylogfile_reaches_the_application_not_libcurl(aws, tmp_path):
    keys = tmp_path / "keys.log"
    out = tmp_path / "env.json"
    r = shim(["--"] + DUMP + [str(out)],
             clean_env(**aws.env(), **REFS, SSLKEYLOGFILE=str(keys)))
    assert r.returncode == 0, r.stderr
    assert not keys.exists() or keys.stat().st_size == 0, "TLS secrets were written"
    env = json.loads(out.read_text())
    assert env["SSLKEYLOGFILE"] == str(keys)
    assert env["MODE"] == "throttle-test-mode"
