"""The reports on a mapping (README "CI: check, audit, IAM policy" and "--explain"): --audit
compares an env file's keys with the mapping, --iam-policy prints a policy document IAM
accepts (checked here against the policy grammar), --explain names the winning source of each
variable and what it overrode. None of them reads a value; --audit and --iam-policy call no
AWS API at all (the emulator counts the requests)."""
import json
import os
import re
import subprocess

import pytest

from conftest import RESOLVER, ROOT, SHIM, clean_env
from fake_aws.fixture import FakeAWS

pytestmark = pytest.mark.skipif(not os.access(RESOLVER, os.X_OK),
                                reason="covenant-shim-resolve is not built")

ECS = os.path.join(ROOT, "examples", "covenant-connect", "deploy", "ecs")
WEB_TD = os.path.join(ECS, "task-definition.json")
WORKER_TD = os.path.join(ECS, "worker-task-definition.json")

PARTITION = r"(aws|aws-cn|aws-us-gov)"
ACCOUNT = r"(\d{12}|ACCOUNT_ID)"
REGION = r"[a-z]{2}(-[a-z]+)+-\d+"
# Resource ARNs by service: a secret ends with its random suffix or the "-??????" that stands
# for it, never with a :KEY:STAGE:ID tail; a parameter path may end with "/*".
ARN = {
    "secretsmanager": re.compile(rf"^arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT}:secret:"
                                 r"[A-Za-z0-9/_+=.@-]+-([A-Za-z0-9]{6}|\?{6})$"),
    "ssm": re.compile(rf"^arn:{PARTITION}:ssm:{REGION}:{ACCOUNT}:parameter/"
                      r"([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?(/\*)?$"),
    "kms": re.compile(rf"^arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/"
                      r"([0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|KEY_ID)$"),
}
ACTIONS = {"secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue",
           "ssm:GetParameters", "ssm:GetParametersByPath", "kms:Decrypt"}


def check_policy(doc):
    """The grammar of an IAM identity policy, as far as this product writes one."""
    assert set(doc) == {"Version", "Statement"}
    assert doc["Version"] == "2012-10-17"
    statements = doc["Statement"]
    assert isinstance(statements, list) and statements
    sids, seen = set(), []
    for s in statements:
        assert set(s) == {"Sid", "Effect", "Action", "Resource"}, s
        assert re.fullmatch(r"[A-Za-z0-9]+", s["Sid"]) and s["Sid"] not in sids, s["Sid"]
        sids.add(s["Sid"])
        assert s["Effect"] == "Allow"
        assert s["Action"] in ACTIONS
        body = (s["Action"], json.dumps(s["Resource"], sort_keys=True))
        assert body not in seen, "a duplicate statement"
        seen.append(body)
        if s["Resource"] == "*":
            continue
        assert isinstance(s["Resource"], list) and s["Resource"]
        assert len(set(s["Resource"])) == len(s["Resource"]), "a duplicate resource"
        service = s["Action"].split(":")[0]
        for arn in s["Resource"]:
            assert ARN[service].match(arn), arn
    return {s["Action"]: s for s in statements}


@pytest.fixture(scope="module")
def aws():
    with FakeAWS({"secrets": {}, "parameters": {"/imp/IMPORTED": "imported-value-1"}}) as fake:
        yield fake


def run(args, env=None, aws=None):
    """The supervisor (which execs the resolver in place for a report), with the emulator's
    endpoints and credentials when aws is given, so a call would be seen."""
    env = dict(aws.env() if aws else {}, **(env or {}))
    if aws:
        aws.clear_requests()
    r = subprocess.run([SHIM] + args, capture_output=True, text=True, timeout=60,
                       env=clean_env(**env))
    if aws:
        assert aws.requests() == [], "a report called AWS"
    return r


def refs_of(td_path):
    td = json.load(open(td_path))
    return [s["valueFrom"] for s in td["containerDefinitions"][0]["secrets"]]


def stderr_lines(r):
    return [line for line in r.stderr.splitlines() if line]


# ---- --iam-policy ----------------------------------------------------------------------------

@pytest.mark.parametrize("td", [WEB_TD, WORKER_TD])
def test_task_role_policy_of_the_examples(aws, td):
    # the policy is the task's: a value this shell happens to hold changes nothing
    r = run(["-t", td, "--iam-policy"], env={"DATABASE_URL": "postgresql://shell"}, aws=aws)
    assert r.returncode == 0, r.stderr
    by_action = check_policy(json.loads(r.stdout))
    refs = refs_of(td)
    secrets = {re.sub(r"(:secret:[^:]+).*", r"\1", v) for v in refs if ":secretsmanager:" in v}
    params = {v for v in refs if ":ssm:" in v}
    assert len(secrets) == 2 and len(params) == 14
    got = by_action["secretsmanager:GetSecretValue"]["Resource"]
    assert sorted(got) == sorted(secrets)  # the full ARNs as given, once each
    # two secrets in one region and account: the plan batches them
    batch = by_action["secretsmanager:BatchGetSecretValue"]
    assert batch["Resource"] == "*" and "GrantsNothing" in batch["Sid"]
    assert sorted(by_action["ssm:GetParameters"]["Resource"]) == sorted(params)
    assert by_action["kms:Decrypt"]["Resource"] == [
        "arn:aws:kms:us-east-1:123456789012:key/KEY_ID"]
    assert "ssm:GetParametersByPath" not in by_action
    # the one placeholder, flagged by one line
    lines = [line for line in stderr_lines(r) if "KEY_ID" in line]
    assert len(lines) == 1 and "warning" in lines[0]
    assert "ACCOUNT_ID" not in r.stdout + r.stderr


def test_execution_role_policy_has_no_batch_call(aws):
    r = run(["-t", WEB_TD, "--iam-policy=execution"], aws=aws)
    assert r.returncode == 0, r.stderr
    by_action = check_policy(json.loads(r.stdout))
    assert set(by_action) == {"secretsmanager:GetSecretValue", "ssm:GetParameters",
                              "kms:Decrypt"}
    assert len(by_action["secretsmanager:GetSecretValue"]["Resource"]) == 2


def test_execution_role_covers_secrets_an_env_file_overrides(aws, tmp_path):
    """ECS injects every `secrets` entry, whatever the shim would keep; the task role needs
    none that an env file sets."""
    env_file = tmp_path / "dev.env"
    env_file.write_text("DATABASE_URL=postgresql://localhost/dev\n")
    task = run(["-t", WORKER_TD, "--env-file", str(env_file), "--iam-policy"], aws=aws)
    execution = run(["-t", WORKER_TD, "--env-file", str(env_file), "--iam-policy=execution"],
                    aws=aws)
    assert task.returncode == 0 and execution.returncode == 0, task.stderr + execution.stderr
    task_secrets = check_policy(json.loads(task.stdout))["secretsmanager:GetSecretValue"]
    exec_secrets = check_policy(json.loads(execution.stdout))["secretsmanager:GetSecretValue"]
    assert not any("database-url" in a for a in task_secrets["Resource"])
    assert any("database-url" in a for a in exec_secrets["Resource"])


def test_names_partial_arns_and_paths(aws, tmp_path):
    td = tmp_path / "td.json"
    td.write_text(json.dumps({"containerDefinitions": [{
        "name": "app", "essential": True,
        "environment": [{"name": "ONE", "value": "arn:aws:secretsmanager:eu-west-1:"
                         "123456789012:secret:app/partial:KEY:AWSPREVIOUS:"}],
        "secrets": [{"name": "BARE", "valueFrom": "/app/config/BARE"},
                    {"name": "PLAIN", "valueFrom": "plain-name:3"}]}]}))
    r = run(["-t", str(td), "--ssm-path", "/app/tree/", "--secret-json", "app/json",
             "--iam-policy"], env={"AWS_REGION": "eu-west-1"}, aws=aws)
    assert r.returncode == 0, r.stderr
    assert ":KEY:" not in r.stdout and ":3" not in r.stdout
    by_action = check_policy(json.loads(r.stdout))
    assert sorted(by_action["secretsmanager:GetSecretValue"]["Resource"]) == [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/partial-??????",
        "arn:aws:secretsmanager:eu-west-1:ACCOUNT_ID:secret:app/json-??????"]
    # one secret a call (a stage asked for, and another account): no batch
    assert "secretsmanager:BatchGetSecretValue" not in by_action
    assert sorted(by_action["ssm:GetParameters"]["Resource"]) == [
        "arn:aws:ssm:eu-west-1:ACCOUNT_ID:parameter/app/config/BARE",
        "arn:aws:ssm:eu-west-1:ACCOUNT_ID:parameter/plain-name"]
    assert by_action["ssm:GetParametersByPath"]["Resource"] == [
        "arn:aws:ssm:eu-west-1:ACCOUNT_ID:parameter/app/tree",
        "arn:aws:ssm:eu-west-1:ACCOUNT_ID:parameter/app/tree/*"]
    assert len([line for line in stderr_lines(r) if "ACCOUNT_ID" in line]) == 1


def test_a_bare_name_needs_a_region(tmp_path):
    r = run(["--ssm-path", "/app/tree", "--iam-policy"], env={"HOME": str(tmp_path)})
    assert r.returncode == 64
    assert stderr_lines(r) == [
        "covenant-shim: error: --iam-policy: path /app/tree carries no region: give --region "
        "or set AWS_REGION"]
    assert r.stdout == ""


# ---- --audit ---------------------------------------------------------------------------------

def test_audit_lists_what_nothing_fills_and_what_the_file_lacks(aws, tmp_path):
    example = tmp_path / ".env.example"
    keys = refs = [s["name"] for s in json.load(open(WORKER_TD))["containerDefinitions"][0]
                   ["secrets"]]
    example.write_text("# the application's settings\n" +
                       "".join(f"{k}=\n" for k in keys[2:]) + "UNKNOWN_KEY=changeme\nLOCAL\n")
    env_file = tmp_path / "dev.env"
    env_file.write_text("LOCAL=dev-local-value\n")
    r = run(["-t", WORKER_TD, "--env-file", str(env_file), "--audit", str(example)], aws=aws)
    assert r.returncode == 78, r.stderr
    rows = [line.split() for line in r.stdout.splitlines()]
    assert rows[0] == ["NAME", "STATUS", "SOURCE"]
    table = {row[0]: row[1:] for row in rows[1:]}
    assert table["UNKNOWN_KEY"] == ["missing", "-"]
    assert table["LOCAL"] == ["ok", "env", "file"]
    assert table[keys[2]] == ["ok", "secrets"]
    assert table[refs[0]] == ["unlisted", "secrets"] and table[refs[1]][0] == "unlisted"
    assert len(table) == len(keys) + 2
    errors = [line for line in stderr_lines(r) if ": error: " in line]
    assert errors == [f"covenant-shim: error: UNKNOWN_KEY: {example}:{len(keys)}: nothing "
                      "in the mapping fills it"]
    warnings = [line for line in stderr_lines(r) if "lacks it" in line]
    assert len(warnings) == 2 and all("warning" in w for w in warnings)
    assert "dev-local-value" not in r.stdout + r.stderr and "changeme" not in r.stderr


def test_audit_passes_and_imports_might_fill(aws, tmp_path):
    example = tmp_path / "app.env"
    example.write_text("DATABASE_URL=\nIMPORTED=\n")
    r = run(["-t", WORKER_TD, "--audit", str(example)], aws=aws)
    assert r.returncode == 78  # nothing fills IMPORTED
    r = run(["-t", WORKER_TD, "--ssm-path", "/imp", "--audit", str(example)], aws=aws)
    assert r.returncode == 0, r.stderr  # an import might: a warning, and no AWS call
    assert re.search(r"^IMPORTED +import\? +-$", r.stdout, re.M)
    assert any("IMPORTED" in line and "warning" in line and "import" in line
               for line in stderr_lines(r))


@pytest.mark.parametrize("content", [None, "GOOD=1\n1BAD=x\n", "A='unterminated\n"])
def test_audit_of_a_bad_file_is_65_in_one_line(aws, tmp_path, content):
    path = tmp_path / "x.env"
    if content is not None:
        path.write_text(content)
    r = run(["-t", WORKER_TD, "--audit", str(path)], aws=aws)
    assert r.returncode == 65
    lines = stderr_lines(r)
    assert len(lines) == 1 and str(path) in lines[0] and r.stdout == ""


# ---- --explain -------------------------------------------------------------------------------

def test_explain_names_winners_and_what_they_overrode(tmp_path):
    env_file = tmp_path / "dev.env"
    env_file.write_text("ENVIRONMENT=env-file-environment-value\n")
    env = {"DATABASE_URL": "postgresql://inherited-database-value"}
    r = run(["-t", WORKER_TD, "--env-file", str(env_file), "--explain"], env=env)
    assert r.returncode == 0, r.stderr
    rows = {line.split()[0]: line for line in r.stdout.splitlines()[1:]}
    assert r.stdout.split()[:4] == ["NAME", "SOURCE", "OVERRODE", "REFERENCE"]
    assert re.match(r"^DATABASE_URL +environment +secrets +-$", rows["DATABASE_URL"])
    assert re.match(r"^ENVIRONMENT +env file +secrets +-$", rows["ENVIRONMENT"])
    assert re.match(r"^SECRET_KEY +secrets +- +secret covenant-connect/app-secrets-Xy9Ab1:"
                    r"SECRET_KEY:: \(us-east-1\)$", rows["SECRET_KEY"])
    assert len(rows) == 22
    assert "value" not in r.stdout + r.stderr


def test_explain_json(tmp_path):
    env = {"DATABASE_URL": "postgresql://inherited-database-value"}
    r = run(["-t", WEB_TD, "--explain=json"], env=env)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert isinstance(rows, list) and len(rows) == 23  # 22 and PORT
    for row in rows:
        assert set(row) <= {"name", "source", "reference", "overridden"}
        assert row["source"] in {"environment", "env file", "task definition environment",
                                 "secrets", "import"}
        assert isinstance(row["overridden"], list)
        assert ("reference" in row) == (row["source"] == "secrets")
    by_name = {row["name"]: row for row in rows}
    assert by_name["DATABASE_URL"] == {"name": "DATABASE_URL", "source": "environment",
                                       "overridden": ["secrets"]}
    assert by_name["MAIL_PORT"]["reference"] == (
        "parameter /covenant-connect/config/MAIL_PORT (us-east-1)")
    assert "inherited-database-value" not in r.stdout + r.stderr


def test_explain_with_imports_reads_what_they_bring(tmp_path):
    """Only imports need a fetch; --store answers it offline."""
    store = tmp_path / "store.json"
    store.write_text(json.dumps({"region": "us-east-1", "account": "123456789012",
                                 "parameters": {"/imp/IMPORTED": "imported-value-1",
                                                "/imp/LOCAL": "imported-value-2"}}))
    env_file = tmp_path / "dev.env"
    env_file.write_text("LOCAL=env-file-local-value\n")
    r = run(["--store", str(store), "--ssm-path", "/imp", "--env-file", str(env_file),
             "--explain=json"])
    assert r.returncode == 0, r.stderr
    by_name = {row["name"]: row for row in json.loads(r.stdout)}
    assert by_name["LOCAL"] == {"name": "LOCAL", "source": "env file", "overridden": ["import"]}
    assert by_name["IMPORTED"] == {"name": "IMPORTED", "source": "import",
                                   "reference": "--ssm-path /imp", "overridden": []}
    assert "value" not in r.stdout + r.stderr


# ---- bad combinations, --help ------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["--audit", "x.env", "--iam-policy"], ["--explain", "--check"],
    ["--iam-policy", "--print"], ["--explain=json", "--audit", "x.env"],
    ["--iam-policy=execution", "--explain"], ["--audit", "x.env", "--check"],
    ["--iam-policy=admin"], ["--explain=yaml"]])
def test_bad_combinations_are_usage_errors_in_one_line(args):
    r = run(["-t", WEB_TD] + args)
    assert r.returncode == 64
    assert len(stderr_lines(r)) == 1 and r.stdout == ""


def test_help_lists_the_reports_and_nothing_unimplemented():
    r = run(["--help"])
    assert r.returncode == 0
    for option in ("--audit FILE", "--iam-policy[=ROLE]", "--explain[=FORMAT]"):
        assert option in r.stdout
    assert "not implemented" not in r.stdout
