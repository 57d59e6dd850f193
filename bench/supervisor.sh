#!/usr/bin/env bash
# Supervisor benchmark: covenant-shim against tini, tini-static, dumb-init and catatonit, side
# by side in one run on this machine. Measures exec overhead (INIT -- /bin/true), idle RSS and
# idle wake-ups as PID 1 of a fresh PID namespace, and reaping 10,000 orphans as PID 1; prints
# one Markdown table plus the DESIGN.md section 7 bars, and writes it to
# bench/results/supervisor.md. Needs root (unshare --pid) and hyperfine; takes about 1.5 min.
set -eu
cd "$(dirname "$0")/.."

. bench/clean-env.sh

PY=/usr/bin/python3
SHIM=$(realpath "$BUILD/covenant-shim")
ORPHANS=$(realpath "$BUILD/helpers/orphans")
OUT=bench/results
N_ORPHANS=10000
EXEC_ROUNDS=10 EXEC_RUNS=30 EXEC_WARMUP=5 # 10 x 30 = 300 timed runs per init
ORPHAN_RUNS=5
IDLE_SETTLE=0.5 IDLE_WINDOW=3

for tool in hyperfine unshare "$PY"; do
	command -v "$tool" >/dev/null || { echo "supervisor.sh: $tool is not installed" >&2; exit 1; }
done
for f in "$SHIM" "$ORPHANS"; do
	[ -x "$f" ] || { echo "supervisor.sh: $f missing; run make first" >&2; exit 1; }
done
if ! unshare --pid --fork --mount-proc /bin/true 2>/dev/null; then
	echo "supervisor.sh: unshare --pid fails here (needs root / CAP_SYS_ADMIN)" >&2
	exit 1
fi
mkdir -p "$OUT"
load_before=$(cut -d' ' -f1 /proc/loadavg)
WORK=$(mktemp -d)
LOG=$OUT/supervisor-hyperfine.log
: >"$LOG"

# Background processes still running (unshare and the init it forked); killed on any exit.
BG_PIDS=""
cleanup() {
	for p in $BG_PIDS; do
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

catatonit_bin=$(command -v catatonit || true)
[ -n "$catatonit_bin" ] || catatonit_bin=/usr/libexec/podman/catatonit

# name | binary | arguments before the command when not PID 1 | arguments as PID 1.
# tini warns unless it is PID 1 or a subreaper (-s); dumb-init takes the command directly.
INITS=(
	"covenant-shim|$SHIM|--|--"
	"tini|/usr/bin/tini|-s --|--"
	"tini-static|/usr/bin/tini-static|-s --|--"
	"dumb-init|/usr/bin/dumb-init||"
	"catatonit|$catatonit_bin|--|--"
)

# status.tsv: one "name<TAB>binary<TAB>note" line per init; a note means it was skipped.
# "name|bin|a1|a2" -> sets NAME BIN ARGS_NOT1 ARGS_PID1
split_init() { IFS='|' read -r NAME BIN ARGS_NOT1 ARGS_PID1 <<<"$1"; }
note() { printf '%s\n' "$*" >>"$WORK/notes"; }
: >"$WORK/notes"
: >"$WORK/status.tsv"
# awk compares the load average as a number; more runnable tasks than CPUs means noisy times.
if awk -v l="$load_before" -v n="$(nproc)" 'BEGIN { exit !(l >= n) }'; then
	note "Load average was $load_before on $(nproc) CPUs when the run started: other work" \
		"competed for the CPUs, so means and deviations are inflated; medians are steadier."
fi
present=()
for spec in "${INITS[@]}"; do
	split_init "$spec"
	if [ ! -x "$BIN" ]; then
		note "$NAME skipped: $BIN is not installed."
		printf '%s\t%s\t%s\n' "$NAME" "$BIN" "not installed" >>"$WORK/status.tsv"
		continue
	fi
	# One untimed run, to catch a wrong syntax or a warning before timing it.
	if ! err=$("$BIN" $ARGS_NOT1 /bin/true 2>&1 >/dev/null); then
		note "$NAME skipped: \`$BIN $ARGS_NOT1 /bin/true\` failed: ${err%%$'\n'*}"
		printf '%s\t%s\t%s\n' "$NAME" "$BIN" "fails" >>"$WORK/status.tsv"
		continue
	fi
	[ -z "$err" ] || note "$NAME writes to stderr when not PID 1: ${err%%$'\n'*}"
	printf '%s\t%s\t\n' "$NAME" "$BIN" >>"$WORK/status.tsv"
	present+=("$spec")
done

# --- 1. Exec overhead ----------------------------------------------------------------------
# hyperfine times all runs of one command before the next, so a burst of load from elsewhere
# would land on one init only. Instead: many short rounds, each starting at a different init,
# pooled afterwards, so load from elsewhere (2 CPUs here) spreads over all of them alike.
exec_cmds=()
for spec in "${present[@]}"; do
	split_init "$spec"
	exec_cmds+=("$NAME|$BIN $ARGS_NOT1 /bin/true")
done
exec_cmds+=("/bin/true alone|/bin/true")
n=${#exec_cmds[@]}
echo "exec overhead: $EXEC_ROUNDS rounds of $n commands" >&2
for ((r = 0; r < EXEC_ROUNDS; r++)); do
	args=()
	for ((i = 0; i < n; i++)); do
		IFS='|' read -r name cmd <<<"${exec_cmds[$(((i + r) % n))]}"
		args+=(-n "$name" "$cmd")
	done
	hyperfine -N --style basic --warmup "$EXEC_WARMUP" --runs "$EXEC_RUNS" \
		--export-json "$WORK/exec-$r.json" "${args[@]}" >>"$LOG" 2>&1
done

# --- 2 and 3. Idle RSS and wake-ups as PID 1 ---------------------------------------------------
# Prints "VmRSS voluntary nonvoluntary" of a pid, from /proc/PID/status.
proc_sample() {
	awk '/^VmRSS:/ {r = $2} /^voluntary_ctxt/ {v = $2} /^nonvoluntary_ctxt/ {n = $2}
	     END {print r, v, n}' "/proc/$1/status"
}

# Starts INIT as PID 1 of a new PID namespace with `sleep 30` under it, and appends
# "name<TAB>rss_kB<TAB>context switches over the window" to idle.tsv.
idle_probe() {
	local name=$1 bin=$2 args=$3 upid init="" real i
	real=$(realpath "$bin")
	# --kill-child: should this script die, the namespace dies with unshare.
	unshare --pid --fork --kill-child --mount-proc "$bin" $args sleep 30 &
	upid=$!
	BG_PIDS="$BG_PIDS $upid"
	# unshare forks once; its child execs the init. Wait for that exec and for the init to
	# have started its own child, so it is in its idle loop.
	for ((i = 0; i < 500; i++)); do
		init=$(cat "/proc/$upid/task/$upid/children" 2>/dev/null || true)
		init=${init%% *}
		if [ -n "$init" ] && [ "$(readlink "/proc/$init/exe" 2>/dev/null)" = "$real" ] &&
			[ -n "$(cat "/proc/$init/task/$init/children" 2>/dev/null)" ]; then
			break
		fi
		init=""
		sleep 0.01
	done
	if [ -z "$init" ]; then
		note "$name: could not find its PID-1 process; idle figures missing."
	else
		BG_PIDS="$BG_PIDS $init"
		sleep "$IDLE_SETTLE"
		read -r rss v0 n0 <<<"$(proc_sample "$init")"
		sleep "$IDLE_WINDOW"
		read -r _ v1 n1 <<<"$(proc_sample "$init")"
		printf '%s\t%s\t%s\n' "$name" "$rss" $((v1 - v0 + n1 - n0)) >>"$WORK/idle.tsv"
		# SIGKILL to a namespace's PID 1 takes the whole namespace down with it.
		kill -KILL "$init" 2>/dev/null || true
	fi
	kill -KILL "$upid" 2>/dev/null || true
	wait "$upid" 2>/dev/null || true
	BG_PIDS=${BG_PIDS/ $upid/}
	[ -z "$init" ] || BG_PIDS=${BG_PIDS/ $init/}
}

: >"$WORK/idle.tsv"
for spec in "${present[@]}"; do
	split_init "$spec"
	echo "idle as PID 1: $NAME" >&2
	idle_probe "$NAME" "$BIN" "$ARGS_PID1"
done

# --- 4. Reaping 10,000 orphans as PID 1 ----------------------------------------------------------
# One untimed run per init first: it is the warm-up, and an init that does not reap would
# otherwise burn the helper's 20 s timeout on every timed run.
: >"$WORK/orphans-first.tsv"
orphan_args=()
for spec in "${present[@]}"; do
	split_init "$spec"
	echo "orphans: $NAME" >&2
	cmd="unshare --pid --fork --mount-proc $BIN $ARGS_PID1 $ORPHANS $N_ORPHANS 20000"
	rc=0
	out=$(timeout 60 $cmd 2>&1) || rc=$?
	printf '%s\t%s\n' "$NAME" "$rc" >>"$WORK/orphans-first.tsv"
	if [ "$rc" -eq 0 ]; then
		orphan_args+=(-n "$NAME" "$cmd")
	else
		note "$NAME failed the orphan run (exit $rc): ${out%%$'\n'*}"
	fi
done
if [ ${#orphan_args[@]} -gt 0 ]; then
	echo "orphans: timing $ORPHAN_RUNS runs each" >&2
	# -i: a failing run is recorded in exit_codes instead of stopping hyperfine.
	hyperfine -N -i --style basic --runs "$ORPHAN_RUNS" --export-json "$WORK/orphans.json" \
		"${orphan_args[@]}" >>"$LOG" 2>&1
fi

# --- Report ----------------------------------------------------------------------------------
{
	echo "## Supervisor: covenant-shim against tini, tini-static, dumb-init, catatonit"
	echo
	bench/machine-info
	echo "- Load average (1 min) when this section started: $load_before"
	echo "- hyperfine $(hyperfine --version | cut -d' ' -f2); exec: $EXEC_ROUNDS rounds x" \
		"$EXEC_RUNS runs (+$EXEC_WARMUP warm-up each), order rotated per round;" \
		"orphans: 1 untimed + $ORPHAN_RUNS timed runs"
	echo
	"$PY" bench/supervisor-table.py "$WORK" "$N_ORPHANS" "$IDLE_WINDOW"
} >"$WORK/report.md"
cat "$WORK/report.md"
cp "$WORK/report.md" "$OUT/supervisor.md"
echo "(written to $OUT/supervisor.md; hyperfine output in $LOG)" >&2
