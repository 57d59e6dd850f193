#!/usr/bin/env bash
# Fleet-start benchmark section of `make bench` (bench/fleet.py does the work): 120 tasks at
# once against the AWS emulator with SSM held to 20 TPS, covenant-shim (--timeout 60) beside the
# boto3 entrypoint; prints the Markdown report with the DESIGN.md section 7 fleet bar and writes
# it to bench/results/fleet.md. Runnable alone: bash bench/fleet.sh [--tasks N] [--tps T] ...
# It is heavy (240 processes, about 2 minutes): every process is killed after 90 s, so it ends.
set -eu
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
mkdir -p bench/results
/usr/bin/python3 bench/fleet.py --json bench/results/fleet.json "$@" >bench/results/fleet.md.tmp
mv bench/results/fleet.md.tmp bench/results/fleet.md
cat bench/results/fleet.md
echo "(written to bench/results/fleet.md)" >&2
