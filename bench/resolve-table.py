"""The Python half of bench/resolve.sh: writes the task definition with full ARNs, checks what
each entrypoint resolved, reads API calls and waves out of the emulator's request log, and prints
the Markdown table and the bars.

usage: resolve-table.py full-arns TASK_DEFINITION OUT
           OUT is TASK_DEFINITION with every Secrets Manager ARN completed with the -XXXXXX
           suffix the emulator gave that secret, as the ARNs of a production task definition
       resolve-table.py aws-store STORE TASK_DEFINITION OUT
           OUT is STORE with each secret keyed by the full ARN the task definition names for it
           (the emulator plays AWS: it answers a full ARN only for the suffix it holds)
       resolve-table.py verify STORE TASK_DEFINITION ENV_JSON
           exit 0 when ENV_JSON (a dump of os.environ) holds every variable of the task
           definition's `secrets` byte for byte as the store has it; else names what differs
       resolve-table.py calls LOG LABEL
           one JSON line summing up the requests in LOG (the emulator's request log of one run)
       resolve-table.py table WORKDIR
           the report, from WORKDIR's hyperfine JSON (time-<tool>-<round>.json), calls.jsonl,
           bars-extra (bar lines measured by resolve.sh itself) and notes
No value is ever printed: only names, counts and times.
"""
import json
import os
import re
import statistics
import sys

from benchstats import mean_sd, pooled_times

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "fake_aws"))

SHIM = "covenant-shim"
GO = "Go SDK entrypoint"
BOTO3 = "boto3 entrypoint"
AWSCLI = "AWS CLI entrypoint"
SHIM_50 = "covenant-shim, 50 ms latency"
BOTO3_50 = "boto3 entrypoint, 50 ms latency"
GO_50 = "Go SDK entrypoint, 50 ms latency"
TOOLS = [SHIM, GO, BOTO3, AWSCLI, SHIM_50, GO_50, BOTO3_50]
BARS = {GO: 2, BOTO3: 20, AWSCLI: 60}
SUFFIX = re.compile(r"-[0-9A-Za-z]{6}$")
MAX_CALLS = 3
CREDENTIAL_OPS = ("EcsCredentials", "AssumeRole", "AssumeRoleWithWebIdentity")


def container_secrets(td_path):
    with open(td_path, encoding="utf-8") as f:
        doc = json.load(f)
    doc = doc.get("taskDefinition", doc)
    cs = doc["containerDefinitions"]
    c = next((c for c in cs if c.get("name") == "web"), None) or \
        next(c for c in cs if c.get("secrets"))
    return c.get("secrets", [])


def store_text(value):
    """A store secret as its SecretString (README: non-strings are their compact JSON)."""
    if isinstance(value, dict) and "string" in value and len(value) == 1:
        return value["string"]
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def store_parameter(value):
    if isinstance(value, list):
        return ",".join(value)
    return value["value"] if isinstance(value, dict) else value


def aws_store(store_path, td_path, out_path):
    with open(store_path, encoding="utf-8") as f:
        store = json.load(f)
    with open(td_path, encoding="utf-8") as f:
        arns = set(re.findall(r'arn:aws:secretsmanager:[^:"]+:[0-9]+:secret:[^:"]+-[A-Za-z0-9]{6}',
                              f.read()))
    by_name = {a.split(":secret:", 1)[1][:-7]: a for a in arns}
    store["secrets"] = {by_name.get(k, k): v for k, v in store.get("secrets", {}).items()}
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(store, f)


def full_arns(td_path, out_path):
    from store import _suffix_for  # the emulator's own suffixes (tests/fake_aws/store.py)

    with open(td_path, encoding="utf-8") as f:
        doc = json.load(f)
    for c in doc.get("taskDefinition", doc)["containerDefinitions"]:
        for s in c.get("secrets", []):
            p = s["valueFrom"].split(":")
            if s["valueFrom"].startswith("arn:aws:secretsmanager:") and \
                    not SUFFIX.search(p[6]):
                p[6] = f"{p[6]}-{_suffix_for(p[6])}"
                s["valueFrom"] = ":".join(p)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
    return 0


def store_secret(store, name):
    """A store secret by name, or by full-ARN name (the name with its -XXXXXX suffix)."""
    if name not in store["secrets"] and SUFFIX.search(name):
        name = name[:-7]
    return store["secrets"][name]


def expected_env(store_path, td_path):
    with open(store_path, encoding="utf-8") as f:
        store = json.load(f)
    out = {}
    for s in container_secrets(td_path):
        v = s["valueFrom"]
        if v.startswith("arn:aws:secretsmanager:"):
            p = v.split(":")
            text = store_text(store_secret(store, p[6]))
            if len(p) > 7 and p[7]:
                text = json.loads(text)[p[7]]
                text = text if isinstance(text, str) else json.dumps(text)
            out[s["name"]] = text
        else:
            name = v.split(":parameter", 1)[1] if v.startswith("arn:aws:ssm:") else v
            out[s["name"]] = store_parameter(store["parameters"][name])
    return out


def verify(store_path, td_path, env_path):
    want = expected_env(store_path, td_path)
    with open(env_path, encoding="utf-8") as f:
        got = json.load(f)
    missing = [k for k in want if k not in got]
    wrong = [k for k in want if k in got and got[k] != want[k]]
    if missing or wrong:
        print(f"{len(want) - len(missing) - len(wrong)} of {len(want)} variables right;"
              f" missing: {', '.join(missing) or 'none'}; different: {', '.join(wrong) or 'none'}")
        return 1
    print(f"all {len(want)} variables byte-exact")
    return 0


def waves(reqs):
    """Groups requests into waves: a request joins the current wave when it started before
    any request of that wave had been answered; otherwise it waited for one, and opens the
    next wave. Meaningful with injected latency, where an answer takes >= the latency."""
    out = []
    first_end = None
    for r in sorted(reqs, key=lambda r: r["time"]):
        end = r["time"] + (r.get("duration_ms") or 0) / 1000
        if out and r["time"] < first_end:
            out[-1].append(r)
            first_end = min(first_end, end)
        else:
            out.append([r])
            first_end = end
    return out


def calls(log_path, label):
    with open(log_path, encoding="utf-8") as f:
        reqs = [json.loads(line) for line in f if line.strip()]
    reqs = [r for r in reqs if "event" not in r]
    creds = [r for r in reqs if r["op"] in CREDENTIAL_OPS]
    api = [r for r in reqs if r["op"] not in CREDENTIAL_OPS]
    starts = [r["time"] for r in api]
    print(json.dumps({
        "label": label, "calls": len(api), "credential_calls": len(creds),
        "ops": sorted(r["op"] for r in api),
        "connections": len({r["conn"] for r in api}),
        "reused_requests": sum(1 for r in api if r["conn_request"] > 1),
        "failed": sum(1 for r in reqs if r["status"] != 200),
        "waves": len(waves(api)), "waves_with_credentials": len(waves(reqs)),
        "spread_ms": round((max(starts) - min(starts)) * 1000, 1) if starts else None,
    }))
    return 0


def read_calls(work):
    out = {}
    try:
        with open(f"{work}/calls.jsonl") as f:
            for line in f:
                c = json.loads(line)
                out[c["label"]] = c
    except FileNotFoundError:
        pass
    return out


def fmt_ms(s):
    return f"{s * 1e3:.1f}" if s < 10 else f"{s * 1e3:.0f}"


def time_table(times, counted):
    means = {t: mean_sd(ts)[0] for t, ts in times.items()}
    print("| tool | resolve 22 variables and exec `/bin/true`, ms (mean ± sd) | median, ms "
          "| ratio to covenant-shim at the same latency | API calls per run | connections | sequential waves "
          "at 50 ms | runs |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for tool in TOOLS:
        ts = times.get(tool)
        if not ts:
            print(f"| {tool} | not measured | | | | | | |")
            continue
        m, sd = mean_sd(ts)
        base = SHIM_50 if tool.endswith("latency") else SHIM
        ratio = f"{m / means[base]:.1f}x" if base in means else "n/a"
        if tool == base:
            ratio = "1.0x"
        c = counted.get(tool.replace(", 50 ms latency", "") + ", 50 ms")
        cells = [f"{c['calls']}", f"{c['connections']}", f"{c['waves']}"] if c else ["—"] * 3
        print(f"| {tool} | {fmt_ms(m)} ± {fmt_ms(sd)} | {fmt_ms(statistics.median(ts))} "
              f"| {ratio} | " + " | ".join(cells) + f" | {len(ts)} |")
    return means


def calls_table(counted):
    print("| one run of | credentials calls | API calls | operations | connections "
          "| requests on a reused connection | waves of API calls | first to last API call "
          "started, ms |")
    print("|---|--:|--:|---|--:|--:|--:|--:|")
    for label, c in counted.items():
        ops = ", ".join(f"{op} x{c['ops'].count(op)}" for op in dict.fromkeys(c["ops"]))
        print(f"| {label} | {c['credential_calls']} | {c['calls']} | {ops} | {c['connections']} "
              f"| {c['reused_requests']} | {c['waves']} | {c['spread_ms']} |")


def bars(times, means, counted):
    print(f"Bars for {SHIM} (DESIGN.md section 7):")
    print()

    def bar(text, ok, detail):
        print(f"- {'PASS' if ok else 'FAIL'}: {text}: {detail}")

    # Waves are read only where latency makes them visible: without it an answer takes well
    # under a millisecond and calls sent together may not overlap at the server.
    shim_runs = {k: c for k, c in counted.items() if k.startswith(SHIM)}
    with_latency = [c for k, c in shim_runs.items() if k.endswith(", 50 ms")]
    ok = bool(with_latency) and all(c["waves"] == 1 for c in with_latency) and \
        all(c["calls"] <= MAX_CALLS and not c["failed"] for c in shim_runs.values())
    detail = "; ".join(f"{k}: {c['calls']} calls" +
                       (f" in {c['waves']} wave(s)" if k.endswith(", 50 ms") else "") +
                       (f" after {c['credential_calls']} credentials call(s)"
                        if c["credential_calls"] else "")
                       for k, c in shim_runs.items())
    bar(f"at most {MAX_CALLS} API calls for the 22 variables, in one wave", ok,
        detail or "not measured")
    for tool, need in BARS.items():
        if SHIM in means and tool in means:
            r = means[tool] / means[SHIM]
            rmed = statistics.median(times[tool]) / statistics.median(times[SHIM])
            bar(f"at least {need}x faster than the {tool}", r >= need,
                f"{r:.1f}x ({fmt_ms(means[tool])} ms against {fmt_ms(means[SHIM])} ms; "
                f"medians: {rmed:.1f}x)")
        else:
            bar(f"at least {need}x faster than the {tool}", False, "not measured")


def table(work):
    times = pooled_times(f"{work}/time-*.json")
    counted = read_calls(work)
    means = time_table(times, counted)
    print()
    print("API calls and waves, from the emulator's request log (one run each, log cleared "
          "before; a wave is the calls started before any of them was answered):")
    print()
    calls_table(counted)
    print()
    bars(times, means, counted)
    try:
        with open(f"{work}/bars-extra") as f:
            print(f.read().rstrip())
    except FileNotFoundError:
        pass
    try:
        with open(f"{work}/notes") as f:
            notes = [line.strip() for line in f if line.strip()]
    except FileNotFoundError:
        notes = []
    if notes:
        print()
        print("Notes:")
        print()
        for n in notes:
            print(f"- {n}")
    return 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "full-arns":
        return full_arns(*args)
    if cmd == "aws-store":
        return aws_store(*args)
    if cmd == "verify":
        return verify(*args)
    if cmd == "calls":
        return calls(*args)
    if cmd == "table":
        return table(*args)
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
