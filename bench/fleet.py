#!/usr/bin/python3
"""Fleet start (DESIGN.md 7): N tasks started at once against the AWS emulator with SSM held to
a token-bucket rate, as a scale-out or a deploy of a busy service meets SSM's TPS quota.

Each task resolves the 22 variables of the worker task definition (secrets by full ARN, the
emulator's store keyed by them, as scripts/demo builds it) and execs /bin/true; a task has
started when its process exits 0 (the application ran), and its start time is when the driver
reaps it, from the moment the first task was launched. Calls made are counted from the
emulator's request log; calls needed are 3 a task (covenant-shim's 1 BatchGetSecretValue and
2 GetParameters). covenant-shim runs with --timeout 60; the boto3 entrypoint
(bench/entrypoint-boto3.py, Debian's boto3 in its default retry mode) under the same
conditions. Every process is killed after --limit seconds, so the run always ends.

usage: bench/fleet.py [--tasks 120] [--tps 20] [--burst TPS] [--limit 90] [--tools shim,boto3]
Prints a Markdown report with the bar's PASS/FAIL lines; exits 1 only if it could not run.
"""
import argparse
import json
import math
import os
import re
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from fake_aws.fixture import FakeAWS  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
PY = "/usr/bin/python3"
EXAMPLE = os.path.join(ROOT, "examples", "covenant-connect")
TD = os.path.join(EXAMPLE, "deploy", "ecs", "worker-task-definition.json")
STORE = os.path.join(EXAMPLE, "store.json")
NEEDED_PER_TASK = 3
OPS = {"GetSecretValue", "BatchGetSecretValue", "GetParameters", "GetParametersByPath"}
BAR_P99_S, BAR_CALLS_X = 45.0, 4.0


def store_by_arn():
    """The example store with each secret under the full ARN the task definition names."""
    with open(STORE, encoding="utf-8") as f:
        store = json.load(f)
    with open(TD, encoding="utf-8") as f:
        td = f.read()
    arns = set(re.findall(r'arn:aws:secretsmanager:[^:"]+:[0-9]+:secret:[^:"]+-[A-Za-z0-9]{6}', td))
    store["secrets"] = {next((a for a in arns if a.split(":secret:")[1][:-7] == name), name): v
                        for name, v in store["secrets"].items()}
    return store


def tools(selected):
    shim = os.path.join(BUILD, "covenant-shim")
    table = {
        "shim": ("covenant-shim", [shim, "--timeout", "60", "-t", TD, "--", "/bin/true"]),
        "boto3": ("boto3 entrypoint", [PY, os.path.join(ROOT, "bench", "entrypoint-boto3.py"),
                                       TD, "/bin/true"]),
    }
    return [(key,) + table[key] for key in selected]


def launch(cmd, env, n, limit):
    """Starts n copies at once; returns (start seconds or None for each, statuses)."""
    procs = {}
    t0 = time.monotonic()
    for i in range(n):
        p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
        procs[p.pid] = (i, p)
    launched = time.monotonic() - t0
    started, status, stderr_tail = [None] * n, [None] * n, {}
    left = set(procs)
    while left:
        if time.monotonic() - t0 > limit:
            for pid in left:
                os.killpg(pid, signal.SIGKILL)
        pid, st = os.waitpid(-1, 0)
        if pid not in left:
            continue
        left.discard(pid)
        i, p = procs[pid]
        status[i] = os.waitstatus_to_exitcode(st)
        if status[i] == 0:
            started[i] = time.monotonic() - t0
        else:
            stderr_tail[status[i]] = (p.stderr.read() or b"").decode(errors="replace")[-300:]
        p.returncode = status[i]
    for _, p in procs.values():
        p.stderr.close()
    return started, status, launched, stderr_tail


def percentile(values, n, q):
    """Nearest rank over all n tasks, a task that never started counting as infinitely slow."""
    ranked = sorted(v for v in values if v is not None)
    k = math.ceil(q * n) - 1
    return ranked[k] if k < len(ranked) else None


def measure(aws, key, name, cmd, n, limit):
    aws.clear_requests()
    aws.set_rate("ssm", ARGS.tps, ARGS.burst)  # a fresh, full bucket for each tool
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"),
           **aws.env()}
    started, status, launched, tails = launch(cmd, env, n, limit)
    reqs = [r for r in aws.requests() if r.get("op") in OPS]
    rates = aws.rates().get("ssm", {})
    ok = [s for s in started if s is not None]
    return {
        "key": key, "tool": name, "tasks": n, "started": len(ok),
        "p50": percentile(started, n, 0.50), "p99": percentile(started, n, 0.99),
        "last": max(ok) if ok else None, "launch_s": launched,
        "calls": len(reqs), "needed": NEEDED_PER_TASK * n,
        "throttled": sum(1 for r in reqs if r.get("error") == "ThrottlingException"),
        "ssm_throttled": rates.get("throttled"),
        "statuses": {str(k): status.count(k) for k in sorted(set(status), key=str)},
        "stderr": tails,
    }


def fmt_s(v):
    return "not reached" if v is None else f"{v:.1f}"


def report(results, load_before, load_after):
    out = ["## Fleet start: covenant-shim against the boto3 entrypoint under SSM throttling", ""]
    out.append(f"- {ARGS.tasks} tasks started at once per tool, SSM held to {ARGS.tps:g} TPS "
               f"(token bucket, burst {ARGS.burst or ARGS.tps:g}) in the AWS emulator over TLS on "
               "127.0.0.1, Secrets Manager unlimited; the 22 variables of "
               "`examples/covenant-connect/deploy/ecs/worker-task-definition.json` (secrets by "
               "full ARN), each task exec'ing /bin/true")
    out.append(f"- calls needed: {NEEDED_PER_TASK} a task (1 BatchGetSecretValue, 2 "
               "GetParameters; the boto3 entrypoint needs 4: one GetSecretValue per secret)")
    out.append(f"- load average (1 min) {load_before} before, {load_after} after; "
               f"{os.cpu_count()} CPUs")
    out.append("")
    out.append("| tool | started | p50 start, s | p99 start, s | last start, s | calls made | "
               "calls needed | ratio | throttled answers | exit statuses |")
    out.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")
    for r in results:
        ratio = r["calls"] / r["needed"]
        st = ", ".join(f"{k}: {v}" for k, v in r["statuses"].items())
        out.append(f"| {r['tool']} | {r['started']} of {r['tasks']} | {fmt_s(r['p50'])} | "
                   f"{fmt_s(r['p99'])} | {fmt_s(r['last'])} | {r['calls']} | {r['needed']} | "
                   f"{ratio:.2f}x | {r['throttled']} | {st} |")
    out.append("")
    shim = next((r for r in results if r["key"] == "shim"), None)
    if shim:
        ratio = shim["calls"] / shim["needed"]
        bars = [
            (shim["started"] == shim["tasks"],
             f"{shim['started']} of {shim['tasks']} tasks started"),
            (shim["p99"] is not None and shim["p99"] < BAR_P99_S,
             f"p99 start {fmt_s(shim['p99'])}{'' if shim['p99'] is None else ' s'} "
             f"(bar: under {BAR_P99_S:g} s)"),
            (ratio <= BAR_CALLS_X,
             f"{shim['calls']} calls for {shim['needed']} needed, {ratio:.2f}x "
             f"(bar: at most {BAR_CALLS_X:g}x)"),
        ]
        for ok, text in bars:
            out.append(f"- {'PASS' if ok else 'FAIL'}: covenant-shim fleet: {text}")
    for r in results:
        for code, tail in r["stderr"].items():
            last = tail.strip().splitlines()[-1] if tail.strip() else ""
            out.append(f"- {r['tool']}, exit {code}, last stderr line of one task: `{last}`")
    return "\n".join(out) + "\n"


def main():
    for f in (os.path.join(BUILD, "covenant-shim"), os.path.join(BUILD, "covenant-shim-resolve")):
        if not os.access(f, os.X_OK):
            sys.exit(f"fleet: {f} is missing; run make first")
    load_before = open("/proc/loadavg").read().split()[0]
    results = []
    with FakeAWS(store_by_arn()) as aws:
        for key, name, cmd in tools(ARGS.tools.split(",")):
            print(f"fleet: {name}: {ARGS.tasks} at once", file=sys.stderr)
            results.append(measure(aws, key, name, cmd, ARGS.tasks, ARGS.limit))
    load_after = open("/proc/loadavg").read().split()[0]
    text = report(results, load_before, load_after)
    print(text, end="")
    if ARGS.json:
        with open(ARGS.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", type=int, default=120)
    p.add_argument("--tps", type=float, default=20)
    p.add_argument("--burst", type=float, default=None)
    p.add_argument("--limit", type=float, default=90, help="kill what still runs after this")
    p.add_argument("--tools", default="shim,boto3")
    p.add_argument("--json", help="also write the raw figures here")
    ARGS = p.parse_args()
    main()
