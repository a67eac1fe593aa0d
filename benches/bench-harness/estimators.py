"""Compares noise filters offline on sextant-bench's raw timings.

Record runs with SEXTANT_BENCH_TRACE (one file per run; -rounds=20 gives 50 ms rounds that
can be pooled four by four into the default's five rounds of 200 ms):

    for i in $(seq 1 10); do
      SEXTANT_BENCH_TRACE=trace.$i.txt target/release/deps/sextant-HASH --bench -bench=. -rounds=20
    done
    python3 estimators.py 'trace.*.txt'

Each line of a trace is one round: name, N, timed ns, then each b.iter batch as ns:iterations.
For every estimator it prints the run-to-run spread of each benchmark's result (max/min over
the runs) and the median and worst over benchmarks.
"""

import glob
import statistics
import sys
from collections import defaultdict


def load(pattern):
    runs = []
    for path in sorted(glob.glob(pattern)):
        by = defaultdict(list)
        for line in open(path):
            f = line.rstrip("\n").split("\t")
            batches = [tuple(map(int, x.split(":"))) for x in f[3].split()] if len(f) > 3 else []
            by[f[0]].append((int(f[1]), int(f[2]), batches))
        runs.append(by)
    return runs


def pooled(rounds, k):
    """Pools k consecutive rounds into one (the same time span as a longer round)."""
    if len(rounds) < k:
        return rounds
    return [
        (sum(r[0] for r in g), sum(r[1] for r in g), [b for r in g for b in r[2]])
        for g in (rounds[i : i + k] for i in range(0, len(rounds) - k + 1, k))
    ]


def full(batches):
    """Full batches only: a partial one holds a few iterations, too short to time."""
    if not batches:
        return batches
    m = max(b[1] for b in batches)
    return [b for b in batches if 2 * b[1] > m]


def outside(rounds):
    """Timed ns per op outside the batches, least over rounds."""
    return min((r[1] - sum(b[0] for b in full(r[2]))) / r[0] for r in rounds)


def rates(rounds):
    return sorted(ns / it for r in rounds for ns, it in full(r[2]))


def kth(rounds, k):
    """The k-th fastest batch rate (0 = fastest) over all rounds, plus the time outside."""
    r = rates(rounds)
    if len(r) < 3:
        return min(x[1] / x[0] for x in rounds)
    return r[min(k, (len(r) - 1) // 2)] + outside(rounds)


def quantile(rounds, q):
    r = rates(rounds)
    if len(r) < 3:
        return min(x[1] / x[0] for x in rounds)
    return r[int(q * (len(r) - 1))] + outside(rounds)


def median_batch_median_round(rounds):
    """The filter before: per round the median batch rate, then the median round."""

    def one(r):
        n, ns, bs = r
        if len(bs) < 3:
            return ns / n
        med = sorted(a / b for a, b in bs)[len(bs) // 2]
        return (ns - sum(b[0] for b in bs) + med * sum(b[1] for b in bs)) / n

    return statistics.median_high(one(r) for r in pooled(rounds, 4))


ESTIMATORS = {
    "median batch, median of 5 rounds (before)": median_batch_median_round,
    "batch quantile 25%": lambda r: quantile(r, 0.25),
    "batch quantile 10%": lambda r: quantile(r, 0.10),
    "batch quantile 5%": lambda r: quantile(r, 0.05),
    "batch quantile 2%": lambda r: quantile(r, 0.02),
    "batch quantile 1%": lambda r: quantile(r, 0.01),
    "fastest batch": lambda r: kth(r, 0),
    "5th fastest batch (now)": lambda r: kth(r, 4),
    "rounds only: median of 5": lambda r: statistics.median_high(x[1] / x[0] for x in pooled(r, 4)),
    "rounds only: fastest of 5 (now)": lambda r: min(x[1] / x[0] for x in pooled(r, 4)),
    "rounds only: fastest of 20": lambda r: min(x[1] / x[0] for x in r),
}


def main():
    runs = load(sys.argv[1])
    names = sorted(n for n in runs[0] if all(n in r for r in runs))
    print(f"{len(runs)} runs, {len(names)} benchmarks; spread = max/min over runs")
    print(f"{'estimator':42s} {'median':>7s} {'worst':>7s}")
    for label, fn in ESTIMATORS.items():
        spreads = []
        for n in names:
            vals = [fn(r[n]) for r in runs]
            spreads.append(max(vals) / min(vals))
        print(f"{label:42s} {statistics.median(spreads):6.3f}x {max(spreads):6.3f}x")


if __name__ == "__main__":
    main()
