#!/usr/bin/env bash
# Builds examples/cpp-google-benchmark, a plain google-benchmark CMake
# project, against memtally's package in CMAKE_BUILD_DIR from a fresh
# configure with CMAKE_PREFIX_PATH alone, and runs it with its own
# codspeed.toml under the runner, and as plain google-benchmark.
# Usage: example.sh CMAKE_BUILD_DIR
set -euo pipefail
prefix=$(realpath "$1")
runner=${MEMTALLY_RUNNER:?MEMTALLY_RUNNER must name the runner binary}
example=$(git rev-parse --show-toplevel)/examples/cpp-google-benchmark
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset CPATH CPLUS_INCLUDE_PATH LIBRARY_PATH LDFLAGS CPPFLAGS CXXFLAGS LD_LIBRARY_PATH

# A fresh configure: nothing cached from an earlier build of the example
# (its own build of the package, in build/memtally, may stay).
if [ -d "$example/build" ]; then
	find "$example/build" -mindepth 1 -maxdepth 1 ! -name memtally -exec rm -rf {} +
fi
make -s -C "$example" bench bench-debian MEMTALLY_PREFIX="$prefix"
# The suite found memtally's package, not the system's.
grep -q "^benchmark_DIR:PATH=$prefix/" "$example/build/CMakeCache.txt" || {
	grep '^benchmark_DIR' "$example/build/CMakeCache.txt"
	exit 1
}
# Not `ldd | grep -q`: grep leaving at the first match can kill ldd with
# SIGPIPE, which pipefail turns into a failure.
ldd "$example/build/bench" >"$work/ldd"
grep -q "libbenchmark\.so\.1 => $prefix/" "$work/ldd" || {
	cat "$work/ldd"
	exit 1
}
# The other build is linked against Debian's library, by the plain names.
debian=$(ldd "$example/build/bench-debian" | awk '$1 == "libbenchmark.so.1debian" {print $3}')
case "$debian" in
/usr/lib/* | /lib/*) ;;
*)
	ldd "$example/build/bench-debian"
	exit 1
	;;
esac
echo "-- under the runner, with the example's codspeed.toml"
(cd "$example" && "$runner" --config codspeed.toml --out "$work/out") >"$work/stdout" 2>&1 || {
	cat "$work/stdout"
	exit 1
}
python3 - "$work/out/results.json" <<'PY'
import json, sys
benchmarks = json.load(open(sys.argv[1]))["benchmarks"]
names = [
    "string_bench.cpp::BM_Words/8", "string_bench.cpp::BM_Words/64",
    "string_bench.cpp::BM_Words/512", "string_bench.cpp::BM_Join",
    "container_bench.cpp::BM_VectorReserve", "container_bench.cpp::BM_Empty",
    "container_bench.cpp::Corpus/Frequencies",
]
# The CMake build's URIs name the file; the prebuilt one's, switched by
# LD_LIBRARY_PATH, are the instance names. The numbers are the same.
for target, uri in (("textstats", lambda n: "bench/" + n),
                    ("textstats-prebuilt", lambda n: n.split("::")[1])):
    records = {r["uri"]: r for r in benchmarks if r["target"] == target}
    want = [uri(n) for n in names]
    assert sorted(records) == sorted(want), (target, sorted(records))
    assert all(r["status"] == "ok" for r in records.values()), records
    def numbers(name):
        r = records[uri("container_bench.cpp::" + name)]
        return r["alloc_count"], r["total_bytes"], r["leaked_bytes"]
    assert numbers("BM_VectorReserve") == (1, 1000, 0), numbers("BM_VectorReserve")
    assert numbers("BM_Empty") == (0, 0, 0), numbers("BM_Empty")
    # Eight distinct words, one map node each: the corpus built in SetUp is
    # not in the window.
    assert numbers("Corpus/Frequencies")[0] == 8, numbers("Corpus/Frequencies")
assert len(benchmarks) == 2 * len(names), len(benchmarks)
print("ok: example records and exact numbers")
PY

echo "-- without the runner: plain output, and the benchmarks' own checks pass"
for bin in bench bench-debian; do
	"$example/build/$bin" --benchmark_min_time=0.001 >"$work/plain" 2>&1
	if grep -q 'ERROR OCCURRED' "$work/plain"; then
		cat "$work/plain"
		exit 1
	fi
	for name in BM_Words/512 BM_Join BM_VectorReserve BM_Empty Corpus/Frequencies; do
		grep -q "^$name " "$work/plain" || { echo "missing $name in $bin" >&2; exit 1; }
	done
done

echo "-- MEMTALLY_SOURCE_ROOT set at configure: URIs relative to it"
cmake -S "$example" -B "$work/rooted" -DCMAKE_PREFIX_PATH="$prefix" \
	-DMEMTALLY_SOURCE_ROOT="$example/bench" >/dev/null
cmake --build "$work/rooted" -j2 >/dev/null
"$runner" run --name rooted --out "$work/rooted-out" -- \
	"$work/rooted/bench" --benchmark_filter='BM_Empty|BM_Join' >"$work/stdout" 2>&1 || {
	cat "$work/stdout"
	exit 1
}
python3 - "$work/rooted-out/results.json" <<'PY'
import json, sys
uris = sorted(r["uri"] for r in json.load(open(sys.argv[1]))["benchmarks"])
assert uris == ["container_bench.cpp::BM_Empty", "string_bench.cpp::BM_Join"], uris
print("ok: URIs relative to MEMTALLY_SOURCE_ROOT")
PY
echo "example: all checks passed"
