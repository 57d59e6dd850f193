#!/usr/bin/python3
"""A discrete-event model of a fleet start against SSM's token bucket, to choose the throttled
retry policy (the project's fleet simulator, extended). Each task makes `calls` SSM calls at
t=0 (covenant-shim's worker task: 2 GetParameters; its BatchGetSecretValue goes to Secrets
Manager, which is not limited, and counts once); a throttled call retries under a policy until
the deadline:
  standard  3 attempts, full jitter, base 1 s, cap 20 s
  legacy5   the same with 5 attempts (botocore's legacy mode)
  deadline  full jitter, each call on its own, until the deadline
  gate      full jitter until the deadline, one throttled call per task backing off at a time
            (the exponent counts the task's throttles); the others wait for it and go one by
            one as it gets its answer (what shim/http.c does, per host)
Reports, over 5 seeds: least started fraction, mean p50, worst p99, and calls made per call
needed, SSM alone and all calls. usage: bench/fleet-model.py [TPS] [TASKS...]"""
import heapq
import random
import sys


def simulate(n, tps, policy, calls=2, deadline=60.0, rtt=0.03, seed=1, cap=20.0, base=1.0):
    rnd = random.Random(seed)
    tokens, last = float(tps), 0.0
    ev = [(0.0, t, c, 1) for t in range(n) for c in range(calls)]
    heapq.heapify(ev)
    left, done_at, failed, made = [calls] * n, [None] * n, set(), 0
    level, holder, waiting = [0] * n, [None] * n, [[] for _ in range(n)]
    while ev:
        now, t, c, att = heapq.heappop(ev)
        if t in failed:
            continue
        if now > deadline:
            failed.add(t)
            continue
        made += 1
        tokens = min(tps, tokens + (now - last) * tps)
        last = now
        if tokens >= 1:
            tokens -= 1
            left[t] -= 1
            if left[t] == 0:
                done_at[t] = now + rtt
            if policy == "gate" and holder[t] == c:
                holder[t] = None
                if waiting[t]:
                    c2, a2 = waiting[t].pop(0)
                    holder[t] = c2
                    heapq.heappush(ev, (now + rtt, t, c2, a2))
            continue
        if policy == "standard" and att >= 3 or policy == "legacy5" and att >= 5:
            failed.add(t)
            continue
        if policy == "gate":
            if holder[t] is not None and holder[t] != c:
                waiting[t].append((c, att + 1))
                continue
            holder[t] = c
            level[t] += 1
            back = rnd.uniform(0, min(cap, base * 2 ** (level[t] - 1)))
        else:
            back = rnd.uniform(0, min(cap, base * 2 ** (att - 1)))
        heapq.heappush(ev, (now + rtt + back, t, c, att + 1))
    ok = sorted(d for d in done_at if d is not None)
    pct = lambda q: ok[min(len(ok) - 1, int(len(ok) * q))] if ok else float("nan")  # noqa: E731
    return len(ok) / n, pct(0.5), pct(0.99), made / (n * calls)


def main():
    tps = float(sys.argv[1]) if len(sys.argv) > 1 else 20
    fleets = [int(a) for a in sys.argv[2:]] or [120, 240, 500]
    print(f"SSM at {tps:g} TPS, 2 SSM calls + 1 other a task, deadline 60 s, 5 seeds")
    print(f"{'tasks':>6} {'policy':>9} {'started':>8} {'p50 s':>6} {'p99 s':>6} "
          f"{'SSM calls/needed':>17} {'all calls/needed':>17}")
    for n in fleets:
        for pol in ("standard", "legacy5", "deadline", "gate"):
            rs = [simulate(n, tps, pol, seed=s) for s in range(1, 6)]
            ratio = sum(r[3] for r in rs) / len(rs)
            print(f"{n:>6} {pol:>9} {min(r[0] for r in rs):>8.0%} "
                  f"{sum(r[1] for r in rs) / len(rs):>6.1f} {max(r[2] for r in rs):>6.1f} "
                  f"{ratio:>17.2f} {(ratio * 2 + 1) / 3:>17.2f}")


if __name__ == "__main__":
    main()
