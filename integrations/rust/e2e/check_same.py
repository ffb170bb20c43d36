"""Checks that a second run of an example's target gave the numbers of the first.

usage: check_same.py FIRST_RESULTS TARGET SECOND_RESULTS [cold]

FIRST_RESULTS holds a run of the example's targets with the default warm-up,
SECOND_RESULTS one more run of its TARGET. Every benchmark of the second run
must have exactly the numbers it had in the first: the same code gives the
same numbers. With `cold`, the second run measured each body's first call
(MEMTALLY_WARMUP=0): then `lazy_table`, whose first call builds its table,
must show that table, and every other benchmark the numbers it had warm,
since their first calls allocate as their later ones do.
"""

import json
import sys

NUMBERS = ["alloc_count", "total_bytes", "free_count", "peak_bytes", "leaked_count", "leaked_bytes"]
LAZY_COLD = dict(alloc_count=1, total_bytes=4096, free_count=0, peak_bytes=4096, leaked_count=1, leaked_bytes=4096)


def main(first_path, target, second_path, cold=False):
    first = {r["uri"]: r for r in json.load(open(first_path))["benchmarks"] if r["target"] == target}
    second = {r["uri"]: r for r in json.load(open(second_path))["benchmarks"]}
    failures = []
    if not first:
        failures.append(f"{first_path}: no benchmarks of target {target}")
    if sorted(first) != sorted(second):
        failures.append(f"URIs differ: {sorted(first)} and {sorted(second)}")
    for uri in sorted(set(first) & set(second)):
        got = {k: second[uri].get(k) for k in NUMBERS}
        want = {k: first[uri].get(k) for k in NUMBERS}
        if cold and uri.endswith("::lazy_table"):
            want = LAZY_COLD
        if second[uri]["status"] != "ok":
            failures.append(f"{uri}: status {second[uri]['status']}")
        if got != want:
            failures.append(f"{uri}: {got}, want {want}")
    for msg in failures:
        print(f"FAIL {msg}", file=sys.stderr)
    if failures:
        return 1
    kind = "cold first calls" if cold else "a second run"
    print(f"{target}: {len(second)} benchmarks of {kind} have the numbers of the first run"
          + (", but lazy_table, which shows its table" if cold else ""))
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5) or sys.argv[4:] not in ([], ["cold"]):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:4], cold=len(sys.argv) == 5))
