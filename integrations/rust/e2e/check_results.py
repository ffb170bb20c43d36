"""Checks a runner's results.json for one of the Rust examples.

usage: check_results.py divan|criterion RESULTS_JSON TRACE_FILE [WARMUP]

The example benchmarks log `<label> <CLOCK_MONOTONIC ns> <pid>` lines to
TRACE_FILE from each body and each setup (src/probe.rs). This script checks
that every target reported exactly the expected benchmarks, each ok, each body
run WARMUP times (default 1, MEMTALLY_WARMUP's default) before its window and
once inside it, each setup outside it, and the exact memory numbers of the
workloads whose allocations are known.
"""

import json
import sys
from collections import defaultdict

ALLOCATORS = {"system": "alloc", "jemalloc": "alloc_jemalloc", "mimalloc": "alloc_mimalloc"}

# Workloads every allocator variant runs, as (name, body label).
WORKLOADS = [
    ("empty", None),
    ("vec_u64_with_capacity", "vec_u64_with_capacity"),
    ("string_push_100", "string_push_100"),
    ("leak_box_4096", "leak_box_4096"),
]

# Exact numbers, by benchmark name after the file; the same under every
# allocator.
KNOWN = {
    "empty": dict(alloc_count=0, total_bytes=0, free_count=0, peak_bytes=0, leaked_count=0, leaked_bytes=0),
    "vec_u64_with_capacity": dict(alloc_count=1, total_bytes=8000, free_count=1, peak_bytes=8000, leaked_count=0, leaked_bytes=0),
    "string_push_100": dict(alloc_count=5, total_bytes=248, free_count=5, peak_bytes=128, leaked_count=0, leaked_bytes=0),
    "leak_box_4096": dict(alloc_count=1, total_bytes=4096, free_count=0, peak_bytes=4096, leaked_count=1, leaked_bytes=4096),
}
STRING_GROWTH = [0, 8, 16, 32, 64, 128, 0]

# A table built by the first call and kept: cold, its one block, never
# freed; warm, nothing.
LAZY = {
    "cold": dict(alloc_count=1, total_bytes=4096, free_count=0, peak_bytes=4096, leaked_count=1, leaked_bytes=4096),
    "warm": dict(alloc_count=0, total_bytes=0, free_count=0, peak_bytes=0, leaked_count=0, leaked_bytes=0),
}

# Setups that run once per benchmark, in the benchmark function before its
# routine is given; every other setup builds the input of one call, warm-up
# calls included.
SETUP_ONCE = {"setup:by_closure::sum"}

# Benchmarks of the system-allocator target besides the workloads:
# name -> (body label, setup label or None, exact numbers or None).
EXTRA = {
    "divan": {
        "vec_with_len[10]": ("vec_with_len[10]", None, dict(alloc_count=1, total_bytes=80, leaked_bytes=80)),
        "vec_with_len[100]": ("vec_with_len[100]", None, dict(alloc_count=1, total_bytes=800, leaked_bytes=800)),
        "vec_with_len[1000]": ("vec_with_len[1000]", None, dict(alloc_count=1, total_bytes=8000, leaked_bytes=8000)),
        "default_vec[u8]": ("u8", None, dict(alloc_count=1, total_bytes=64)),
        "default_vec[u64]": ("u64", None, dict(alloc_count=1, total_bytes=512)),
        "boxed_array[16]": ("boxed_array[16]", None, dict(alloc_count=1, total_bytes=16)),
        "boxed_array[256]": ("boxed_array[256]", None, dict(alloc_count=1, total_bytes=256)),
        "sum_values": ("sum_values", "setup:sum_values", dict(alloc_count=0, total_bytes=0)),
        "repeat_local[a]": ("repeat_local[a]", None, dict(alloc_count=1, total_bytes=100)),
        "repeat_local[bb]": ("repeat_local[bb]", None, dict(alloc_count=1, total_bytes=200)),
        "by_ref::sum": ("by_ref::sum", "setup:by_ref::sum", dict(alloc_count=0, total_bytes=0)),
        "by_closure::sum": ("by_closure::sum", "setup:by_closure::sum", dict(alloc_count=0, total_bytes=0)),
        "lazy_table": ("lazy_table", None, "lazy"),
    },
    "criterion": {
        "sum::batched": ("sum::batched", "setup:sum::batched", dict(alloc_count=0, total_bytes=0)),
        "sum::batched_ref": ("sum::batched_ref", "setup:sum::batched_ref", dict(alloc_count=0, total_bytes=0)),
        "sum::vec[10]": ("sum::vec[10]", None, dict(alloc_count=1, total_bytes=80, leaked_bytes=0)),
        "sum::vec[100]": ("sum::vec[100]", None, dict(alloc_count=1, total_bytes=800, leaked_bytes=0)),
        "sum[1000]": ("sum[1000]", None, dict(alloc_count=1, total_bytes=8000, leaked_bytes=0)),
        "collect::batched": ("collect::batched", "setup:collect::batched", None),
        "large_drop_4096": ("large_drop_4096", None, dict(alloc_count=1, total_bytes=4096, free_count=0)),
        "repeat[3]": ("repeat[3]", None, dict(alloc_count=1, total_bytes=6, leaked_bytes=0)),
        "lazy_table": ("lazy_table", None, "lazy"),
    },
}


def main(harness, results_path, trace_path, warmup=1):
    with open(results_path) as f:
        results = json.load(f)
    trace = defaultdict(list)  # (pid, label) -> [ns]
    with open(trace_path) as f:
        for line in f:
            label, ns, pid = line.rsplit(" ", 2)
            trace[(int(pid), label)].append(int(ns))

    failures = []

    def fail(msg):
        failures.append(msg)

    if not results.get("complete"):
        fail("results.json is not complete")
    by_target = defaultdict(list)
    for rec in results["benchmarks"]:
        by_target[rec["target"]].append(rec)
    targets = {t["name"]: t for t in results["targets"]}

    for alloc, bench in ALLOCATORS.items():
        name = f"{harness}-{alloc}"
        target = targets.get(name)
        if target is None:
            fail(f"{name}: target missing")
            continue
        if target["status"] != "ok":
            fail(f"{name}: target status {target['status']}: {target.get('reason')}")
        integrations = [i["name"] for i in target.get("integrations", [])]
        if integrations != [f"memtally-{harness}"]:
            fail(f"{name}: integrations {integrations}")

        prefix = f"benches/{bench}.rs::"
        expected = {}
        for wl, label in WORKLOADS:
            uri = prefix + (f"workloads::{wl}" if harness == "divan" else wl)
            expected[uri] = (label, None, KNOWN[wl])
        if alloc == "system":
            for short, spec in EXTRA[harness].items():
                expected[prefix + short] = spec

        records = by_target[name]
        uris = [r["uri"] for r in records]
        if len(uris) != len(set(uris)):
            fail(f"{name}: repeated URIs {sorted(uris)}")
        if set(uris) != set(expected):
            fail(f"{name}: URIs differ: missing {sorted(set(expected) - set(uris))}, unexpected {sorted(set(uris) - set(expected))}")

        for rec in records:
            uri = rec["uri"]
            if uri not in expected:
                continue
            label, setup, numbers = expected[uri]
            if numbers == "lazy":
                numbers = LAZY["cold" if warmup == 0 else "warm"]
            if rec["status"] != "ok":
                fail(f"{uri}: status {rec['status']}: {rec.get('reason')}")
            if rec.get("dropped_events", 0) != 0:
                fail(f"{uri}: {rec['dropped_events']} dropped events")
            start, stop = rec["start_ns"], rec["stop_ns"]
            if label is not None:
                hits = sorted(trace.get((rec["pid"], label), []))
                if len(hits) != 1 + warmup:
                    fail(f"{uri}: body ran {len(hits)} times, want {warmup} warm-up calls and one measured")
                elif not start <= hits[-1] <= stop:
                    fail(f"{uri}: body at {hits[-1]} outside its window [{start}, {stop}]")
                elif any(ns >= start for ns in hits[:-1]):
                    fail(f"{uri}: warm-up calls {hits[:-1]} not before its window starts at {start}")
            if setup is not None:
                hits = trace.get((rec["pid"], setup), [])
                want_setups = 1 if setup in SETUP_ONCE else 1 + warmup
                if len(hits) != want_setups:
                    fail(f"{uri}: setup ran {len(hits)} times, want {want_setups}")
                elif any(ns >= start for ns in hits):
                    fail(f"{uri}: setup at {hits} not before its window starts at {start}")
            for key, want in (numbers or {}).items():
                if rec.get(key) != want:
                    fail(f"{uri}: {key} = {rec.get(key)}, want {want}")
            if uri.endswith("string_push_100"):
                live = [p["live_bytes"] for p in rec.get("timeline", [])]
                growth = [v for i, v in enumerate(live) if i == 0 or v != live[i - 1]]
                if growth != STRING_GROWTH:
                    fail(f"{uri}: live bytes went {growth}, want {STRING_GROWTH}")

    for msg in failures:
        print(f"FAIL {msg}", file=sys.stderr)
    total = sum(len(v) for v in by_target.values())
    if failures:
        print(f"{harness}: {len(failures)} failures", file=sys.stderr)
        return 1
    print(f"{harness}: {total} benchmark records checked (warm-up {warmup}): URIs, one measured call after the warm-up, setup outside windows, exact numbers")
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5) or sys.argv[1] not in EXTRA:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    warmup = int(sys.argv[4]) if len(sys.argv) == 5 else 1
    sys.exit(main(*sys.argv[1:4], warmup=warmup))
