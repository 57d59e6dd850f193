"""The Markdown table and the bars of bench/startup.sh.

usage: startup-table.py WORKDIR
WORKDIR holds start-*.json (hyperfine rounds, pooled here) and notes.
"""
import os
import statistics
import sys

from benchstats import mean_sd, pooled_times

TRUE = "/bin/true alone"
RESOLVER = "covenant-shim-resolve --version"
CATATONIT = "catatonit /bin/true"
OFFLINE = "covenant-shim --store, 22 variables, /bin/true"
ORDER = [TRUE, RESOLVER, CATATONIT, OFFLINE]
RESOLVER_BAR_MS = 2.0
OFFLINE_BAR = 2.0


def main():
    work = sys.argv[1]
    times = pooled_times(os.path.join(work, "start-*.json"))
    means = {k: mean_sd(v)[0] for k, v in times.items()}
    print("| command | ms (mean ± sd) | median, ms | added to /bin/true, ms "
          "| ratio to catatonit /bin/true | runs |")
    print("|---|--:|--:|--:|--:|--:|")
    for name in ORDER:
        ts = times.get(name)
        if not ts:
            print(f"| {name} | not measured | | | | |")
            continue
        m, sd = mean_sd(ts)
        added = "—" if name == TRUE or TRUE not in means else f"{(m - means[TRUE]) * 1e3:+.3f}"
        ratio = f"{m / means[CATATONIT]:.2f}" if CATATONIT in means else "n/a"
        print(f"| {name} | {m * 1e3:.3f} ± {sd * 1e3:.3f} | {statistics.median(ts) * 1e3:.3f} "
              f"| {added} | {ratio} | {len(ts)} |")
    print()
    print("Bars (DESIGN.md section 7):")
    print()

    def bar(text, ok, detail):
        print(f"- {'PASS' if ok else 'FAIL'}: {text}: {detail}")

    if OFFLINE in means and CATATONIT in means:
        r = means[OFFLINE] / means[CATATONIT]
        rmed = statistics.median(times[OFFLINE]) / statistics.median(times[CATATONIT])
        bar(f"offline start-up within {OFFLINE_BAR:g}x of catatonit running /bin/true",
            r <= OFFLINE_BAR, f"{r:.2f}x ({means[OFFLINE] * 1e3:.3f} ms against "
            f"{means[CATATONIT] * 1e3:.3f} ms; medians: {rmed:.2f}x)")
    else:
        bar(f"offline start-up within {OFFLINE_BAR:g}x of catatonit", False, "not measured")
    if RESOLVER in means and TRUE in means:
        d = (means[RESOLVER] - means[TRUE]) * 1e3
        dmed = (statistics.median(times[RESOLVER]) - statistics.median(times[TRUE])) * 1e3
        bar(f"the resolver's own start within {RESOLVER_BAR_MS:g} ms of /bin/true",
            d <= RESOLVER_BAR_MS, f"{d:+.3f} ms ({means[RESOLVER] * 1e3:.3f} ms against "
            f"{means[TRUE] * 1e3:.3f} ms; medians: {dmed:+.3f} ms)")
    else:
        bar(f"the resolver's own start within {RESOLVER_BAR_MS:g} ms of /bin/true", False,
            "not measured")
    with open(os.path.join(work, "notes")) as f:
        notes = [line.strip() for line in f if line.strip()]
    if notes:
        print()
        print("Notes:")
        print()
        for n in notes:
            print(f"- {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
