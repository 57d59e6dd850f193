#!/usr/bin/env bash
# Resolution benchmark: covenant-shim against a Go entrypoint on the AWS SDK for Go, a boto3
# entrypoint script and an AWS CLI entrypoint script (bench/go-entrypoint, bench/entrypoint-*),
# side by side in one run on the AWS emulator over TLS on loopback, each resolving the web
# container's 22 variables of examples/covenant-connect and exec'ing /bin/true; then
# covenant-shim and two peers with 50 ms of latency injected into every answer, which shows the
# number of sequential waves. As production runs: every tool verifies the emulator against the
# system CA bundle with the emulator's CA appended (AWS_CA_BUNDLE, 145 certificates on Debian),
# and the task definition names its secrets by full ARNs, -XXXXXX suffix included. Checks first
# that each one produces all 22 variables byte-exact; counts API calls, connections and waves
# from the emulator's request log. Prints one Markdown report with the DESIGN.md section 7 bars
# and writes it to bench/results/resolve.md. Needs hyperfine, Debian's python3-boto3, awscli
# and ca-certificates, and build/go-entrypoint (make bench builds it); takes about 3 min.
set -eu
cd "$(dirname "$0")/.."

. bench/clean-env.sh

PY=/usr/bin/python3
AWS_CLI=/usr/bin/aws
SHIM=$(realpath "$BUILD/covenant-shim")
RESOLVER=$BUILD/covenant-shim-resolve
GO_EP=$(realpath "$BUILD/go-entrypoint" 2>/dev/null || echo "$BUILD/go-entrypoint")
EXAMPLE=examples/covenant-connect
STORE=$EXAMPLE/store.json
TD_NAMES=$EXAMPLE/deploy/ecs/task-definition.json
SYSTEM_CA=/etc/ssl/certs/ca-certificates.crt
OUT=bench/results
LATENCY_MS=50
ROUNDS=3 # each round times every tool once, in a rotated order; the rounds are pooled

for tool in hyperfine curl "$PY" "$AWS_CLI"; do
	command -v "$tool" >/dev/null || { echo "resolve.sh: $tool is not installed" >&2; exit 1; }
done
"$PY" -c 'import boto3' 2>/dev/null || { echo "resolve.sh: python3-boto3 is missing" >&2; exit 1; }
for f in "$SHIM" "$RESOLVER" "$GO_EP"; do
	[ -x "$f" ] || { echo "resolve.sh: $f missing; run make bench (or make) first" >&2; exit 1; }
done
[ -r "$SYSTEM_CA" ] || { echo "resolve.sh: no $SYSTEM_CA (ca-certificates)" >&2; exit 1; }
mkdir -p "$OUT"
load_before=$(cut -d' ' -f1 /proc/loadavg)
WORK=$(mktemp -d)
LOG=$OUT/resolve-hyperfine.log
: >"$LOG"

EMU_PID=""
cleanup() {
	[ -z "$EMU_PID" ] || kill "$EMU_PID" 2>/dev/null || true
	[ -z "$EMU_PID" ] || wait "$EMU_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
note() { printf '%s\n' "$*" >>"$WORK/notes"; }
: >"$WORK/notes"
if awk -v l="$load_before" -v n="$(nproc)" 'BEGIN { exit !(l >= n) }'; then
	note "Load average was $load_before on $(nproc) CPUs when the run started: other work" \
		"competed for the CPUs, so means and deviations are inflated; medians are steadier."
fi

# --- The emulator ----------------------------------------------------------------------------
# Its stdin is a FIFO only this script holds open for writing (fd 7): should the script die
# without running its trap, the emulator sees end of file and stops (--exit-on-stdin-eof).
mkfifo "$WORK/hold"
exec 7<>"$WORK/hold"
# The emulator holds each secret under the full ARN the task definition names (as AWS does).
"$PY" bench/resolve-table.py aws-store "$STORE" "$TD_NAMES" "$WORK/aws-store.json"
"$PY" tests/fake_aws/server.py --store "$WORK/aws-store.json" --tls-dir "$WORK/tls" --log "$WORK/requests.jsonl" \
	--port-file "$WORK/ready.json" --exit-on-stdin-eof <"$WORK/hold" >/dev/null \
	2>"$WORK/emulator.err" 7>&- &
EMU_PID=$!
for ((i = 0; i < 500; i++)); do
	[ -s "$WORK/ready.json" ] && break
	kill -0 "$EMU_PID" 2>/dev/null || break
	sleep 0.02
done
if [ ! -s "$WORK/ready.json" ]; then
	echo "resolve.sh: the AWS emulator did not start:" >&2
	cat "$WORK/emulator.err" >&2
	exit 1
fi
ready() { "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
	"$WORK/ready.json" "$1"; }
CONTROL=$(ready ecs_endpoint)
# What test_resolver.py's FakeAWS.env() gives a client: the emulator, its CA, its first static
# key pair, a region, and no shared config files or instance metadata.
export AWS_ENDPOINT_URL AWS_CA_BUNDLE
AWS_ENDPOINT_URL=$(ready endpoint)
# As in an image whose bundle has a private CA added: the system bundle, then the emulator's CA.
AWS_CA_BUNDLE=$WORK/ca-bundle.pem
cat "$SYSTEM_CA" "$(ready ca_bundle)" >"$AWS_CA_BUNDLE"
CA_CERTS=$(grep -c 'BEGIN CERTIFICATE' "$AWS_CA_BUNDLE")
# The task definition as production has it: full ARNs, with the suffixes the emulator gave.
TD=$WORK/task-definition.json
"$PY" bench/resolve-table.py full-arns "$TD_NAMES" "$TD"
# tool | warm-up runs | timed runs, per round | latency, ms | command (hyperfine -N)
TOOLS=(
	"covenant-shim|3|15|0|$SHIM -t $TD -- /bin/true"
	"Go SDK entrypoint|3|15|0|$GO_EP $TD /bin/true"
	"boto3 entrypoint|1|7|0|$PY bench/entrypoint-boto3.py $TD /bin/true"
	"AWS CLI entrypoint|1|4|0|bench/entrypoint-awscli.sh $TD /bin/true"
	"covenant-shim, $LATENCY_MS ms latency|2|10|$LATENCY_MS|$SHIM -t $TD -- /bin/true"
	"Go SDK entrypoint, $LATENCY_MS ms latency|2|10|$LATENCY_MS|$GO_EP $TD /bin/true"
	"boto3 entrypoint, $LATENCY_MS ms latency|1|4|$LATENCY_MS|$PY bench/entrypoint-boto3.py $TD /bin/true"
)
read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY <<<"$(cd tests/fake_aws && "$PY" -c \
	'import auth; c = auth.DEFAULT_CREDENTIALS[0]; print(c["access_key_id"], c["secret_access_key"])')"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
export HOME=$WORK/home # the AWS CLI keeps a cache under ~/.aws
mkdir -p "$HOME"

control() { curl -sf -X "$1" --data "${3:-}" "$CONTROL$2" >/dev/null; }
set_latency() { control PUT /__latency "{\"ms\": $1}"; }
clear_log() { control POST /__log/clear; }

# --- 1. Every tool resolves all 22 variables byte-exact ----------------------------------------
DUMP='import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], "w"))'
verify_cmds=(
	"covenant-shim|$SHIM -t $TD --"
	"Go SDK entrypoint|$GO_EP $TD"
	"boto3 entrypoint|$PY bench/entrypoint-boto3.py $TD"
	"AWS CLI entrypoint|bench/entrypoint-awscli.sh $TD"
)
failed=0
for spec in "${verify_cmds[@]}"; do
	IFS='|' read -r name cmd <<<"$spec"
	rm -f "$WORK/env.json"
	if ! $cmd "$PY" -c "$DUMP" "$WORK/env.json" 2>"$WORK/verify.err"; then
		echo "resolve.sh: $name failed to resolve:" >&2
		tail -n 5 "$WORK/verify.err" >&2
		failed=1
	elif ! verdict=$("$PY" bench/resolve-table.py verify "$STORE" "$TD" "$WORK/env.json"); then
		echo "resolve.sh: $name: $verdict" >&2
		failed=1
	else
		echo "verified: $name: $verdict" >&2
	fi
	rm -f "$WORK/env.json"
done
[ "$failed" -eq 0 ] || { echo "resolve.sh: not timing tools that resolve wrongly" >&2; exit 1; }

# --- 2. API calls, connections and waves: one run each, request log cleared before -----------
count() {
	local label=$1 latency=$2
	shift 2
	set_latency "$latency"
	clear_log
	if ! "$@" >/dev/null 2>"$WORK/count.err"; then
		note "$label: the counted run failed: $(head -n 1 "$WORK/count.err")"
		return
	fi
	"$PY" bench/resolve-table.py calls "$WORK/requests.jsonl" "$label" >>"$WORK/calls.jsonl"
}
echo "counting API calls and waves" >&2
count "covenant-shim, no latency" 0 "$SHIM" -t "$TD" -- /bin/true
count "covenant-shim, $LATENCY_MS ms" "$LATENCY_MS" "$SHIM" -t "$TD" -- /bin/true
# The same with the task's credentials from the ECS container endpoint instead of static keys,
# as on Fargate: one credentials call first, then the wave.
ECS_URI=$(curl -sf "$CONTROL/__ecs" |
	"$PY" -c 'import json, sys; print(json.load(sys.stdin)["relative_uri"])')
count "covenant-shim, ECS container credentials, $LATENCY_MS ms" "$LATENCY_MS" \
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	AWS_CONTAINER_CREDENTIALS_FULL_URI="$CONTROL$ECS_URI" "$SHIM" -t "$TD" -- /bin/true
count "Go SDK entrypoint, $LATENCY_MS ms" "$LATENCY_MS" "$GO_EP" "$TD" /bin/true
count "boto3 entrypoint, $LATENCY_MS ms" "$LATENCY_MS" "$PY" bench/entrypoint-boto3.py "$TD" /bin/true
count "AWS CLI entrypoint, $LATENCY_MS ms" "$LATENCY_MS" bench/entrypoint-awscli.sh "$TD" /bin/true
set_latency 0

# --- 3. Times --------------------------------------------------------------------------------
# hyperfine times all runs of one command before the next, so a burst of load from elsewhere
# would land on one tool only; short rounds, each starting at a different tool, spread it.
n=${#TOOLS[@]}
for ((r = 0; r < ROUNDS; r++)); do
	for ((i = 0; i < n; i++)); do
		IFS='|' read -r name warmup runs latency cmd <<<"${TOOLS[$(((i + r) % n))]}"
		echo "round $((r + 1))/$ROUNDS: $name" >&2
		set_latency "$latency"
		hyperfine -N --style basic --warmup "$warmup" --runs "$runs" -n "$name" \
			--export-json "$WORK/time-$(((i + r) % n))-$r.json" "$cmd" >>"$LOG" 2>&1 ||
			{ echo "resolve.sh: hyperfine failed on $name; see $LOG" >&2; exit 1; }
	done
done
set_latency 0

# --- 4. PID 1 after resolution: the resolver must not leak into the supervisor ---------------
echo "PID 1 after resolution" >&2
unshare --pid --fork --mount-proc "$SHIM" -t "$TD" -- /bin/sleep 30 2>/dev/null &
ns_pid=$!
pid1=""
for ((i = 0; i < 250; i++)); do
	pid1=$(pgrep -P "$ns_pid" | head -n 1 || true)
	[ -n "$pid1" ] && pgrep -x -P "$pid1" sleep >/dev/null && break
	pid1=""
	sleep 0.02
done
if [ -n "$pid1" ]; then
	pid1_rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid1/status")
	pid1_libs=$(grep -oE 'lib(curl|crypto|ssl|jansson)[^/ ]*' "/proc/$pid1/maps" | sort -u |
		tr '\n' ' ')
	kill -TERM "$pid1" 2>/dev/null || true
else
	note "PID 1 after resolution: the application did not start"
	kill -KILL "$ns_pid" 2>/dev/null || true
fi
wait "$ns_pid" 2>/dev/null || true

# --- Report ----------------------------------------------------------------------------------
# The PID 1 bar goes with the others (resolve-table.py prints bars-extra after its own).
if [ -n "$pid1" ]; then
	verdict=PASS
	[ -z "$pid1_libs" ] && [ "$pid1_rss" -le 1024 ] || verdict=FAIL
	echo "- $verdict: the resolver does not leak into PID 1: after resolving the 22" \
		"variables, PID 1 (application \`sleep\`) has VmRSS $pid1_rss kB and maps" \
		"${pid1_libs:-none of libcurl, libcrypto, libssl, jansson}" >"$WORK/bars-extra"
fi
{
	echo "## Resolution: covenant-shim against Go SDK, boto3 and AWS CLI entrypoints"
	echo
	bench/machine-info
	echo "- Load average (1 min) when this section started: $load_before"
	echo "- AWS emulator (tests/fake_aws) over TLS on 127.0.0.1, static keys; the 22 variables" \
		"of \`$TD_NAMES\` (secrets by full ARN, suffix included) from \`$STORE\`, checked" \
		"byte-exact for every tool before timing"
	echo "- CA bundle for every tool: \`$SYSTEM_CA\` with the emulator's CA appended" \
		"($CA_CERTS certificates)"
	echo "- Go SDK entrypoint: \`bench/go-entrypoint/main.go\`, $(go version 2>/dev/null |
		cut -d' ' -f3), AWS SDK for Go $(sed -n 's/^const SDKVersion = "\(.*\)"/\1/p' \
		/usr/share/gocode/src/github.com/aws/aws-sdk-go/aws/version.go 2>/dev/null), static"
	echo "- hyperfine $(hyperfine --version | cut -d' ' -f2); $ROUNDS rounds, order rotated" \
		"per round, pooled; $("$PY" -c 'import boto3, botocore; print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}")');" \
		"$("$AWS_CLI" --version 2>&1 | cut -d' ' -f1,2)"
	echo
	"$PY" bench/resolve-table.py table "$WORK"
} >"$WORK/report.md"
cat "$WORK/report.md"
cp "$WORK/report.md" "$OUT/resolve.md"
echo "(written to $OUT/resolve.md; hyperfine output in $LOG)" >&2
