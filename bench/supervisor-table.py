"""Builds the Markdown table and the quality-bar verdicts for bench/supervisor.sh.

usage: supervisor-table.py WORKDIR N_ORPHANS IDLE_SECONDS
WORKDIR holds what supervisor.sh measured: status.tsv, exec-*.json (hyperfine rounds, pooled
here), idle.tsv, orphans-first.tsv, orphans.json (absent when no init reaped) and notes.
"""
import json
import os
import statistics
import sys

from benchstats import mean_sd, pooled_times

SHIM = "covenant-shim"
BASELINE = "/bin/true alone"
REFERENCES = ("tini-static", "catatonit")
EXEC_BAR = 1.15  # within 15% of the faster reference
RSS_BAR_KB = 1024


def read_tsv(path):
    rows = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                rows[fields[0]] = fields[1:]
    return rows


def main():
    work, n_orphans, idle_s = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    status = read_tsv(os.path.join(work, "status.tsv"))
    idle = read_tsv(os.path.join(work, "idle.tsv"))
    first = read_tsv(os.path.join(work, "orphans-first.tsv"))
    exec_times = pooled_times(os.path.join(work, "exec-*.json"))
    orphans = {}
    path = os.path.join(work, "orphans.json")
    if os.path.exists(path):
        with open(path) as f:
            orphans = {r["command"]: r for r in json.load(f)["results"]}

    means = {name: mean_sd(ts)[0] for name, ts in exec_times.items()}

    def median(name):
        return statistics.median(exec_times[name])

    refs = [n for n in REFERENCES if n in means]
    ref = min(refs, key=lambda n: means[n]) if refs else None
    base = means.get(BASELINE)

    def reaped(name):
        """True when the untimed run and every timed run exited 0."""
        if name not in first:
            return None
        codes = [int(first[name][0])] + orphans.get(name, {}).get("exit_codes", [])
        return all(c == 0 for c in codes)

    print(f"| init | `INIT /bin/true`, ms (mean ± sd) | median, ms | added to /bin/true, ms "
          f"| ratio to {ref or 'n/a'} | idle RSS as PID 1, kB | wake-ups in {idle_s} s idle "
          f"| {n_orphans:,} orphans as PID 1, s (mean ± sd) | all reaped, exit 0 |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|:-:|")
    for name in list(status) + [BASELINE]:
        note = status.get(name, ["", ""])[1] if name != BASELINE else ""
        if note:
            print(f"| {name} | {note} | | | | | | | |")
            continue
        cells = [name]
        ts = exec_times.get(name)
        if ts:
            m, sd = mean_sd(ts)
            cells += [f"{m * 1e3:.3f} ± {sd * 1e3:.3f}", f"{median(name) * 1e3:.3f}",
                      "—" if name == BASELINE or base is None else f"{(m - base) * 1e3:+.3f}",
                      f"{m / means[ref]:.3f}" if ref else "n/a"]
        else:
            cells += ["n/a"] * 4
        if name in idle:
            cells += [idle[name][0], idle[name][1]]
        else:
            cells += ["—", "—"]
        if name in orphans:
            m, sd = orphans[name]["mean"], orphans[name]["stddev"] or 0.0
            cells.append(f"{m:.3f} ± {sd:.3f}")
        else:
            cells.append("—")
        ok = reaped(name)
        cells.append("—" if ok is None else ("yes" if ok else "**no**"))
        print("| " + " | ".join(cells) + " |")

    print()
    print(f"Bars for {SHIM} (DESIGN.md section 7):")
    print()

    def bar(text, ok, detail):
        print(f"- {'PASS' if ok else 'FAIL'}: {text}: {detail}")

    if SHIM in means and ref:
        ratio = means[SHIM] / means[ref]
        bar(f"exec overhead within {round((EXEC_BAR - 1) * 100)}% of the faster of "
            f"tini-static and catatonit ({ref}, {means[ref] * 1e3:.3f} ms)", ratio <= EXEC_BAR,
            f"{means[SHIM] * 1e3:.3f} ms, {ratio:.3f}x "
            f"(medians: {median(SHIM) / median(ref):.3f}x)")
    else:
        bar("exec overhead against tini-static/catatonit", False, "not measured")
    if SHIM in idle:
        rss, wakeups = int(idle[SHIM][0]), int(idle[SHIM][1])
        bar(f"idle RSS as PID 1 <= {RSS_BAR_KB} kB", rss <= RSS_BAR_KB, f"{rss} kB")
        bar("zero idle wake-ups", wakeups == 0, f"{wakeups} context switches in {idle_s} s")
    else:
        bar(f"idle RSS as PID 1 <= {RSS_BAR_KB} kB", False, "not measured")
        bar("zero idle wake-ups", False, "not measured")
    ok = reaped(SHIM)
    runs = 1 + len(orphans.get(SHIM, {}).get("exit_codes", []))
    bar(f"no zombie left after {n_orphans:,} orphans", bool(ok),
        "not measured" if ok is None else
        f"{runs} of {runs} runs exited 0" if ok else "a run exited non-zero")

    with open(os.path.join(work, "notes")) as f:
        notes = [line.strip() for line in f if line.strip()]
    if notes:
        print()
        print("Notes:")
        print()
        for n in notes:
            print(f"- {n}")


if __name__ == "__main__":
    main()
