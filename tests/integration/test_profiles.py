"""Credentials and settings from the shared config files, against the AWS emulator: --profile
first and alone, AWS_PROFILE, roles assumed through STS (source_profile, credential_source), web
identity, mfa_serial refused, a malformed file, the no-credentials line, and the profile's region
and endpoints."""
import json
import os
import subprocess

import pytest

from conftest import RESOLVER, SHIM, clean_env
from fake_aws.fixture import DEFAULT_ROLE_ARN, FakeAWS

DUMP = ["/usr/bin/python3", "-c",
        "import json,os,sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))"]
STORE = {"secrets": {"app/creds": {"K": "secret-value-from-sm-1"}},
         "parameters": {"/app/P": "param-value-from-ssm-1"}}
TASK = {"containerDefinitions": [{"name": "w", "secrets": [
    {"name": "K", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/creds:K::"},
    {"name": "P", "valueFrom": "/app/P"}]}]}
OTHER_ROLE = "arn:aws:iam::123456789012:role/other-role"

pytestmark = pytest.mark.skipif(not os.access(RESOLVER, os.X_OK),
                                reason="covenant-shim-resolve is not built")


@pytest.fixture(scope="module")
def aws():
    with FakeAWS(STORE) as fake:
        yield fake


@pytest.fixture(autouse=True)
def _reset(aws):
    aws.clear_faults()
    aws.set_deny([])
    aws.set_sts(roles=None, web_identity_tokens=None)
    aws.clear_requests()


def cred(aws, i=0):
    return aws.credentials[i]


def sts_key(aws):
    return aws._control("GET", "/__sts")["access_key_id"]


def base_env(aws, tmp_path, region="us-east-1", endpoint=True, **extra):
    """No keys; the shared files under tmp_path/.aws through HOME."""
    env = clean_env(AWS_CA_BUNDLE=aws.ca_bundle, AWS_EC2_METADATA_DISABLED="true",
                    HOME=str(tmp_path))
    if endpoint:
        env["AWS_ENDPOINT_URL"] = aws.endpoint
    if region:
        env["AWS_REGION"] = region
    env.update(extra)
    return env


def write_aws(tmp_path, config=None, credentials=None):
    d = tmp_path / ".aws"
    d.mkdir(exist_ok=True)
    if config is not None:
        (d / "config").write_text(config)
    if credentials is not None:
        (d / "credentials").write_text(credentials)
    return d


def keys(c):
    out = f"aws_access_key_id = {c['access_key_id']}\naws_secret_access_key = {c['secret_access_key']}\n"
    if c.get("session_token"):
        out += f"aws_session_token = {c['session_token']}\n"
    return out


def run(tmp_path, env, args=()):
    td = tmp_path / "td.json"
    td.write_text(json.dumps(TASK))
    out = tmp_path / "env.json"
    r = subprocess.run([SHIM, "-t", str(td), "--timeout", "20", *args, "--", *DUMP, str(out)],
                       capture_output=True, text=True, env=env, timeout=60)
    got = json.loads(out.read_text()) if out.exists() else None
    return r, got


def assert_resolved(r, got):
    assert r.returncode == 0, r.stderr
    assert got["K"] == "secret-value-from-sm-1"
    assert got["P"] == "param-value-from-ssm-1"


def error_lines(r):
    return [line for line in r.stderr.splitlines() if ": error: " in line]


def data_keys(aws):
    """The keys Secrets Manager and SSM calls were signed with."""
    return {q["access_key_id"] for q in aws.requests()
            if q["service"] in ("secretsmanager", "ssm")}


def test_profile_flag_is_first_and_alone(aws, tmp_path):
    write_aws(tmp_path, credentials="[dev]\n" + keys(cred(aws, 0)))
    # Environment keys the emulator does not know: they must not be used.
    env = base_env(aws, tmp_path, AWS_ACCESS_KEY_ID="AKIAUNKNOWN000000000",
                   AWS_SECRET_ACCESS_KEY="not-a-known-secret-key-0000000000000000")
    r, got = run(tmp_path, env, ["--profile", "dev"])
    assert_resolved(r, got)
    assert data_keys(aws) == {cred(aws, 0)["access_key_id"]}


def test_aws_profile_with_a_credentials_file_named_by_variable(aws, tmp_path):
    path = tmp_path / "elsewhere-credentials"
    path.write_text("[default]\naws_access_key_id = AKIAUNKNOWN000000000\n"
                    "aws_secret_access_key = x\n[ci]\n" + keys(cred(aws, 1)))
    env = base_env(aws, tmp_path, AWS_PROFILE="ci", AWS_SHARED_CREDENTIALS_FILE=str(path))
    r, got = run(tmp_path, env)
    assert_resolved(r, got)
    assert data_keys(aws) == {cred(aws, 1)["access_key_id"]}


def test_environment_keys_come_before_the_profile(aws, tmp_path):
    write_aws(tmp_path, credentials="[default]\n" + keys(cred(aws, 1)))
    c = cred(aws, 0)
    env = base_env(aws, tmp_path, AWS_ACCESS_KEY_ID=c["access_key_id"],
                   AWS_SECRET_ACCESS_KEY=c["secret_access_key"])
    r, got = run(tmp_path, env)
    assert_resolved(r, got)
    assert data_keys(aws) == {c["access_key_id"]}


def test_role_assumed_through_source_profile(aws, tmp_path):
    aws.set_sts(roles=[DEFAULT_ROLE_ARN])
    write_aws(tmp_path,
              config=f"[profile dev]\nrole_arn = {DEFAULT_ROLE_ARN}\nsource_profile = base\n"
                     "external_id = ext-1234\nrole_session_name = dev-session\n"
                     "duration_seconds = 1800\nregion = us-east-1\n",
              credentials="[base]\n" + keys(cred(aws, 0)))
    r, got = run(tmp_path, base_env(aws, tmp_path, region=None), ["--profile", "dev"])
    assert_resolved(r, got)
    calls = aws.requests(op="AssumeRole")
    assert len(calls) == 1 and calls[0]["status"] == 200
    assert calls[0]["access_key_id"] == cred(aws, 0)["access_key_id"]  # signed, checked by botocore
    assert calls[0]["names"] == [DEFAULT_ROLE_ARN]
    assert calls[0]["sts"] == {"RoleSessionName": "dev-session", "ExternalId": "ext-1234",
                               "DurationSeconds": "1800"}
    assert data_keys(aws) == {sts_key(aws)}


def test_role_refused_by_sts(aws, tmp_path):
    aws.set_sts(roles=[OTHER_ROLE])
    write_aws(tmp_path, config=f"[profile dev]\nrole_arn = {DEFAULT_ROLE_ARN}\nsource_profile = base\n",
              credentials="[base]\n" + keys(cred(aws, 0)))
    r, got = run(tmp_path, base_env(aws, tmp_path), ["--profile", "dev"])
    assert r.returncode == 77, r.stderr
    assert got is None
    [line] = error_lines(r)
    assert "profile dev" in line and "AccessDenied" in line and "AssumeRole" in line
    assert cred(aws, 0)["secret_access_key"] not in r.stderr
    assert data_keys(aws) == set()


def test_credential_source_environment(aws, tmp_path):
    write_aws(tmp_path, config=f"[profile dev]\nrole_arn = {DEFAULT_ROLE_ARN}\n"
                               "credential_source = Environment\n")
    c = cred(aws, 1)
    env = base_env(aws, tmp_path, AWS_ACCESS_KEY_ID=c["access_key_id"],
                   AWS_SECRET_ACCESS_KEY=c["secret_access_key"], AWS_SESSION_TOKEN=c["session_token"])
    r, got = run(tmp_path, env, ["--profile", "dev"])
    assert_resolved(r, got)
    [call] = aws.requests(op="AssumeRole")
    assert call["access_key_id"] == c["access_key_id"] and call["status"] == 200
    assert data_keys(aws) == {sts_key(aws)}


def test_web_identity(aws, tmp_path):
    token = tmp_path / "token.jwt"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.fake-web-identity.token\n")
    aws.set_sts(web_identity_tokens=["eyJhbGciOiJSUzI1NiJ9.fake-web-identity.token"])
    env = base_env(aws, tmp_path, AWS_WEB_IDENTITY_TOKEN_FILE=str(token),
                   AWS_ROLE_ARN=DEFAULT_ROLE_ARN, AWS_ROLE_SESSION_NAME="pod-session")
    r, got = run(tmp_path, env)
    assert_resolved(r, got)
    [call] = aws.requests(op="AssumeRoleWithWebIdentity")
    assert call["status"] == 200 and call["access_key_id"] is None  # unsigned
    assert call["sts"]["RoleSessionName"] == "pod-session"
    assert data_keys(aws) == {sts_key(aws)}


def test_web_identity_token_refused(aws, tmp_path):
    token = tmp_path / "token.jwt"
    token.write_text("eyJ.wrong-token.x")
    aws.set_sts(web_identity_tokens=["something-else"])
    env = base_env(aws, tmp_path, AWS_WEB_IDENTITY_TOKEN_FILE=str(token),
                   AWS_ROLE_ARN=DEFAULT_ROLE_ARN)
    r, got = run(tmp_path, env)
    assert r.returncode == 77 and got is None
    [line] = error_lines(r)
    assert "web identity" in line and "InvalidIdentityToken" in line
    assert "wrong-token" not in r.stderr


def test_mfa_serial_is_refused_before_any_call(aws, tmp_path):
    write_aws(tmp_path, config=f"[profile dev]\nrole_arn = {DEFAULT_ROLE_ARN}\nsource_profile = base\n"
                               "mfa_serial = arn:aws:iam::123456789012:mfa/me\n",
              credentials="[base]\n" + keys(cred(aws, 0)))
    r, got = run(tmp_path, base_env(aws, tmp_path), ["--profile", "dev"])
    assert r.returncode == 77 and got is None
    [line] = error_lines(r)
    assert "profile dev" in line and "mfa_serial" in line and "credential_process" in line
    assert aws.requests() == []


def test_malformed_config_file(aws, tmp_path):
    d = write_aws(tmp_path, config="[profile dev]\nregion = us-east-1\n"
                                   "aws_secret_access_key SECRETVALUE-not-shown\n")
    r, got = run(tmp_path, base_env(aws, tmp_path), ["--profile", "dev"])
    assert r.returncode == 65 and got is None
    [line] = error_lines(r)
    assert str(d / "config") in line and "line 3" in line
    assert "SECRETVALUE" not in r.stderr
    assert aws.requests() == []


def test_no_credentials_names_every_provider(aws, tmp_path):
    r, got = run(tmp_path, base_env(aws, tmp_path))
    assert r.returncode == 77 and got is None
    [line] = error_lines(r)
    assert "no AWS credentials found" in line
    for provider in ("environment:", "web identity:", "profile:", "container:",
                     "instance metadata:"):
        assert provider in line
    assert "no profile `default`" in line or "no profile default" in line


def test_profile_without_credentials_under_profile_flag(aws, tmp_path):
    write_aws(tmp_path, config="[profile dev]\nregion = us-east-1\n")
    r, got = run(tmp_path, base_env(aws, tmp_path), ["--profile", "dev"])
    assert r.returncode == 77 and got is None
    [line] = error_lines(r)
    assert "dev" in line and "no credential settings" in line


def test_missing_profile_named_by_the_flag(aws, tmp_path):
    write_aws(tmp_path, credentials="[default]\n" + keys(cred(aws, 0)))
    r, got = run(tmp_path, base_env(aws, tmp_path), ["--profile", "nope"])
    assert r.returncode == 77 and got is None
    [line] = error_lines(r)
    assert "nope" in line and "not in the AWS config or credentials file" in line


def test_profile_region_endpoint_url_and_services(aws, tmp_path):
    # No AWS_REGION and no AWS_ENDPOINT_URL: /app/P needs the profile's region, Secrets
    # Manager its endpoint_url, SSM the [services] entry.
    write_aws(tmp_path,
              config=f"[profile dev]\nregion = us-east-1\nendpoint_url = {aws.endpoint}\n"
                     "services = local\n"
                     f"[services local]\nssm =\n  endpoint_url = {aws.endpoint}\n",
              credentials="[dev]\n" + keys(cred(aws, 0)))
    r, got = run(tmp_path, base_env(aws, tmp_path, region=None, endpoint=False),
                 ["--profile", "dev"])
    assert_resolved(r, got)
    assert {q["region"] for q in aws.requests()} == {"us-east-1"}
    assert {q["service"] for q in aws.requests()} == {"secretsmanager", "ssm"}


def test_profile_region_is_needed_without_other_region(aws, tmp_path):
    write_aws(tmp_path, config=f"[profile dev]\nendpoint_url = {aws.endpoint}\n",
              credentials="[dev]\n" + keys(cred(aws, 0)))
    r, got = run(tmp_path, base_env(aws, tmp_path, region=None, endpoint=False),
                 ["--profile", "dev"])
    assert r.returncode == 64 and got is None
    assert "region" in error_lines(r)[0]


# ---- the providers behind a profile, end to end through the binary --------------------------

SSO_CONFIG = """[profile sso-dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Developer
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
"""


def sso_cache(tmp_path, **token):
    import datetime
    import hashlib
    d = tmp_path / ".aws" / "sso" / "cache"
    d.mkdir(parents=True, exist_ok=True)
    path = d / (hashlib.sha1(b"corp").hexdigest() + ".json")
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    doc = {"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1",
           "accessToken": "fake-aws-sso-access-token",
           "expiresAt": soon.strftime("%Y-%m-%dT%H:%M:%SZ")}
    doc.update(token)
    path.write_text(json.dumps(doc))
    return path


def handed_out(aws, name):
    return aws._control("GET", "/__" + name)["access_key_id"]


def test_sso_profile_resolves_with_the_cli_token_cache(aws, tmp_path):
    aws.set_sso(access_tokens=["fake-aws-sso-access-token"], roles=None)
    write_aws(tmp_path, config=SSO_CONFIG)
    sso_cache(tmp_path)
    r, got = run(tmp_path, base_env(aws, tmp_path), ["--profile", "sso-dev"])
    assert_resolved(r, got)
    assert data_keys(aws) == {handed_out(aws, "sso")}
    assert "fake-aws-sso-access-token" not in r.stderr


def test_sso_expired_token_is_refreshed_and_written_back(aws, tmp_path):
    aws.set_sso(access_tokens=[], refresh_tokens=["fake-aws-sso-refresh-token"],
                clients={"fake-aws-client-id": "fake-aws-client-secret"}, roles=None)
    write_aws(tmp_path, config=SSO_CONFIG)
    path = sso_cache(tmp_path, expiresAt="2020-01-01T00:00:00Z",
                     refreshToken="fake-aws-sso-refresh-token", clientId="fake-aws-client-id",
                     clientSecret="fake-aws-client-secret",
                     registrationExpiresAt="2099-01-01T00:00:00Z")
    r, got = run(tmp_path, base_env(aws, tmp_path), ["--profile", "sso-dev"])
    assert_resolved(r, got)
    cache = json.loads(path.read_text())
    assert cache["accessToken"] != "fake-aws-sso-access-token"
    assert cache["expiresAt"] > "2020-01-01T00:00:00Z"
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_sso_expired_and_not_refreshable_says_to_log_in(aws, tmp_path):
    write_aws(tmp_path, config=SSO_CONFIG)
    sso_cache(tmp_path, expiresAt="2020-01-01T00:00:00Z")
    r, got = run(tmp_path, base_env(aws, tmp_path), ["--profile", "sso-dev"])
    assert r.returncode == 77, r.stderr
    assert got is None
    lines = error_lines(r)
    assert len(lines) == 1 and "aws sso login --profile sso-dev" in lines[0], r.stderr


def test_credential_process_profile(aws, tmp_path):
    c = cred(aws, 1)
    script = tmp_path / "creds.sh"
    script.write_text("#!/bin/sh\necho 'helper says hi' >&2\n"
                      f"printf '%s' '{json.dumps({'Version': 1, 'AccessKeyId': c['access_key_id'], 'SecretAccessKey': c['secret_access_key'], **({'SessionToken': c['session_token']} if c.get('session_token') else {})})}'\n")
    script.chmod(0o755)
    write_aws(tmp_path, config=f"[profile proc]\ncredential_process = \"{script}\" --flag\n")
    r, got = run(tmp_path, base_env(aws, tmp_path), ["--profile", "proc"])
    assert_resolved(r, got)
    assert data_keys(aws) == {c["access_key_id"]}
    assert "helper says hi" in r.stderr  # the process's stderr is passed through


def test_credential_process_that_fails_is_one_line(aws, tmp_path):
    script = tmp_path / "creds.sh"
    script.write_text("#!/bin/sh\necho 'AKIAEXAMPLESECRETLEAK' \nexit 3\n")
    script.chmod(0o755)
    write_aws(tmp_path, config=f"[profile proc]\ncredential_process = {script}\n")
    r, got = run(tmp_path, base_env(aws, tmp_path), ["--profile", "proc"])
    assert r.returncode == 77, r.stderr
    assert got is None
    lines = error_lines(r)
    assert len(lines) == 1 and "proc" in lines[0], r.stderr
    assert "AKIAEXAMPLESECRETLEAK" not in r.stderr


def test_instance_metadata_credentials_and_region(aws, tmp_path):
    aws.set_imds(role="fake-aws-instance-role", token=True, region="us-east-1")
    env = base_env(aws, tmp_path, region=None,
                   AWS_EC2_METADATA_SERVICE_ENDPOINT=aws.imds_endpoint)
    env.pop("AWS_EC2_METADATA_DISABLED")
    r, got = run(tmp_path, env)
    assert_resolved(r, got)  # /app/P has no region of its own: IMDS's placement/region
    assert data_keys(aws) == {handed_out(aws, "imds")}


def test_instance_role_behind_the_profile(aws, tmp_path):
    """--profile with credential_source = Ec2InstanceMetadata: IMDS's credentials sign the
    AssumeRole, the role's sign the data calls."""
    aws.set_sts(roles=[DEFAULT_ROLE_ARN])
    aws.set_imds(role="fake-aws-instance-role", token=True)
    write_aws(tmp_path, config=f"[profile ec2]\nrole_arn = {DEFAULT_ROLE_ARN}\n"
                               "credential_source = Ec2InstanceMetadata\n")
    env = base_env(aws, tmp_path, AWS_EC2_METADATA_SERVICE_ENDPOINT=aws.imds_endpoint)
    env.pop("AWS_EC2_METADATA_DISABLED")
    r, got = run(tmp_path, env, ["--profile", "ec2"])
    assert_resolved(r, got)
    [call] = aws.requests(op="AssumeRole")
    assert call["status"] == 200 and call["access_key_id"] == handed_out(aws, "imds")
    assert data_keys(aws) == {sts_key(aws)}


def test_web_identity_behind_the_profile(aws, tmp_path):
    token = tmp_path / "token.jwt"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.profile-web-identity.token")
    aws.set_sts(web_identity_tokens=["eyJhbGciOiJSUzI1NiJ9.profile-web-identity.token"])
    write_aws(tmp_path, config=f"[profile ci]\nrole_arn = {DEFAULT_ROLE_ARN}\n"
                               f"web_identity_token_file = {token}\n")
    r, got = run(tmp_path, base_env(aws, tmp_path), ["--profile", "ci"])
    assert_resolved(r, got)
    [call] = aws.requests(op="AssumeRoleWithWebIdentity")
    assert call["status"] == 200 and call["access_key_id"] is None
    assert data_keys(aws) == {sts_key(aws)}
