"""Proves the AWS emulator (tests/fake_aws) behaves like the services the shim talks to: real
boto3 clients get the stored values, signatures are checked, BatchGetSecretValue reports
per-secret errors, every fault does what README.md says, and the log counts connections."""

import base64
import datetime
import http.client
import json
import os
import socket
import ssl
import sys
import time
import types
from unittest import mock

import boto3
import botocore.auth
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fake_aws.fixture import FakeAWS  # noqa: E402
from fake_aws.store import Store, StoreError  # noqa: E402

BINARY = b"bin\x00ary\xff"
PENDING_ID = "0123456789abcdef0123456789abcdef"
SHARED_ARN = "arn:aws:secretsmanager:us-east-1:999999999999:secret:shared/db-XyZ123"
STORE = {
    "secrets": {
        "app/json": {"SECRET_KEY": "dev-secret-key", "DB_PORT": 5432},
        "app/plain": "plain-secret-value",
        "app/binary": {"binary": base64.b64encode(BINARY).decode()},
        "app/rotating": {"versions": {
            "AWSCURRENT": "rotated-new-pass",
            "AWSPREVIOUS": "rotated-old-pass",
            PENDING_ID: {"string": "rotated-pending-pass", "stages": ["AWSPENDING"]}}},
        "app/broken": {"error": "DecryptionFailure"},
        SHARED_ARN: "cross-account-value",
    },
    "parameters": {
        "/app/config/ENVIRONMENT": "production-env",
        "/app/config/LOG_LEVEL": {"value": "info-level", "type": "String"},
        "/app/config/HOSTS": ["a.example", "b.example"],
        "/app/config/nested/DEEP": {"value": "deep-value", "type": "String"},
        "/app/flag": {"value": "flag-v3", "type": "String", "version": 3, "labels": ["prod"],
                      "history": {"1": "flag-v1",
                                  "2": {"value": "flag-v2", "labels": ["staging"]}}},
        **{f"/bulk/p{i:02d}": {"value": f"bulk-{i}", "type": "String"} for i in range(25)},
        "/bulk/sub/x": {"value": "bulk-sub", "type": "String"},
    },
    "regions": {"eu-west-1": {"secrets": {"app/plain": "plain-secret-in-eu"},
                              "parameters": {"/app/config/ENVIRONMENT": "eu-production-env"}}},
}
ALL_VALUES = ["dev-secret-key", "plain-secret-value", "rotated-new-pass", "rotated-old-pass",
              "rotated-pending-pass", "cross-account-value", "production-env", "info-level",
              "deep-value", "flag-v1", "flag-v2", "flag-v3", "bulk-sub", "plain-secret-in-eu",
              "eu-production-env"]


@pytest.fixture(scope="module")
def aws():
    with FakeAWS(STORE) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh(request):
    """Each test starts with no faults, no deny rules, no latency and an empty log."""
    if "aws" in request.fixturenames:
        server = request.getfixturevalue("aws")
        server.clear_faults()
        server.set_deny([])
        server.set_latency(0)
        server.set_ecs(token=None)
        server.set_sts(roles=None, web_identity_tokens=None)
        server.set_store(STORE)
        server.clear_requests()
    yield


def client(aws, service, region="us-east-1", credential=0, secret_key=None, attempts=1):
    cred = aws.credentials[credential] if isinstance(credential, int) else credential
    session = boto3.session.Session(
        aws_access_key_id=cred["access_key_id"],
        aws_secret_access_key=secret_key or cred["secret_access_key"],
        aws_session_token=cred.get("session_token"), region_name=region)
    config = Config(retries={"total_max_attempts": attempts, "mode": "standard"},
                    connect_timeout=2, read_timeout=5)
    return session.client(service, endpoint_url=aws.endpoint, verify=aws.ca_bundle,
                          config=config)


def error_of(excinfo):
    err = excinfo.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]


def raw_post(aws, target, body=None, timeout=5):
    """A signed request on a connection of its own, for faults that act on the socket."""
    conn = aws.connection(timeout)
    return conn, lambda: aws.call(target, body or {}, conn=conn, timeout=timeout)


# ---- Secrets Manager -------------------------------------------------------------------------

def test_get_secret_value_by_name_and_arn(aws):
    sm = client(aws, "secretsmanager")
    as_json = sm.get_secret_value(SecretId="app/json")
    assert json.loads(as_json["SecretString"]) == {"SECRET_KEY": "dev-secret-key", "DB_PORT": 5432}
    plain = sm.get_secret_value(SecretId="app/plain")
    assert plain["SecretString"] == "plain-secret-value"
    assert plain["VersionStages"] == ["AWSCURRENT"]
    arn = plain["ARN"]
    assert arn.startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:app/plain-")
    assert len(arn.rsplit("-", 1)[1]) == 6
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == "plain-secret-value"
    partial = arn.rsplit("-", 1)[0]
    assert sm.get_secret_value(SecretId=partial)["SecretString"] == "plain-secret-value"
    binary = sm.get_secret_value(SecretId="app/binary")
    assert binary["SecretBinary"] == BINARY and "SecretString" not in binary


def test_get_secret_value_versions_and_stages(aws):
    sm = client(aws, "secretsmanager")
    assert sm.get_secret_value(SecretId="app/rotating")["SecretString"] == "rotated-new-pass"
    prev = sm.get_secret_value(SecretId="app/rotating", VersionStage="AWSPREVIOUS")
    assert prev["SecretString"] == "rotated-old-pass"
    pending = sm.get_secret_value(SecretId="app/rotating", VersionId=PENDING_ID)
    assert pending["SecretString"] == "rotated-pending-pass"
    assert pending["VersionStages"] == ["AWSPENDING"] and pending["VersionId"] == PENDING_ID
    both = sm.get_secret_value(SecretId="app/rotating", VersionId=PENDING_ID,
                               VersionStage="AWSPENDING")
    assert both["SecretString"] == "rotated-pending-pass"
    with pytest.raises(ClientError) as e:
        sm.get_secret_value(SecretId="app/rotating", VersionId=PENDING_ID,
                            VersionStage="AWSCURRENT")
    assert error_of(e) == ("ResourceNotFoundException", 400)
    with pytest.raises(ClientError) as e:
        sm.get_secret_value(SecretId="app/rotating", VersionStage="NOPE")
    assert error_of(e) == ("ResourceNotFoundException", 400)


def test_get_secret_value_errors_and_accounts(aws):
    sm = client(aws, "secretsmanager")
    with pytest.raises(ClientError) as e:
        sm.get_secret_value(SecretId="app/missing")
    assert error_of(e) == ("ResourceNotFoundException", 400)
    with pytest.raises(ClientError) as e:
        sm.get_secret_value(SecretId="app/broken")
    assert error_of(e) == ("DecryptionFailure", 400)
    # Another account's secret is reachable by ARN only.
    assert sm.get_secret_value(SecretId=SHARED_ARN)["SecretString"] == "cross-account-value"
    with pytest.raises(ClientError) as e:
        sm.get_secret_value(SecretId="shared/db")
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_cross_region_through_one_endpoint(aws):
    eu = client(aws, "secretsmanager", region="eu-west-1")
    eu_secret = eu.get_secret_value(SecretId="app/plain")
    assert eu_secret["SecretString"] == "plain-secret-in-eu"
    assert ":eu-west-1:" in eu_secret["ARN"]
    ssm_eu = client(aws, "ssm", region="eu-west-1")
    got = ssm_eu.get_parameter(Name="/app/config/ENVIRONMENT", WithDecryption=True)
    assert got["Parameter"]["Value"] == "eu-production-env"
    # An eu-west-1 ARN asked of us-east-1 is not found, as on AWS.
    us = client(aws, "secretsmanager")
    for arn in (eu_secret["ARN"], eu_secret["ARN"].rsplit("-", 1)[0]):
        with pytest.raises(ClientError) as e:
            us.get_secret_value(SecretId=arn)
        assert error_of(e)[0] == "ResourceNotFoundException"
    regions = [r["region"] for r in aws.requests()]
    assert regions == ["eu-west-1", "eu-west-1", "us-east-1", "us-east-1"]


def test_batch_get_secret_value(aws):
    aws.set_deny([{"action": "secretsmanager:GetSecretValue", "resource": "app/plain"}])
    ids = ["app/json", "app/binary", "app/missing", "app/broken", "app/plain", "app/json"]
    resp = aws.call("secretsmanager.BatchGetSecretValue", {"SecretIdList": ids})
    assert resp.status == 200
    out = resp.json()
    by_name = {v["Name"]: v for v in out["SecretValues"]}
    assert sorted(by_name) == ["app/binary", "app/json"]
    assert json.loads(by_name["app/json"]["SecretString"])["SECRET_KEY"] == "dev-secret-key"
    assert base64.b64decode(by_name["app/binary"]["SecretBinary"]) == BINARY
    errors = {e["SecretId"]: e["ErrorCode"] for e in out["Errors"]}
    assert errors == {"app/missing": "ResourceNotFoundException",
                      "app/broken": "DecryptionFailure", "app/plain": "AccessDeniedException"}

    too_many = aws.call("secretsmanager.BatchGetSecretValue",
                        {"SecretIdList": [f"s{i}" for i in range(21)]})
    assert (too_many.status, too_many.error_code) == (400, "ValidationException")
    aws.set_deny([{"action": "secretsmanager:BatchGetSecretValue"}])
    denied = aws.call("secretsmanager.BatchGetSecretValue", {"SecretIdList": ["app/json"]})
    assert (denied.status, denied.error_code) == (400, "AccessDeniedException")
    assert "secretsmanager:BatchGetSecretValue" in denied.json()["Message"]


def test_deny_rules(aws):
    aws.set_deny([{"action": "secretsmanager:GetSecretValue", "resource": "app/js*"},
                  {"action": "ssm:GetParameter*", "resource": "/app/flag",
                   "access_key_id": aws.credentials[0]["access_key_id"]}])
    sm = client(aws, "secretsmanager")
    with pytest.raises(ClientError) as e:
        sm.get_secret_value(SecretId="app/json")
    assert error_of(e) == ("AccessDeniedException", 400)
    assert sm.get_secret_value(SecretId="app/plain")["SecretString"] == "plain-secret-value"
    ssm = client(aws, "ssm")
    with pytest.raises(ClientError) as e:  # one denied name fails the whole call
        ssm.get_parameters(Names=["/app/config/LOG_LEVEL", "/app/flag"])
    assert error_of(e) == ("AccessDeniedException", 400)
    other_key = client(aws, "ssm", credential=1)
    assert len(other_key.get_parameters(Names=["/app/flag"])["Parameters"]) == 1


# ---- SSM -------------------------------------------------------------------------------------

def test_get_parameters_values_types_and_selectors(aws):
    ssm = client(aws, "ssm")
    names = ["/app/config/LOG_LEVEL", "/app/config/ENVIRONMENT", "/app/config/HOSTS",
             "/app/missing", "/app/flag:1", "/app/flag:staging", "/app/flag:9"]
    out = ssm.get_parameters(Names=names, WithDecryption=True)
    got = [(p["Name"], p["Type"], p["Value"], p["Version"], p.get("Selector"))
           for p in out["Parameters"]]
    assert got == [("/app/config/ENVIRONMENT", "SecureString", "production-env", 1, None),
                   ("/app/config/HOSTS", "StringList", "a.example,b.example", 1, None),
                   ("/app/config/LOG_LEVEL", "String", "info-level", 1, None),
                   ("/app/flag", "String", "flag-v1", 1, ":1"),
                   ("/app/flag", "String", "flag-v2", 2, ":staging")]
    assert out["InvalidParameters"] == ["/app/missing", "/app/flag:9"]

    hidden = ssm.get_parameters(Names=["/app/config/ENVIRONMENT", "/app/config/LOG_LEVEL"])
    values = {p["Name"]: p["Value"] for p in hidden["Parameters"]}
    assert values["/app/config/ENVIRONMENT"] != "production-env"
    assert values["/app/config/ENVIRONMENT"].startswith("AQICAH")
    assert values["/app/config/LOG_LEVEL"] == "info-level"  # not SecureString: always plain

    arn = "arn:aws:ssm:us-east-1:123456789012:parameter/app/flag"
    by_arn = ssm.get_parameter(Name=arn + ":prod")["Parameter"]
    assert (by_arn["Name"], by_arn["Value"], by_arn["ARN"]) == ("/app/flag", "flag-v3", arn)

    eleven = aws.call("AmazonSSM.GetParameters", {"Names": [f"/n{i}" for i in range(11)]})
    assert (eleven.status, eleven.error_code) == (400, "ValidationException")


def test_get_parameter_errors(aws):
    ssm = client(aws, "ssm")
    with pytest.raises(ClientError) as e:
        ssm.get_parameter(Name="/app/missing")
    assert error_of(e) == ("ParameterNotFound", 400)
    with pytest.raises(ClientError) as e:
        ssm.get_parameter(Name="/app/flag:7")
    assert error_of(e) == ("ParameterVersionNotFound", 400)


def test_get_parameters_by_path_pagination(aws):
    ssm = client(aws, "ssm")
    pages = list(ssm.get_paginator("get_parameters_by_path").paginate(Path="/bulk",
                                                                     Recursive=True))
    names = [p["Name"] for page in pages for p in page["Parameters"]]
    assert len(names) == 26 and len(set(names)) == 26 and "/bulk/sub/x" in names
    assert [len(page["Parameters"]) for page in pages] == [10, 10, 6]
    assert len(aws.requests(op="GetParametersByPath")) == 3

    flat = ssm.get_paginator("get_parameters_by_path").paginate(Path="/bulk/", Recursive=False)
    flat_names = [p["Name"] for page in flat for p in page["Parameters"]]
    assert len(flat_names) == 25 and "/bulk/sub/x" not in flat_names
    app = ssm.get_parameters_by_path(Path="/app/config", WithDecryption=True)["Parameters"]
    assert {p["Name"] for p in app} == {"/app/config/ENVIRONMENT", "/app/config/LOG_LEVEL",
                                        "/app/config/HOSTS"}

    small = ssm.get_parameters_by_path(Path="/bulk", MaxResults=4)
    assert len(small["Parameters"]) == 4 and small["NextToken"]
    with pytest.raises(ClientError) as e:
        ssm.get_parameters_by_path(Path="/app", NextToken=small["NextToken"])
    assert error_of(e) == ("InvalidNextToken", 400)
    big = aws.call("AmazonSSM.GetParametersByPath", {"Path": "/bulk", "MaxResults": 11})
    assert (big.status, big.error_code) == (400, "ValidationException")


# ---- authentication ----------------------------------------------------------------------------

def signed_at(aws, when, target="AmazonSSM.GetParameters", body=None):
    """A request signed as if the clock said `when` (a datetime)."""
    fake = types.SimpleNamespace(datetime=types.SimpleNamespace(utcnow=lambda: when))
    with mock.patch.object(botocore.auth, "datetime", fake):
        return aws.call(target, body or {"Names": ["/app/config/LOG_LEVEL"]})


def test_wrong_secret_is_refused(aws):
    bad = client(aws, "secretsmanager", secret_key="not-the-right-secret")
    with pytest.raises(ClientError) as e:
        bad.get_secret_value(SecretId="app/plain")
    assert error_of(e) == ("InvalidSignatureException", 400)
    raw = aws.call("AmazonSSM.GetParameters", {"Names": ["/app/flag"]}, secret_key="wrong")
    assert raw.error_code == "InvalidSignatureException"
    assert raw.json()["message"].startswith("The request signature we calculated does not match")
    good = aws.call("AmazonSSM.GetParameters", {"Names": ["/app/flag"]})
    assert good.status == 200


def test_auth_refusals(aws):
    unknown = {"access_key_id": "AKIAUNKNOWN000000000", "secret_access_key": "x"}
    assert aws.call("AmazonSSM.GetParameters", {"Names": ["/a"]},
                    credential=unknown).error_code == "UnrecognizedClientException"
    wrong_scope = aws.call("AmazonSSM.GetParameters", {"Names": ["/a"]}, service="secretsmanager")
    assert wrong_scope.error_code == "InvalidSignatureException"
    assert "scoped to correct service" in wrong_scope.json()["message"]
    bad_region = aws.call("AmazonSSM.GetParameters", {"Names": ["/a"]}, region="moon")
    assert "valid region" in bad_region.json()["message"]

    now = datetime.datetime.utcnow()
    assert signed_at(aws, now - datetime.timedelta(minutes=10)).status == 200
    old = signed_at(aws, now - datetime.timedelta(minutes=20))
    assert old.error_code == "InvalidSignatureException"
    assert old.json()["message"].startswith("Signature expired")
    future = signed_at(aws, now + datetime.timedelta(minutes=20))
    assert future.json()["message"].startswith("Signature not yet current")

    conn = aws.connection()
    conn.request("POST", "/", body=b"{}", headers={"X-Amz-Target": "AmazonSSM.GetParameters",
                                                   "Content-Type": "application/x-amz-json-1.1"})
    resp = conn.getresponse()
    assert json.loads(resp.read())["__type"] == "MissingAuthenticationTokenException"
    conn.close()


def test_session_tokens(aws):
    with_token = aws.credentials[1]
    assert with_token.get("session_token")
    assert aws.call("AmazonSSM.GetParameters", {"Names": ["/a"]}, credential=1).status == 200
    no_token = {k: v for k, v in with_token.items() if k != "session_token"}
    assert aws.call("AmazonSSM.GetParameters", {"Names": ["/a"]},
                    credential=no_token).error_code == "UnrecognizedClientException"
    other_token = {**with_token, "session_token": "another-token"}
    assert aws.call("AmazonSSM.GetParameters", {"Names": ["/a"]},
                    credential=other_token).error_code == "UnrecognizedClientException"
    aws.set_credentials([aws.credentials[0], {**with_token, "expired": True}])
    try:
        expired = aws.call("AmazonSSM.GetParameters", {"Names": ["/a"]}, credential=1)
        assert (expired.status, expired.error_code) == (400, "ExpiredTokenException")
    finally:
        aws.set_credentials([aws.credentials[0], with_token])


# ---- faults ------------------------------------------------------------------------------------

def test_fault_throttle_for_the_next_request_only(aws):
    aws.set_fault("throttle", "GetParameters", count=1)
    ssm = client(aws, "ssm")
    with pytest.raises(ClientError) as e:
        ssm.get_parameters(Names=["/app/flag"])
    assert error_of(e) == ("ThrottlingException", 400)
    assert ssm.get_parameters(Names=["/app/flag"])["Parameters"]
    assert aws.faults() == []
    assert [r["fault"] for r in aws.requests()] == ["throttle", None]


def test_fault_skip_count_and_name(aws):
    aws.set_fault("throttle", "GetParameters*", name="/bulk*", skip=1, count=1)
    ssm = client(aws, "ssm")
    assert ssm.get_parameters(Names=["/app/flag"])  # other name: not counted
    assert ssm.get_parameters_by_path(Path="/bulk")  # first matching request skipped
    with pytest.raises(ClientError) as e:
        ssm.get_parameters_by_path(Path="/bulk")
    assert error_of(e)[0] == "ThrottlingException"
    assert ssm.get_parameters_by_path(Path="/bulk")  # count used up


def test_fault_5xx(aws):
    aws.set_fault("error", "GetParameters", count=1)
    aws.set_fault("error", "GetSecretValue", status=503, count=1)
    r = aws.call("AmazonSSM.GetParameters", {"Names": ["/app/flag"]})
    assert (r.status, r.error_code) == (500, "InternalServerError")
    r = aws.call("secretsmanager.GetSecretValue", {"SecretId": "app/plain"})
    assert (r.status, r.error_code) == (503, "ServiceUnavailable")
    assert "Message" in r.json()
    sm = client(aws, "secretsmanager", attempts=3)  # retried by boto3: succeeds
    aws.set_fault("error", "GetSecretValue", count=2)
    assert sm.get_secret_value(SecretId="app/plain")["SecretString"] == "plain-secret-value"
    assert [r["status"] for r in aws.requests(op="GetSecretValue")] == [503, 500, 500, 200]


def test_fault_close_and_reset(aws):
    def send_strict():
        # suppress_ragged_eofs=False: a TCP reset under TLS surfaces as an error, not as EOF.
        ctx = aws.ssl_context()
        conn = http.client.HTTPSConnection("127.0.0.1", aws.port, context=ctx, timeout=5)
        raw = socket.create_connection(("127.0.0.1", aws.port), timeout=5)
        conn.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1", suppress_ragged_eofs=False)
        try:
            aws.call("AmazonSSM.GetParameters", {}, conn=conn)
        finally:
            conn.close()

    aws.set_fault("close", "GetParameters", count=1)
    with pytest.raises(http.client.RemoteDisconnected):
        send_strict()
    aws.set_fault("reset", "GetParameters", count=1)
    with pytest.raises((ssl.SSLEOFError, ConnectionResetError)) as e:
        send_strict()
    assert not isinstance(e.value, http.client.RemoteDisconnected)
    logged = aws.requests(op="GetParameters")
    assert [(r["fault"], r["status"]) for r in logged] == [("close", None), ("reset", None)]

    aws.set_fault("reset", "EcsCredentials", count=1)  # plain HTTP shows the RST directly
    with pytest.raises(ConnectionResetError) as e:
        ecs_get(aws)
    assert not isinstance(e.value, http.client.RemoteDisconnected)
    assert ecs_get(aws)[0] == 200


def test_fault_stall(aws):
    aws.set_fault("stall", "GetParameters", count=1)  # never answers
    conn, send = raw_post(aws, "AmazonSSM.GetParameters", timeout=0.3)
    with pytest.raises(socket.timeout):
        send()
    conn.close()
    aws.set_fault("stall", "GetParameters", count=1, seconds=0.3)
    started = time.monotonic()
    assert aws.call("AmazonSSM.GetParameters", {"Names": ["/a"]}).status == 200
    assert time.monotonic() - started >= 0.3


def test_fault_bad_bodies(aws):
    aws.set_fault("not_json", "GetParameters", count=1)
    r = aws.call("AmazonSSM.GetParameters", {"Names": ["/a"]})
    assert r.status == 200 and r.headers["content-type"] == "text/html"
    with pytest.raises(ValueError):
        r.json()

    aws.set_fault("wrong_types", "GetParameters", count=1)
    r = aws.call("AmazonSSM.GetParameters", {"Names": ["/a"]})
    assert r.status == 200 and isinstance(r.json()["Parameters"], str)

    aws.set_fault("oversized", "GetSecretValue", count=1)
    r = aws.call("secretsmanager.GetSecretValue", {"SecretId": "app/plain"})
    assert r.status == 200 and len(r.body) > 1 << 20 and isinstance(r.json(), dict)

    aws.set_fault("truncated", "GetSecretValue", count=1)
    conn, send = raw_post(aws, "secretsmanager.GetSecretValue", {"SecretId": "app/plain"})
    with pytest.raises(http.client.IncompleteRead):
        send()
    conn.close()


def test_fault_latency(aws):
    aws.set_fault("latency", "GetParameters", ms=150)
    started = time.monotonic()
    assert aws.call("AmazonSSM.GetParameters", {"Names": ["/a"]}).status == 200
    assert time.monotonic() - started >= 0.15
    aws.clear_faults()
    aws.set_latency(120)
    started = time.monotonic()
    assert aws.call("secretsmanager.GetSecretValue", {"SecretId": "app/plain"}).status == 200
    assert time.monotonic() - started >= 0.12


def test_fault_empty_page(aws):
    aws.set_fault("empty_page", "GetParametersByPath", count=1)
    ssm = client(aws, "ssm")
    first = ssm.get_parameters_by_path(Path="/bulk")
    assert first["Parameters"] == [] and first["NextToken"]
    rest = ssm.get_paginator("get_parameters_by_path").paginate(
        Path="/bulk", PaginationConfig={"StartingToken": first["NextToken"]})
    assert len([p for page in rest for p in page["Parameters"]]) == 25


def test_faults_and_latency_from_start_config():
    faults = [{"kind": "throttle", "op": "GetSecretValue", "count": 1}]
    started = time.monotonic()
    with FakeAWS(STORE, faults=faults, latency_ms=100) as aws:
        startup = time.monotonic() - started
        first = aws.call("secretsmanager.GetSecretValue", {"SecretId": "app/plain"})
        assert first.error_code == "ThrottlingException"
        begun = time.monotonic()
        assert aws.call("secretsmanager.GetSecretValue", {"SecretId": "app/plain"}).status == 200
        assert time.monotonic() - begun >= 0.1
    assert startup < 1.5, f"start-up took {startup:.2f} s"
    assert len(aws.requests()) == 2  # the log survives stop()


# ---- ECS credentials -----------------------------------------------------------------------------

def ecs_get(aws, path=None, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", aws.ecs_port, timeout=5)
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = token
    conn.request("GET", path or aws.ecs["relative_uri"], headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body


def test_ecs_credentials_endpoint(aws):
    status, body = ecs_get(aws)
    creds = json.loads(body)
    assert status == 200
    assert set(creds) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "RoleArn"}
    assert creds["Expiration"].endswith("Z")
    assert ecs_get(aws, path="/v2/credentials/other")[0] == 404
    aws.set_ecs(token="ecs-auth-token")
    assert ecs_get(aws)[0] == 401
    assert ecs_get(aws, token="wrong")[0] == 403
    status, body = ecs_get(aws, token="ecs-auth-token")
    assert status == 200
    served = {"access_key_id": creds["AccessKeyId"], "secret_access_key": creds["SecretAccessKey"],
              "session_token": creds["Token"]}
    assert client(aws, "ssm", credential=served).get_parameters(Names=["/app/flag"])["Parameters"]


def test_ecs_env_drives_botocore(aws, monkeypatch):
    aws.set_ecs(token="ecs-auth-token-2")
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in aws.ecs_env().items():
        monkeypatch.setenv(name, value)
    session = boto3.session.Session()
    ssm = session.client("ssm", endpoint_url=aws.endpoint, verify=aws.ca_bundle)
    assert ssm.get_parameters(Names=["/app/flag"])["Parameters"][0]["Value"] == "flag-v3"
    ops = [(r["listener"], r["op"], r["access_key_id"]) for r in aws.requests()]
    ecs_key = aws.credentials[1]["access_key_id"]
    assert ops == [("ecs", "EcsCredentials", ecs_key), ("aws", "GetParameters", ecs_key)]


def test_ecs_faults(aws):
    aws.set_fault("error", "EcsCredentials", status=500, count=1)
    assert ecs_get(aws)[0] == 500
    aws.set_fault("wrong_types", "EcsCredentials", count=1)
    status, body = ecs_get(aws)
    assert status == 200 and json.loads(body)["AccessKeyId"] == 5
    assert ecs_get(aws)[0] == 200


# ---- STS -------------------------------------------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/app-role"


def test_sts_assume_role_with_web_identity(aws):
    sts = client(aws, "sts")
    aws.set_sts(web_identity_tokens=["good-oidc-token"], roles=None)
    got = sts.assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="shim-test",
                                            WebIdentityToken="good-oidc-token")
    creds = got["Credentials"]
    assert creds["AccessKeyId"] == aws.credentials[1]["access_key_id"]
    assumed = "arn:aws:sts::123456789012:assumed-role/app-role/shim-test"
    assert got["AssumedRoleUser"]["Arn"] == assumed
    served = {"access_key_id": creds["AccessKeyId"], "secret_access_key": creds["SecretAccessKey"],
              "session_token": creds["SessionToken"]}
    assert client(aws, "ssm", credential=served).get_parameters(Names=["/app/flag"])["Parameters"]
    logged = aws.requests(service="sts")[0]
    assert (logged["op"], logged["names"], logged["access_key_id"]) == \
        ("AssumeRoleWithWebIdentity", [ROLE], None)  # unsigned

    bad = aws.call_sts("AssumeRoleWithWebIdentity", {"RoleArn": ROLE, "RoleSessionName": "s1",
                                                     "WebIdentityToken": "forged-token"})
    assert bad.status == 400 and b"<Code>InvalidIdentityToken</Code>" in bad.body
    aws.set_sts(roles=["arn:aws:iam::123456789012:role/other"])
    with pytest.raises(ClientError) as e:
        sts.assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="shim-test",
                                          WebIdentityToken="good-oidc-token")
    assert error_of(e) == ("AccessDenied", 403)
    aws.set_sts(roles=None, web_identity_tokens=None)
    with pytest.raises(ClientError) as e:
        sts.assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="bad name!",
                                          WebIdentityToken="any-token")
    assert error_of(e) == ("ValidationError", 400)


def test_sts_assume_role_is_signed(aws):
    got = client(aws, "sts").assume_role(RoleArn=ROLE, RoleSessionName="shim-test",
                                         DurationSeconds=900)
    assert got["Credentials"]["SessionToken"] == aws.credentials[1]["session_token"]
    with pytest.raises(ClientError) as e:
        client(aws, "sts", secret_key="wrong").assume_role(RoleArn=ROLE, RoleSessionName="s2")
    assert error_of(e) == ("SignatureDoesNotMatch", 403)
    aws.set_deny([{"action": "sts:AssumeRole", "resource": ROLE}])
    with pytest.raises(ClientError) as e:
        client(aws, "sts").assume_role(RoleArn=ROLE, RoleSessionName="s3")
    assert error_of(e) == ("AccessDenied", 403)
    aws.set_deny([])
    aws.set_fault("throttle", "AssumeRole", count=1)
    with pytest.raises(ClientError) as e:
        client(aws, "sts").assume_role(RoleArn=ROLE, RoleSessionName="s4")
    assert error_of(e) == ("Throttling", 400)
    signed = [r["access_key_id"] for r in aws.requests(op="AssumeRole")]
    assert signed == [aws.credentials[0]["access_key_id"]] * 4


# ---- log, connections, TLS -----------------------------------------------------------------------

def test_log_counts_connections_and_keep_alive(aws):
    ssm = client(aws, "ssm")
    for _ in range(3):
        ssm.get_parameters(Names=["/app/flag"])
    client(aws, "secretsmanager").get_secret_value(SecretId="app/plain")
    logged = aws.requests()
    assert [r["op"] for r in logged] == ["GetParameters"] * 3 + ["GetSecretValue"]
    assert len(aws.connections()) == 2
    assert len(aws.connections(op="GetParameters")) == 1
    assert [r["conn_request"] for r in logged[:3]] == [1, 2, 3]
    assert logged[0]["names"] == ["/app/flag"] and logged[0]["service"] == "ssm"
    assert logged[0]["access_key_id"] == aws.credentials[0]["access_key_id"]


def test_keep_alive_requests_do_not_stall(aws):
    conn = aws.connection()
    started = time.monotonic()
    for _ in range(20):
        assert aws.call("AmazonSSM.GetParameters", {"Names": ["/a"]}, conn=conn).status == 200
    elapsed = time.monotonic() - started
    conn.close()
    assert len(aws.connections()) == 1
    assert elapsed < 0.8, f"20 keep-alive requests took {elapsed:.2f} s (delayed-ACK stalls?)"


def test_tls_session_resumption_is_logged(aws):
    ctx = aws.ssl_context()
    session = None
    for _ in range(2):
        raw = socket.create_connection(("127.0.0.1", aws.port), timeout=5)
        conn = http.client.HTTPSConnection("127.0.0.1", aws.port, context=ctx, timeout=5)
        conn.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1", session=session)
        assert aws.call("AmazonSSM.GetParameters", {"Names": ["/a"]}, conn=conn).status == 200
        session = conn.sock.session  # TLS 1.3 tickets arrive with the response
        conn.close()
    assert [r["tls_reused"] for r in aws.requests()] == [False, True]
    assert len(aws.connections()) == 2


def test_tls_certificate_and_handshake_failures(aws):
    ctx = aws.ssl_context()
    for host in ("127.0.0.1", "localhost"):
        with socket.create_connection((host, aws.port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname=host) as tls:
                assert tls.version() in ("TLSv1.2", "TLSv1.3")
    untrusting = ssl.create_default_context(cafile=None, capath="/nonexistent")
    with pytest.raises(ssl.SSLCertVerificationError):
        with socket.create_connection(("127.0.0.1", aws.port), timeout=5) as raw:
            untrusting.wrap_socket(raw, server_hostname="127.0.0.1")
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and not aws.requests(include_events=True):
        time.sleep(0.02)
    events = [e["event"] for e in aws.requests(include_events=True)]
    assert events == ["tls_error"]


def test_log_never_holds_values_or_keys(aws):
    sm, ssm = client(aws, "secretsmanager"), client(aws, "ssm", credential=1)
    for name in ("app/json", "app/plain", "app/rotating"):
        sm.get_secret_value(SecretId=name)
    ssm.get_parameters(Names=["/app/config/ENVIRONMENT", "/app/flag"], WithDecryption=True)
    list(ssm.get_paginator("get_parameters_by_path").paginate(Path="/", Recursive=True,
                                                             WithDecryption=True))
    ecs_get(aws)
    with open(aws.log_path) as f:
        text = f.read()
    assert text.count("\n") >= 6
    secrets = ALL_VALUES + [c["secret_access_key"] for c in aws.credentials] + \
        [aws.credentials[1]["session_token"]]
    leaked = [s for s in secrets if s in text]
    assert leaked == []


# ---- control API and store format --------------------------------------------------------------

def test_store_replaced_at_run_time(aws):
    sm = client(aws, "secretsmanager")
    assert sm.get_secret_value(SecretId="app/plain")["SecretString"] == "plain-secret-value"
    aws.set_store({"secrets": {"app/plain": "rotated-at-run-time"}})
    assert sm.get_secret_value(SecretId="app/plain")["SecretString"] == "rotated-at-run-time"
    with pytest.raises(RuntimeError, match="AWSCURRENT"):
        aws.set_store({"secrets": {"x": {"versions": {"AWSPREVIOUS": "a"}}}})


def test_store_format_is_checked():
    store = Store({"secrets": {"a": {"json": {"string": "x"}}},
                   "parameters": {"top": {"value": "v", "type": "String"}}})
    assert store.find_secret("us-east-1", "a").versions[0].string == '{"string":"x"}'
    # JSON secrets are written as the product's jsonval writes them.
    floats = Store({"secrets": {"j": {"n": 1.0, "e": 1e21, "s": 1.5e-7, "u": "\u00e9"}}})
    assert floats.find_secret("us-east-1", "j").versions[0].string == \
        '{"n":1,"e":1e+21,"s":1.5e-7,"u":"\u00e9"}'
    top = store.find_parameter("us-east-1", "arn:aws:ssm:us-east-1:123456789012:parameter/top")
    assert top is not None and top.arn.endswith(":parameter/top")
    bad = [
        {"secrets": {"x": {"binary": "not base64!"}}},
        {"secrets": {"x": {"string": "a", "binary": "YQ=="}}},
        {"secrets": {"arn:aws:secretsmanager:us-east-1:123456789012:secret:nosuffix": "v"}},
        {"parameters": {"/p": {"value": "v", "labels": ["l"], "history": {"1": {"value": "o",
                                                                            "labels": ["l"]}}}}},
        {"parameters": {"/p": {"value": "v", "type": "Number"}}},
        {"parameters": {"/p": {"nested": "object"}}},
        {"unknown": {}},
        # The product's rules (README "The offline store"), which the emulator follows too.
        {"secrets": {"x": {"binary": "AB=="}}},
        {"secrets": {"x": {"binary": "AAAA="}}},
        {"regions": {"eu-west-1": {"region": "us-east-1"}}},
        {"regions": {"../x": {}}},
        {"account": "1234"},
        {"secrets": {"x": {"error": 5}}},
    ]
    for doc in bad:
        with pytest.raises(StoreError):
            Store(doc)
