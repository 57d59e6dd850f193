#!/usr/bin/env bash
# Start-up benchmark, outside the network: the resolver's own start (`covenant-shim-resolve
# --version`) against `/bin/true`, and offline resolution (`covenant-shim --store`, the 22
# variables of examples/covenant-connect, exec /bin/true) against catatonit running /bin/true,
# side by side in one run. Checks first that the offline run produces all 22 variables
# byte-exact. Prints one Markdown report with the DESIGN.md section 7 bars and writes it to
# bench/results/startup.md. Needs hyperfine and catatonit; takes about 30 s.
set -eu
cd "$(dirname "$0")/.."

. bench/clean-env.sh

PY=/usr/bin/python3
SHIM=$(realpath "$BUILD/covenant-shim")
RESOLVER=$(realpath "$BUILD/covenant-shim-resolve")
EXAMPLE=examples/covenant-connect
STORE=$EXAMPLE/store.json
TD=$EXAMPLE/deploy/ecs/task-definition.json
OUT=bench/results
ROUNDS=10 RUNS=20 WARMUP=3 # 10 x 20 = 200 timed runs per command

for tool in hyperfine "$PY"; do
	command -v "$tool" >/dev/null || { echo "startup.sh: $tool is not installed" >&2; exit 1; }
done
for f in "$SHIM" "$RESOLVER"; do
	[ -x "$f" ] || { echo "startup.sh: $f missing; run make first" >&2; exit 1; }
done
catatonit_bin=$(command -v catatonit || true)
[ -n "$catatonit_bin" ] || catatonit_bin=/usr/libexec/podman/catatonit
[ -x "$catatonit_bin" ] || { echo "startup.sh: catatonit is not installed" >&2; exit 1; }
mkdir -p "$OUT"
load_before=$(cut -d' ' -f1 /proc/loadavg)
WORK=$(mktemp -d)
LOG=$OUT/startup-hyperfine.log
: >"$LOG"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
: >"$WORK/notes"
if awk -v l="$load_before" -v n="$(nproc)" 'BEGIN { exit !(l >= n) }'; then
	echo "Load average was $load_before on $(nproc) CPUs when the run started: other work" \
		"competed for the CPUs, so means and deviations are inflated; medians are steadier." \
		>>"$WORK/notes"
fi

# --- 1. What is timed works: the offline run gives the 22 values byte-exact ------------------
DUMP='import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], "w"))'
if ! "$SHIM" -q --store "$STORE" -t "$TD" -- "$PY" -c "$DUMP" "$WORK/env.json" \
	2>"$WORK/verify.err"; then
	echo "startup.sh: covenant-shim --store failed:" >&2
	tail -n 5 "$WORK/verify.err" >&2
	exit 1
fi
verdict=$("$PY" bench/resolve-table.py verify "$STORE" "$TD" "$WORK/env.json") ||
	{ echo "startup.sh: covenant-shim --store: $verdict" >&2; exit 1; }
echo "verified: covenant-shim --store: $verdict" >&2
rm -f "$WORK/env.json"
"$RESOLVER" --version >/dev/null || { echo "startup.sh: $RESOLVER --version fails" >&2; exit 1; }
"$catatonit_bin" -- /bin/true || { echo "startup.sh: catatonit -- /bin/true fails" >&2; exit 1; }

# --- 2. Times, in short rounds rotated as in supervisor.sh ---------------------------------
cmds=(
	"/bin/true alone|/bin/true"
	"covenant-shim-resolve --version|$RESOLVER --version"
	"catatonit /bin/true|$catatonit_bin -- /bin/true"
	"covenant-shim --store, 22 variables, /bin/true|$SHIM -q --store $STORE -t $TD -- /bin/true"
)
n=${#cmds[@]}
echo "start-up: $ROUNDS rounds of $n commands" >&2
for ((r = 0; r < ROUNDS; r++)); do
	args=()
	for ((i = 0; i < n; i++)); do
		IFS='|' read -r name cmd <<<"${cmds[$(((i + r) % n))]}"
		args+=(-n "$name" "$cmd")
	done
	hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
		--export-json "$WORK/start-$r.json" "${args[@]}" >>"$LOG" 2>&1
done

# --- Report ----------------------------------------------------------------------------------
linkage=$(file -b "$RESOLVER" | grep -oE 'static(-pie)? linked|statically linked|dynamically linked' || true)
libs=$(ldd "$RESOLVER" 2>/dev/null | grep -c '=>' || true)
{
	echo "## Start-up: the resolver alone, and offline resolution against catatonit"
	echo
	bench/machine-info
	echo "- Load average (1 min) when this section started: $load_before"
	echo "- hyperfine $(hyperfine --version | cut -d' ' -f2); $ROUNDS rounds x $RUNS runs" \
		"(+$WARMUP warm-up each), order rotated per round; offline: \`$STORE\`, the 22" \
		"variables of \`$TD\`, checked byte-exact before timing"
	echo "- covenant-shim-resolve: ${linkage:-unknown linkage}${libs:+, $libs shared libraries}"
	echo
	"$PY" bench/startup-table.py "$WORK"
} >"$WORK/report.md"
cat "$WORK/report.md"
cp "$WORK/report.md" "$OUT/startup.md"
echo "(written to $OUT/startup.md; hyperfine output in $LOG)" >&2
