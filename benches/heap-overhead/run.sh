#!/bin/sh
# The heap sampler's overhead: the same workload (2 threads, about 20M allocation calls)
# under the system allocator, sextant's Sampler<System> at the default rate, dhat, plain
# jemalloc and jemalloc with its sampling profiler; runs interleaved, medians of RUNS
# (default 5), ratios against the system allocator (and jemalloc-prof against jemalloc).
#
#   benches/heap-overhead/run.sh [RUNS]
#
# dhat takes about 40 times as long as the others; HEAP_BENCH_SKIP_DHAT=1 leaves it out.
set -eu
cd "$(dirname "$0")"
runs=${1:-5}
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release
out=$(mktemp)
i=0
while [ "$i" -lt "$runs" ]; do
    "$bin/system" >>"$out"
    "$bin/sextant" >>"$out" 2>/dev/null
    [ -n "${HEAP_BENCH_SKIP_DHAT:-}" ] || "$bin/dhat" >>"$out" 2>/dev/null
    _RJEM_MALLOC_CONF=prof:false "$bin/jemalloc" jemalloc >>"$out"
    _RJEM_MALLOC_CONF=prof:true,lg_prof_sample:19 "$bin/jemalloc" jemalloc-prof >>"$out"
    i=$((i + 1))
done
"$bin/sextant" 2>&1 >/dev/null | sed 's/^/# /'
awk '
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
    for (f = 1; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
    c = v["config"]; wall[c] = wall[c] " " v["wall"]; cpu[c] = cpu[c] " " v["cpu"]
    if (!(c in seen)) { seen[c] = 1; order[++n] = c }
}
END {
    printf "%-14s %9s %9s %11s %11s\n", "config", "wall s", "cpu s", "cpu/system", "wall/system"
    bw = median(wall["system"]); bc = median(cpu["system"])
    for (k = 1; k <= n; k++) {
        c = order[k]; w = median(wall[c]); p = median(cpu[c])
        printf "%-14s %9.3f %9.3f %11.4f %11.4f\n", c, w, p, p / bc, w / bw
    }
    if ("jemalloc-prof" in seen)
        printf "jemalloc-prof / jemalloc: cpu %.4f, wall %.4f\n", median(cpu["jemalloc-prof"]) / median(cpu["jemalloc"]), median(wall["jemalloc-prof"]) / median(wall["jemalloc"])
}' "$out"
rm -f "$out"
