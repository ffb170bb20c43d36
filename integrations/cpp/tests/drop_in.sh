#!/usr/bin/env bash
# The no-rebuild route: tests/plain, built against Debian's
# libbenchmark-dev by its plain names (-lbenchmark_main -lbenchmark
# -lpthread) with no flag of memtally's, then switched by LD_LIBRARY_PATH
# alone to memtally's libbenchmark, installed into a temporary prefix. A
# binary built against upstream's shared libbenchmark_main.so.1 switches
# the same way, and a make build with memtally's header gets file URIs.
# Usage: drop_in.sh CMAKE_BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
runner=${MEMTALLY_RUNNER:?MEMTALLY_RUNNER must name the runner binary}
plain=$(cd "$(dirname "$0")/plain" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Nothing of memtally's reaches the build but the library path at run time.
unset CPATH CPLUS_INCLUDE_PATH LIBRARY_PATH LDFLAGS CPPFLAGS CXXFLAGS LD_LIBRARY_PATH

cmake --install "$build" --prefix "$work/prefix" >/dev/null
lib=$(dirname "$(find "$work/prefix" -name libbenchmark.so.1debian)")

echo "-- built against Debian's libbenchmark-dev"
make -s -C "$plain" OUT="$work"
bin=$work/plain_bench
readelf -d "$bin" | grep -q 'NEEDED.*\[libbenchmark\.so\.1debian\]' || {
	readelf -d "$bin"
	exit 1
}
# Without the switch the loader finds Debian's library, not memtally's.
debian=$(ldd "$bin" | awk '$1 == "libbenchmark.so.1debian" {print $3}')
case "$debian" in
/usr/lib/* | /lib/*) ;;
*)
	ldd "$bin"
	exit 1
	;;
esac
LD_LIBRARY_PATH=$lib ldd "$bin" | grep -q "libbenchmark\.so\.1debian => $lib/" || {
	LD_LIBRARY_PATH=$lib ldd "$bin"
	exit 1
}

echo "-- memtally's library exports every symbol Debian's does"
# Debian's library defines no symbol versions: names are the whole ABI.
if readelf -V "$debian" | grep -q 'Version definition'; then
	echo "Debian's libbenchmark defines symbol versions; compare them too" >&2
	exit 1
fi
nm -D --defined-only "$debian" | awk '{print $3}' | sort -u >"$work/debian.syms"
nm -D --defined-only "$lib/libbenchmark.so.1debian" | awk '{print $3}' | sort -u >"$work/memtally.syms"
missing=$(comm -23 "$work/debian.syms" "$work/memtally.syms")
if [ -n "$missing" ]; then
	echo "missing from memtally's libbenchmark:" >&2
	echo "$missing" | c++filt >&2
	exit 1
fi
nm -D --undefined-only "$bin" | awk '{print $2}' | sort -u >"$work/imports"
imported=$(comm -12 "$work/imports" "$work/debian.syms" | wc -l)
[ "$imported" -gt 10 ] || {
	echo "the binary imports only $imported symbols of libbenchmark" >&2
	exit 1
}
echo "ok: all $(wc -l <"$work/debian.syms") exported, $imported of them imported by the binary"

check() {
	python3 - "$1" "${2:-}" <<'PY'
import json, sys
records = json.load(open(sys.argv[1]))["benchmarks"]
prefix = sys.argv[2]
got = [(r["uri"], r["status"], r["alloc_count"], r["total_bytes"], r["leaked_bytes"])
       for r in records]
# No header of memtally's: URIs are google-benchmark's instance names.
want = [
    ("BM_Reserve", "ok", 1, 1000, 0),
    ("BM_Empty/1", "ok", 0, 0, 0),
    # Iterations(50) still runs each body once, so each is one vector.
    ("BM_Fixed/100/iterations:50", "ok", 1, 100, 0),
    ("BM_Fixed/300/iterations:50", "ok", 1, 300, 0),
    # The 4096-byte block of the paused region is not counted.
    ("BM_Paused", "ok", 1, 24, 0),
    # The copy of SetUp's 64-byte string, not the string itself.
    ("Names/Copy", "ok", 1, 65, 0),
]
want = [(prefix + w[0],) + w[1:] for w in want]
assert got == want, got
print("ok: one window per benchmark, exact numbers")
PY
}

echo "-- under the runner, switched by LD_LIBRARY_PATH only"
(cd "$plain" && LD_LIBRARY_PATH=$lib "$runner" run --name plain --out "$work/out" -- "$bin") >"$work/stdout" 2>&1 || {
	cat "$work/stdout"
	exit 1
}
check "$work/out/results.json"

echo "-- outside the runner, with and without the switch: plain google-benchmark"
for env in "" "LD_LIBRARY_PATH=$lib"; do
	env $env "$bin" --benchmark_min_time=0.001 >"$work/stdout" 2>&1
	for name in BM_Reserve BM_Empty/1 BM_Fixed/300/iterations:50 BM_Paused Names/Copy; do
		grep -q "^$name " "$work/stdout" || {
			cat "$work/stdout"
			exit 1
		}
	done
	# google-benchmark's own iteration count, not memory mode's one.
	grep -q '^BM_Fixed/300/iterations:50 .* 50$' "$work/stdout" || {
		cat "$work/stdout"
		exit 1
	}
	if grep -q "memtally:" "$work/stdout"; then
		exit 1
	fi
done

echo "-- built against upstream's shared libbenchmark_main.so.1"
g++ -O2 -o "$work/upstream_bench" "$plain/bench/plain_bench.cc" \
	-I"$work/prefix/include" -L"$lib" -lbenchmark_main -lbenchmark -lpthread
readelf -d "$work/upstream_bench" | grep -q 'NEEDED.*\[libbenchmark_main\.so\.1\]'
(cd "$plain" && LD_LIBRARY_PATH=$lib "$runner" run --name plain --out "$work/out2" -- "$work/upstream_bench") >"$work/stdout" 2>&1 || {
	cat "$work/stdout"
	exit 1
}
check "$work/out2/results.json"

echo "-- rebuilt by make with memtally's header, as README.md says: file URIs"
mkdir "$work/rebuilt"
CPPFLAGS="-I$work/prefix/include/memtally-benchmark -I$work/prefix/include -DMEMTALLY_SOURCE_ROOT='\"$plain\"'" \
	LDFLAGS="-L$lib -Wl,-rpath,$lib" make -s -C "$plain" OUT="$work/rebuilt"
"$runner" run --name plain --out "$work/out3" -- "$work/rebuilt/plain_bench" >"$work/stdout" 2>&1 || {
	cat "$work/stdout"
	exit 1
}
check "$work/out3/results.json" "bench/plain_bench.cc::"
echo "drop-in: all checks passed"
