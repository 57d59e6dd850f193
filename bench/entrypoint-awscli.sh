#!/usr/bin/env bash
# The baseline a team would write as an ECS entrypoint with the AWS CLI, for bench/resolve.sh.
#
# usage: bench/entrypoint-awscli.sh TASK_DEFINITION COMMAND [ARG]...
# Reads the container's `secrets` from the task definition (the container named `web`, else the
# first one with secrets), fetches them with Debian's AWS CLI one call after another
# (`get-secret-value` per distinct secret, `get-parameters --with-decryption` per 10 names),
# picks JSON keys out of `...:KEY::` references, exports the values and execs COMMAND. JSON is
# parsed with /usr/bin/python3 (no jq). Debian's CLI (2.9) ignores AWS_ENDPOINT_URL, so it is
# passed as --endpoint-url, with AWS_CA_BUNDLE as --ca-bundle. Values never touch the disk, the
# command line of any process or stderr: they travel through pipes and shell variables.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: entrypoint-awscli.sh TASK_DEFINITION COMMAND [ARG]..." >&2; exit 64; }
td=$1
shift
PY=/usr/bin/python3
AWS=${AWS_CLI:-/usr/bin/aws}
export AWS_PAGER=""
aws_args=(--output json)
[ -z "${AWS_ENDPOINT_URL:-}" ] || aws_args+=(--endpoint-url "$AWS_ENDPOINT_URL")
[ -z "${AWS_CA_BUNDLE:-}" ] || aws_args+=(--ca-bundle "$AWS_CA_BUNDLE")

# JSON handling, in Python for want of jq. `plan TD` prints one line per call to make:
# "secret ID STAGE VERSION" for each distinct secret, then "parameters NAME..." for each chunk
# of 10 parameter names, fields separated by \x1f (no name contains it, and unlike a tab `read`
# does not merge it when a field is empty). `assign TD` reads the answers, in plan order and
# NUL-separated, and prints NAME=VALUE for every variable, NUL-separated.
lib='
import json, sys

def refs(path):
    doc = json.load(open(path, encoding="utf-8"))
    doc = doc.get("taskDefinition", doc)
    cs = doc["containerDefinitions"]
    c = next((c for c in cs if c.get("name") == "web"), None) or \
        next(c for c in cs if c.get("secrets"))
    for s in c.get("secrets", []):
        v = s["valueFrom"]
        if v.startswith("arn:aws:secretsmanager:"):
            p = v.split(":") + ["", "", ""]
            yield s["name"], "secret", (":".join(p[:7]), p[8], p[9]), p[7]
        else:
            if v.startswith("arn:aws:ssm:"):
                v = v.split(":parameter", 1)[1].lstrip("/")
                v = "/" + v if "/" in v else v
            yield s["name"], "parameter", v, None

def distinct(path, kind):
    return list(dict.fromkeys(r[2] for r in refs(path) if r[1] == kind))

def plan(path):
    params = distinct(path, "parameter")
    for sid, stage, version in distinct(path, "secret"):
        print("secret", sid, stage, version, sep="\x1f")
    for i in range(0, len(params), 10):
        print("parameters", *params[i:i + 10], sep="\x1f")

def assign(path):
    secrets = distinct(path, "secret")
    answers = [json.loads(a) for a in sys.stdin.buffer.read().split(b"\0")[:-1]]
    strings = {k: a["SecretString"] for k, a in zip(secrets, answers)}
    params = {}
    for a in answers[len(secrets):]:
        if a["InvalidParameters"]:
            sys.exit("entrypoint: parameters not found: " + ", ".join(a["InvalidParameters"]))
        params.update({p["Name"]: p["Value"] for p in a["Parameters"]})
    out = sys.stdout.buffer
    for name, kind, ref, key in refs(path):
        value = strings[ref] if kind == "secret" else params[ref]
        if key:
            value = json.loads(value)[key]
            value = value if isinstance(value, str) else json.dumps(value)
        out.write(name.encode() + b"=" + value.encode() + b"\0")

{"plan": plan, "assign": assign}[sys.argv[1]](sys.argv[2])
'
plan=$("$PY" -c "$lib" plan "$td")

# Each answer, whole, as the CLI printed it (JSON).
answers=()
while IFS=$'\x1f' read -r -a call; do
	case ${call[0]} in
	secret)
		args=(--secret-id "${call[1]}")
		[ -z "${call[2]:-}" ] || args+=(--version-stage "${call[2]}")
		[ -z "${call[3]:-}" ] || args+=(--version-id "${call[3]}")
		answers+=("$("$AWS" "${aws_args[@]}" secretsmanager get-secret-value "${args[@]}")")
		;;
	parameters)
		answers+=("$("$AWS" "${aws_args[@]}" ssm get-parameters --with-decryption \
			--names "${call[@]:1}")")
		;;
	esac
done <<<"$plan"

while IFS= read -r -d '' kv; do
	export "${kv?}"
done < <(printf '%s\0' "${answers[@]}" | "$PY" -c "$lib" assign "$td")
wait $! # the exit status of the process substitution: no exec with a partial environment
exec "$@"
