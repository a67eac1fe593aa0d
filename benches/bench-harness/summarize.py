"""Reads the outputs run.sh collected and prints wall times and spreads side by side."""

import glob
import os
import re
import statistics
import sys

UNITS = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}


def sextant(text):
    """Go's benchmark format: BenchmarkName/sub-P  N  X ns/op ..."""
    res = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 4 and f[0].startswith("Benchmark") and f[3] == "ns/op":
            name = re.sub(r"-\d+$", "", f[0][len("Benchmark"):])
            res[name] = float(f[2])
    return res


def criterion(text):
    """'Name   time:   [lo unit mid unit hi unit]', the name sometimes on the line before."""
    res, last = {}, None
    for line in text.splitlines():
        m = re.match(r"^(\S+)?\s+time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", line)
        if m:
            name = m.group(1) or last
            res[name] = float(m.group(2)) * UNITS[m.group(3)]
        elif line and not line[0].isspace():
            last = line.split()[0]
    return res


DIVAN_NAMES = {
    "string_contains": "StringContains",
    "rune_count_len": "RuneCount/{}/len",
    "rune_count_utf8": "RuneCount/{}/utf8",
    "string_builder": "StringBuilder/n={}",
    "sort": "Sort/n={}",
}


def divan(text):
    """divan's tree table; the median is the third column."""
    lines = text.splitlines()
    header = next((l for l in lines if "median" in l and "fastest" in l), None)
    if header is None:
        return {}
    seps = [i for i, c in enumerate(header) if c == "│"]
    res, parent = {}, None
    for line in lines[lines.index(header) + 1:]:
        if len(line) <= seps[0]:
            continue
        cols = [line[: seps[0]]] + [line[a + 1 : b] for a, b in zip(seps, seps[1:] + [len(line)])]
        m = re.match(r"^([│ ]*)[├╰]─ (\S+)", cols[0])
        if not m:
            continue
        label = m.group(2).strip('"')
        median = cols[2].split()
        if len(m.group(1)) == 0:
            parent = label
            if not median:
                continue
            name = DIVAN_NAMES.get(label, label)
        else:
            name = DIVAN_NAMES.get(parent, parent + "/{}").format(label)
        if median:
            res[name] = float(median[0]) * UNITS[median[1]]
    return res


def load(out, harness, parse):
    runs, walls = [], []
    for path in sorted(glob.glob(os.path.join(out, f"{harness}.*.txt"))):
        runs.append(parse(open(path, encoding="utf-8").read()))
        walls.append(float(open(path[:-4] + ".wall").read()))
    return runs, walls


def main(out):
    harnesses = [("sextant", sextant), ("criterion", criterion), ("divan", divan)]
    data = {h: load(out, h, p) for h, p in harnesses}
    print("wall time to finish the suite (seconds; median, min..max over runs)")
    base = statistics.median(data["sextant"][1]) if data["sextant"][1] else None
    for h, _ in harnesses:
        walls = data[h][1]
        if not walls:
            continue
        med = statistics.median(walls)
        ratio = f"{med / base:8.2f}x sextant" if base else ""
        print(f"  {h:10} {med:8.1f}  {min(walls):7.1f}..{max(walls):<7.1f} runs={len(walls)}  {ratio}")
    names = sorted({n for r in data["sextant"][0] for n in r})
    print()
    print("per benchmark: median ns/op over runs, spread = max/min over runs")
    print(f"  {'benchmark':24}" + "".join(f"{h + ' ns/op':>18}{'spread':>9}" for h, _ in harnesses))
    spreads = {h: [] for h, _ in harnesses}
    for n in names:
        row = f"  {n:24}"
        for h, _ in harnesses:
            vals = [r[n] for r in data[h][0] if n in r]
            if len(vals) < 2:
                row += f"{'-':>18}{'-':>9}"
                continue
            s = max(vals) / min(vals)
            spreads[h].append(s)
            row += f"{statistics.median(vals):18.2f}{s:8.2f}x"
        print(row)
    print()
    print("spread over all benchmarks (max/min per benchmark): median, worst")
    for h, _ in harnesses:
        if spreads[h]:
            print(f"  {h:10} median {statistics.median(spreads[h]):.3f}x  worst {max(spreads[h]):.3f}x")


if __name__ == "__main__":
    main(sys.argv[1])
