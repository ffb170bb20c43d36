"""Checks a runner's results.json for examples/rust-criterion-versions.

usage: check_versions.py RESULTS_JSON [WARMUP [MAJOR...]]

Each target is one suite, written against one criterion major version and
switched with the rename at that version. This checks that every suite
reported exactly its benchmarks, each ok, through the compat crate of its
own version (the hello's version names it), with the exact numbers of the
known workloads after WARMUP warm-up calls (default 1, MEMTALLY_WARMUP's
default), in the suites of the MAJOR versions given (default all).
"""

import json
import sys

VERSIONS = {"0.3": "0.3.6", "0.4": "0.4.0", "0.5": "0.5.1", "0.6": "0.6.0", "0.7": "0.7.0", "0.8": "0.8.2"}

F = "benches/suite.rs::"
COMMON = {
    "vec_u64_with_capacity": dict(alloc_count=1, total_bytes=8000, free_count=1, peak_bytes=8000, leaked_count=0, leaked_bytes=0),
    "bytes::string_push_100": dict(alloc_count=5, total_bytes=248, free_count=5, peak_bytes=128, leaked_count=0, leaked_bytes=0),
    "sum::vec[10]": dict(alloc_count=1, total_bytes=80, free_count=1, peak_bytes=80, leaked_count=0, leaked_bytes=0),
    # The input is built before the window and dropped after it.
    "sum::batched_ref": dict(alloc_count=0, total_bytes=0, free_count=0, peak_bytes=0),
    "sum::batched": dict(alloc_count=0, total_bytes=0, free_count=0, peak_bytes=0),
    # iter_with_large_drop drops the output after the window.
    "sum[4096]": dict(alloc_count=1, total_bytes=4096, free_count=0, peak_bytes=4096, leaked_count=1, leaked_bytes=4096),
    "configured_box_64": dict(alloc_count=1, total_bytes=64, free_count=1, peak_bytes=64, leaked_count=0, leaked_bytes=0),
}
# A table built by the first call and kept: cold, its one block, never
# freed; warm, nothing.
LAZY = {
    "cold": dict(alloc_count=1, total_bytes=4096, free_count=0, peak_bytes=4096, leaked_count=1, leaked_bytes=4096),
    "warm": dict(alloc_count=0, total_bytes=0, free_count=0, peak_bytes=0, leaked_count=0, leaked_bytes=0),
}
# criterion 0.3's bench_function_over_inputs, removed in 0.4.
ONLY = {
    "0.3": {
        "over[16]": dict(alloc_count=1, total_bytes=16, free_count=1, leaked_bytes=0),
        "over[32]": dict(alloc_count=1, total_bytes=32, free_count=1, leaked_bytes=0),
    },
}


def main(results_path, warmup=1, majors=tuple(VERSIONS)):
    with open(results_path) as f:
        results = json.load(f)
    failures = []
    if not results.get("complete"):
        failures.append("results.json is not complete")
    targets = {t["name"]: t for t in results["targets"]}
    checked = 0
    common = {**COMMON, "lazy_table": LAZY["cold" if warmup == 0 else "warm"]}
    for major in majors:
        version = VERSIONS[major]
        name = f"criterion-{major}"
        target = targets.get(name)
        if target is None:
            failures.append(f"{name}: target missing")
            continue
        if target["status"] != "ok":
            failures.append(f"{name}: target status {target['status']}: {target.get('reason')}")
        hello = [(i["name"], i["version"]) for i in target.get("integrations", [])]
        if hello != [("memtally-criterion", version)]:
            failures.append(f"{name}: integrations {hello}, want memtally-criterion {version}")
        want = {F + k: v for k, v in {**common, **ONLY.get(major, {})}.items()}
        records = [r for r in results["benchmarks"] if r["target"] == name]
        uris = sorted(r["uri"] for r in records)
        if uris != sorted(want):
            failures.append(f"{name}: URIs {uris}, want {sorted(want)}")
        for rec in records:
            checked += 1
            if rec["status"] != "ok":
                failures.append(f"{name} {rec['uri']}: status {rec['status']}: {rec.get('reason')}")
            for key, value in want.get(rec["uri"], {}).items():
                if rec.get(key) != value:
                    failures.append(f"{name} {rec['uri']}: {key} = {rec.get(key)}, want {value}")
    for msg in failures:
        print(f"FAIL {msg}", file=sys.stderr)
    if failures:
        return 1
    print(f"criterion versions: {checked} records of {len(majors)} suites checked (warm-up {warmup}): URIs, compat version, exact numbers")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2 or any(m not in VERSIONS for m in sys.argv[3:]):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    warmup = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    sys.exit(main(sys.argv[1], warmup, tuple(sys.argv[3:]) or tuple(VERSIONS)))
