#!/usr/bin/env bash
# The no-edit route: installs the integration into a temporary prefix and
# builds tests/plain, which links -lbenchmark_main -lbenchmark, first as is
# and then with CPATH and LDFLAGS pointing at memtally.
# Usage: drop_in.sh CMAKE_BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
runner=${MEMTALLY_RUNNER:?MEMTALLY_RUNNER must name the runner binary}
plain=$(cd "$(dirname "$0")/plain" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake -DCMAKE_INSTALL_PREFIX="$work/prefix" -P "$build/cmake_install.cmake" >/dev/null
dropin=$(dirname "$(find "$work/prefix" -path '*/memtally-benchmark/drop-in/libbenchmark.so')")
mkdir "$work/plain" "$work/dropin"

echo "-- built as is: plain google-benchmark"
make -s -C "$plain" OUT="$work/plain"
if nm "$work/plain/plain_bench" | grep -q Memtally; then
	echo "the plain build picked up memtally" >&2
	exit 1
fi

echo "-- built with CPATH and LDFLAGS, under the runner"
CPATH=$work/prefix/include/memtally-benchmark LDFLAGS=-L$dropin \
	make -s -C "$plain" OUT="$work/dropin"
(cd "$plain" && "$runner" run --name plain --out "$work/out" -- "$work/dropin/plain_bench") >"$work/stdout" 2>&1 || {
	cat "$work/stdout"
	exit 1
}
python3 - "$work/out/results.json" <<'PY'
import json, sys
records = json.load(open(sys.argv[1]))["benchmarks"]
got = [(r["uri"], r["status"], r["alloc_count"], r["total_bytes"]) for r in records]
# make compiled bench/plain_bench.cc by that relative path.
assert got == [
    ("bench/plain_bench.cc::BM_Reserve", "ok", 1, 1000),
    ("bench/plain_bench.cc::BM_Empty/1", "ok", 0, 0),
], got
print("ok: drop-in build measured per benchmark")
PY

echo "-- the drop-in build outside the runner: plain output"
"$work/dropin/plain_bench" --benchmark_min_time=0.001 >"$work/stdout" 2>&1
grep -q '^BM_Empty/1 ' "$work/stdout"
if grep -q "memtally:" "$work/stdout"; then
	exit 1
fi
echo "drop-in: all checks passed"
