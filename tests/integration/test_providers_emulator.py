"""Proves the emulator's credential-provider pieces (tests/fake_aws/sso.py and imds.py) answer
as AWS does, with Debian's botocore as the client: the SSO portal's GetRoleCredentials, SSO
OIDC's CreateToken with a refresh token, and IMDSv2 on plain http on loopback (token, role,
credentials, region, the v1 rules). The shim's own providers are run against them once the
credential chain reaches them."""

import http.client
import json
import os
import sys
import time

import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.utils import InstanceMetadataFetcher, InstanceMetadataRegionFetcher

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fake_aws import sso  # noqa: E402
from fake_aws.fixture import FakeAWS  # noqa: E402

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def aws():
    with FakeAWS({"secrets": {"app/x": "v"}}, region="eu-west-3") as fake:
        yield fake


@pytest.fixture(autouse=True)
def reset(aws):
    yield
    aws.clear_faults()
    aws.set_sso(roles=None, access_tokens=[sso.DEFAULT_ACCESS_TOKEN],
                refresh_tokens=[sso.DEFAULT_REFRESH_TOKEN])
    aws.set_imds(role="fake-aws-instance-role", v1=True, token=True)


def client(aws, name):
    return botocore.session.get_session().create_client(
        name, region_name="eu-west-3", endpoint_url=aws.endpoint, verify=aws.ca_bundle,
        config=Config(signature_version=UNSIGNED,
                      retries={"mode": "standard", "total_max_attempts": 1}))


def served(aws):
    """The credential the SSO portal and IMDS hand out (the ECS endpoint's by default)."""
    return next(c for c in aws.credentials if c["access_key_id"] == aws.ecs["access_key_id"])


def error_of(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_sso_portal_get_role_credentials(aws):
    portal = client(aws, "sso")
    before = time.time() * 1000
    out = portal.get_role_credentials(roleName="ReadOnly", accountId=ACCOUNT,
                                      accessToken=sso.DEFAULT_ACCESS_TOKEN)["roleCredentials"]
    cred = served(aws)
    assert out["accessKeyId"] == cred["access_key_id"]
    assert out["secretAccessKey"] == cred["secret_access_key"]
    assert out["sessionToken"] == cred["session_token"]
    assert isinstance(out["expiration"], int) and out["expiration"] > before + 3000 * 1000
    (entry,) = aws.requests(op="GetRoleCredentials")
    assert entry["status"] == 200 and entry["service"] == "sso"


def test_sso_portal_refusals(aws):
    portal = client(aws, "sso")
    assert error_of(lambda: portal.get_role_credentials(
        roleName="ReadOnly", accountId=ACCOUNT, accessToken="not-a-token")) == \
        ("UnauthorizedException", 401)
    aws.set_sso(roles=[{"account_id": ACCOUNT, "role_name": "Admin"}])
    assert error_of(lambda: portal.get_role_credentials(
        roleName="ReadOnly", accountId=ACCOUNT, accessToken=sso.DEFAULT_ACCESS_TOKEN)) == \
        ("ForbiddenException", 403)
    assert portal.get_role_credentials(roleName="Admin", accountId=ACCOUNT,
                                       accessToken=sso.DEFAULT_ACCESS_TOKEN)["roleCredentials"]
    # Tokens never reach the request log.
    with open(aws.log_path, encoding="utf-8") as f:
        assert sso.DEFAULT_ACCESS_TOKEN not in f.read()


def test_sso_oidc_create_token_refresh(aws):
    oidc, portal = client(aws, "sso-oidc"), client(aws, "sso")
    client_id, secret = sso.DEFAULT_CLIENT
    out = oidc.create_token(clientId=client_id, clientSecret=secret, grantType="refresh_token",
                            refreshToken=sso.DEFAULT_REFRESH_TOKEN)
    assert out["tokenType"] == "Bearer" and out["expiresIn"] == 3600
    assert out["accessToken"] != sso.DEFAULT_ACCESS_TOKEN
    assert out["refreshToken"] != sso.DEFAULT_REFRESH_TOKEN
    # The new token opens the portal; the new refresh token refreshes again.
    assert portal.get_role_credentials(roleName="R", accountId=ACCOUNT,
                                       accessToken=out["accessToken"])["roleCredentials"]
    again = oidc.create_token(clientId=client_id, clientSecret=secret,
                              grantType="refresh_token", refreshToken=out["refreshToken"])
    assert again["accessToken"] != out["accessToken"]
    (first, _) = aws.requests(op="CreateToken")
    assert first["service"] == "sso-oidc" and first["status"] == 200


def test_sso_oidc_refusals(aws):
    oidc = client(aws, "sso-oidc")
    client_id, secret = sso.DEFAULT_CLIENT
    assert error_of(lambda: oidc.create_token(
        clientId=client_id, clientSecret=secret, grantType="refresh_token",
        refreshToken="revoked")) == ("InvalidGrantException", 400)
    assert error_of(lambda: oidc.create_token(
        clientId=client_id, clientSecret="wrong", grantType="refresh_token",
        refreshToken=sso.DEFAULT_REFRESH_TOKEN)) == ("InvalidClientException", 401)
    assert error_of(lambda: oidc.create_token(
        clientId=client_id, clientSecret=secret, grantType="authorization_code",
        code="c")) == ("UnsupportedGrantTypeException", 400)
    conn = aws.connection()
    conn.request("POST", "/token", body=json.dumps({"clientId": client_id, "clientSecret": secret,
                                                    "grantType": "refresh_token",
                                                    "refreshToken": "revoked"}),
                 headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    body = json.loads(resp.read())
    conn.close()
    assert resp.getheader("x-amzn-errortype") == "InvalidGrantException"
    assert body["error"] == "invalid_grant" and body["error_description"]


def test_sso_faults(aws):
    portal = client(aws, "sso")
    aws.set_fault("error", "GetRoleCredentials", status=503, count=1)
    assert error_of(lambda: portal.get_role_credentials(
        roleName="R", accountId=ACCOUNT, accessToken=sso.DEFAULT_ACCESS_TOKEN))[1] == 503
    assert portal.get_role_credentials(roleName="R", accountId=ACCOUNT,
                                       accessToken=sso.DEFAULT_ACCESS_TOKEN)["roleCredentials"]


def fetcher(aws, cls=InstanceMetadataFetcher):
    return cls(timeout=2, num_attempts=1, base_url=aws.imds_endpoint + "/", env={})


def test_imds_botocore(aws):
    assert aws.imds_endpoint.startswith("http://127.0.0.1:")
    creds = fetcher(aws).retrieve_iam_role_credentials()
    cred = served(aws)
    assert creds["role_name"] == "fake-aws-instance-role"
    assert creds["access_key"] == cred["access_key_id"]
    assert creds["secret_key"] == cred["secret_access_key"]
    assert creds["token"] == cred["session_token"]
    assert fetcher(aws, InstanceMetadataRegionFetcher).retrieve_region() == "eu-west-3"
    assert imds_call(aws, "GET", "/latest/meta-data/placement/region") == (200, "eu-west-3")
    ops = [e["op"] for e in aws.requests(service="imds")][-6:]
    assert ops == ["ImdsToken", "ImdsRole", "ImdsCredentials", "ImdsToken", "ImdsRegion",
                   "ImdsRegion"]
    env = aws.imds_env()
    assert env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] == aws.imds_endpoint
    assert "AWS_EC2_METADATA_DISABLED" not in env and "AWS_ACCESS_KEY_ID" not in env


def imds_call(aws, method, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", aws.imds_port, timeout=5)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    finally:
        conn.close()


def test_imds_v2_rules(aws):
    ttl = {"X-aws-ec2-metadata-token-ttl-seconds": "21600"}
    status, token = imds_call(aws, "PUT", "/latest/api/token", ttl)
    assert status == 200 and token
    auth = {"X-aws-ec2-metadata-token": token}
    path = "/latest/meta-data/iam/security-credentials/"
    assert imds_call(aws, "GET", path, auth) == (200, "fake-aws-instance-role")
    assert imds_call(aws, "GET", path, {"X-aws-ec2-metadata-token": "forged"})[0] == 401
    assert imds_call(aws, "PUT", "/latest/api/token")[0] == 400
    assert imds_call(aws, "PUT", "/latest/api/token",
                     {"X-aws-ec2-metadata-token-ttl-seconds": "21601"})[0] == 400
    assert imds_call(aws, "PUT", "/latest/api/token", {**ttl, "X-Forwarded-For": "1.2.3.4"})[0] \
        == 403
    assert imds_call(aws, "GET", path)[0] == 200  # IMDSv1 allowed by default
    aws.set_imds(v1=False)
    assert imds_call(aws, "GET", path)[0] == 401
    aws.set_imds(role=None)
    assert imds_call(aws, "GET", path, auth)[0] == 404
    assert fetcher(aws).retrieve_iam_role_credentials() == {}


def test_imds_token_refused_falls_back_to_v1(aws):
    aws.set_imds(token=False)
    assert imds_call(aws, "PUT", "/latest/api/token",
                     {"X-aws-ec2-metadata-token-ttl-seconds": "60"})[0] == 403
    creds = fetcher(aws).retrieve_iam_role_credentials()
    assert creds["access_key"] == served(aws)["access_key_id"]


def test_imds_faults(aws):
    aws.set_fault("error", "ImdsCredentials", count=1)
    assert fetcher(aws).retrieve_iam_role_credentials() == {}
    aws.set_fault("not_json", "ImdsCredentials", count=1)
    assert fetcher(aws).retrieve_iam_role_credentials() == {}
    assert fetcher(aws).retrieve_iam_role_credentials()["access_key"]
