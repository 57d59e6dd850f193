"""The baseline a team would write as an ECS entrypoint with boto3, for bench/resolve.sh.

usage: /usr/bin/python3 bench/entrypoint-boto3.py TASK_DEFINITION COMMAND [ARG]...
Reads the container's `secrets` from the task definition (the container named `web`, else the
first one with secrets), fetches them with Debian's boto3 (1.26: no BatchGetSecretValue, so one
GetSecretValue per distinct secret and GetParameters in chunks of 10 with WithDecryption),
picks JSON keys out of `...:KEY::` references, puts the values in the environment and execs
COMMAND. Debian's botocore (1.29) ignores AWS_ENDPOINT_URL, so it is passed on explicitly, as is
AWS_CA_BUNDLE. No value is ever printed.
"""
import json
import os
import sys

import boto3

SM_PREFIX = "arn:aws:secretsmanager:"
SSM_PREFIX = "arn:aws:ssm:"


def container_secrets(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    doc = doc.get("taskDefinition", doc)  # describe-task-definition output wraps it
    containers = doc["containerDefinitions"]
    chosen = next((c for c in containers if c.get("name") == "web"), None) or \
        next(c for c in containers if c.get("secrets"))
    return chosen.get("secrets", [])


def parse_secret_ref(value_from):
    """'arn:...:secret:NAME[:JSON_KEY[:STAGE[:VERSION_ID]]]' -> (secret id, key, stage, version)."""
    parts = value_from.split(":")
    secret_id = ":".join(parts[:7])
    key, stage, version = (parts[7:] + ["", "", ""])[:3]
    return secret_id, key, stage, version


def parameter_name(value_from):
    """An SSM parameter ARN to the name GetParameters returns (names with a / get it back)."""
    if not value_from.startswith(SSM_PREFIX):
        return value_from
    rest = value_from.split(":parameter", 1)[1].lstrip("/")
    return "/" + rest if "/" in rest else rest


def client(service):
    return boto3.client(service, endpoint_url=os.environ.get("AWS_ENDPOINT_URL"),
                        verify=os.environ.get("AWS_CA_BUNDLE"))


def fetch_secrets(refs):
    """{(secret id, stage, version): SecretString} for every distinct secret referenced."""
    sm = client("secretsmanager")
    out = {}
    for secret_id, _key, stage, version in refs:
        if (secret_id, stage, version) in out:
            continue
        args = {"SecretId": secret_id}
        if stage:
            args["VersionStage"] = stage
        if version:
            args["VersionId"] = version
        out[(secret_id, stage, version)] = sm.get_secret_value(**args)["SecretString"]
    return out


def fetch_parameters(names):
    ssm = client("ssm")
    out = {}
    unique = list(dict.fromkeys(names))
    for i in range(0, len(unique), 10):
        r = ssm.get_parameters(Names=unique[i:i + 10], WithDecryption=True)
        if r["InvalidParameters"]:
            sys.exit("entrypoint: parameters not found: " + ", ".join(r["InvalidParameters"]))
        out.update({p["Name"]: p["Value"] for p in r["Parameters"]})
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: entrypoint-boto3.py TASK_DEFINITION COMMAND [ARG]...")
    secrets = container_secrets(sys.argv[1])
    sm_refs = {s["name"]: parse_secret_ref(s["valueFrom"]) for s in secrets
               if s["valueFrom"].startswith(SM_PREFIX)}
    ssm_refs = {s["name"]: parameter_name(s["valueFrom"]) for s in secrets
                if not s["valueFrom"].startswith(SM_PREFIX)}
    values = fetch_secrets(sm_refs.values()) if sm_refs else {}
    params = fetch_parameters(list(ssm_refs.values())) if ssm_refs else {}
    for name, (secret_id, key, stage, version) in sm_refs.items():
        text = values[(secret_id, stage, version)]
        value = json.loads(text)[key] if key else text
        os.environ[name] = value if isinstance(value, str) else json.dumps(value)
    for name, param in ssm_refs.items():
        os.environ[name] = params[param]
    os.execvp(sys.argv[2], sys.argv[2:])


if __name__ == "__main__":
    main()
