#!/usr/bin/env bash
# End-to-end test of memtally's google-benchmark: runs tests/bench_test under the
# real runner and without it, and tests/custom_main (own main(), own
# reporter, KeepRunningBatch). Usage: e2e.sh BENCH_TEST CUSTOM_MAIN
set -euo pipefail
bench=$(realpath "$1")
custom=$(realpath "$2")
runner=${MEMTALLY_RUNNER:?MEMTALLY_RUNNER must name the runner binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# under WARMUP [ARGS...]: runs the bench under the runner with
# MEMTALLY_WARMUP=WARMUP ("unset": without the variable, as under a runner
# that predates it, which means one call), and checks the results.
under() {
	local warmup=$1 calls=$1
	shift
	local env=(env -u MEMTALLY_WARMUP)
	if [ "$warmup" = unset ]; then calls=1; else env+=("MEMTALLY_WARMUP=$warmup"); fi
	rm -rf "$work/out" "$work/log"
	# Set in the command, over whatever the runner sets.
	MEMTALLY_TEST_LOG=$work/log "$runner" run --name cpp --out "$work/out" -- "${env[@]}" "$bench" "$@" >"$work/stdout" 2>"$work/stderr" || {
		cat "$work/stdout" "$work/stderr"
		exit 1
	}
	python3 - "$work/out/results.json" "$work/log" "$calls" <<'PY'
import json, sys
from collections import defaultdict

results = json.load(open(sys.argv[1]))
log = [line.split() for line in open(sys.argv[2])]
warmup = int(sys.argv[3])
main, other = "tests/bench_test.cpp::", "tests/bench_other.cpp::"
names = [
    "BM_Empty", "BM_Reserve", "BM_Concat/8", "BM_Concat/64",
    "BM_Range/8", "BM_Range/64", "BM_Args/1/2", "BM_Args/3/5", "BM_Args/4/5",
    "BM_Product/1/7", "BM_Product/2/7", "BM_Template<int>/4", "BM_KeepRunning",
    "custom_name", "BM_Iterations/iterations:50",
    # PauseTiming pauses the window: still one record.
    "BM_Paused", "BM_LazyStatic",
    "Fix/Fill", "Fix/Sized/16", "BM_Threads/threads:2", "BM_Capture/small",
    # BM_SkipBeforeLoop never enters its loop: no window.
    "TFix<long>/Build",
]
uris = [main + n for n in names] + [
    "BM_Runtime",  # registered without a macro: no file known
    other + "BM_Reserve",  # same name, other file, own URI
]
records = results["benchmarks"]
assert [r["uri"] for r in records] == uris, [r["uri"] for r in records]
windows = defaultdict(list)
for r in records:
    assert r["status"] == "ok", r
    windows[r["uri"]].append((r["start_ns"], r["stop_ns"]))

def uri_of(logged):
    if logged.startswith("other:"):
        return other + logged[len("other:"):]
    return "BM_Runtime" if logged == "BM_Runtime" else main + logged

def inside(uri, ns):
    return any(a <= ns <= b for a, b in windows[uri])

# Each instance's loop body ran once inside its window, and once per
# warm-up call before it (BM_Paused logs before and after its paused region;
# BM_Threads once per thread).
inside_bodies, before_bodies = defaultdict(int), defaultdict(int)
for phase, name, ns in log:
    if phase == "body":
        uri, ns = uri_of(name), int(ns)
        if inside(uri, ns):
            inside_bodies[uri] += 1
        else:
            assert all(ns < a for a, _ in windows[uri]), ("body after its window", name, ns)
            before_bodies[uri] += 1
per_call = {u: 1 for u in uris if u != main + "BM_Empty"}
per_call[main + "BM_Paused"] = 2
per_call[main + "BM_Threads/threads:2"] = 2
assert dict(inside_bodies) == per_call, dict(inside_bodies)
assert dict(before_bodies) == {u: n * warmup for u, n in per_call.items() if warmup}, dict(before_bodies)

# Setup before the loop and fixture SetUp/TearDown ran outside every
# window. Paused regions run inside their window's span; their allocations
# are left out of its numbers (checked below).
assert {p for p, _, _ in log if p != "body"} == {"setup", "teardown", "paused"}, log
outside = [(p, n, int(ns)) for p, n, ns in log if p in ("setup", "teardown")]
for phase, name, ns in outside:
    owners = [u for u in windows if u == main + name or u.startswith(main + name + "/")]
    assert owners, (phase, name)
    for u in owners:
        assert not inside(u, ns), (phase, "inside the window of", u, ns)

# The client and the harness add nothing to a window.
by_uri = {r["uri"]: r for r in records}
def numbers(uri):
    r = by_uri[uri]
    return r["alloc_count"], r["total_bytes"], r["leaked_bytes"]
assert numbers(main + "BM_Empty") == (0, 0, 0), numbers(main + "BM_Empty")
assert numbers(main + "BM_Reserve") == (1, 1000, 0), numbers(main + "BM_Reserve")
# The vector built while paused, and freed after ResumeTiming, is not the
# benchmark's: neither its allocation nor its free counts.
assert numbers(main + "BM_Paused") == (0, 0, 0), numbers(main + "BM_Paused")
assert by_uri[main + "BM_Paused"]["untracked_frees"] == 0, by_uri[main + "BM_Paused"]
# The lazily built table is the first call's: nothing once warm.
lazy = (2, 24 + 4000, 24 + 4000) if warmup == 0 else (0, 0, 0)
assert numbers(main + "BM_LazyStatic") == lazy, numbers(main + "BM_LazyStatic")
integ = results["targets"][0]["integrations"]
assert [i["name"] for i in integ] == ["memtally-google-benchmark"], integ
print("ok (warm-up %d): %d windows, bodies once inside them, warm-up calls before them, "
      "setup/teardown/paused outside" % (warmup, len(records)))
PY
	# The harness still prints its header and table, each instance once:
	# the warm-up repetitions, and statistics over them, are not shown.
	grep -qx "Running $bench" "$work/stderr"
	grep -q '^BM_Reserve ' "$work/stdout"
	[ "$(grep -c '^Fix/Sized/16 ' "$work/stdout")" -eq 1 ]
	if grep -Eq '_(mean|median|stddev|cv) ' "$work/stdout"; then
		echo "statistics over warm-up repetitions shown:" >&2
		cat "$work/stdout" >&2
		exit 1
	fi
}

echo "-- under the runner, without MEMTALLY_WARMUP: one warm-up call"
under unset
echo "-- under the runner, MEMTALLY_WARMUP=0: the cold first call"
under 0
echo "-- under the runner, MEMTALLY_WARMUP=2, and --benchmark_out: the file has the measured calls only"
under 2 --benchmark_out="$work/gb.json" --benchmark_out_format=json
python3 - "$work/gb.json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
names = [r["name"] for r in runs]
# One run per instance: the 24 with a window, and BM_SkipBeforeLoop.
assert len(names) == 25, names
assert all(r["run_type"] == "iteration" for r in runs), runs
assert "Fix/Sized/16" in names and "BM_LazyStatic" in names, names
PY
echo "-- a MEMTALLY_WARMUP that is not a number: the suite stops with the reason, running nothing"
rm -f "$work/log"
status=0
"$runner" run --name cpp --out "$work/out-bad" -- env MEMTALLY_WARMUP=x MEMTALLY_TEST_LOG=$work/log "$bench" >"$work/stdout" 2>"$work/stderr" || status=$?
[ "$status" -ne 0 ] || { echo "the runner exited 0" >&2; exit 1; }
grep -q 'memtally: read MEMTALLY_WARMUP: "x" is not a number of calls (0 to 4294967295)' "$work/stderr" || {
	echo "no reason on stderr:" >&2
	cat "$work/stdout" "$work/stderr" >&2
	exit 1
}
if grep -q '^body ' "$work/log" 2>/dev/null; then
	echo "benchmarks ran unmeasured" >&2
	exit 1
fi

echo "-- without the runner: plain google-benchmark"
rm -f "$work/log"
env -u MEMTALLY_CTL_FIFO -u MEMTALLY_ACK_FIFO MEMTALLY_TEST_LOG=$work/log \
	"$bench" --benchmark_min_time=0.001 >"$work/stdout" 2>"$work/stderr"
if grep -q "memtally:" "$work/stdout" "$work/stderr"; then
	echo "memtally printed something outside the runner" >&2
	exit 1
fi
grep -Eq '^Benchmark +Time +CPU +Iterations$' "$work/stdout"
grep -Eq '^BM_Iterations/iterations:50 .* 50$' "$work/stdout"
for name in BM_Empty BM_Reserve BM_Concat/64 'BM_Template<int>/4' custom_name Fix/Fill Fix/Sized/16; do
	grep -q "^$name " "$work/stdout" || { echo "missing $name" >&2; exit 1; }
done
# google-benchmark picks iteration counts itself again.
[ "$(grep -c '^body BM_Reserve ' "$work/log")" -gt 1 ]
[ "$(grep -c '^body BM_Iterations/iterations:50 ' "$work/log")" -eq 50 ]

echo "-- broken runner environment: the suite stops with the reason, running nothing"
rm -f "$work/log"
touch "$work/file"
status=0
MEMTALLY_CTL_FIFO=$work/file MEMTALLY_ACK_FIFO=$work/file MEMTALLY_TEST_LOG=$work/log \
	"$bench" >"$work/stdout" 2>"$work/stderr" || status=$?
[ "$status" -eq 1 ] || { echo "exit status $status, want 1" >&2; cat "$work/stdout" "$work/stderr" >&2; exit 1; }
grep -qx "memtally: cannot measure under the runner: cannot use $work/file (not a fifo)" "$work/stderr" || {
	echo "no reason on stderr:" >&2
	cat "$work/stderr" >&2
	exit 1
}
if grep -q '^body ' "$work/log" 2>/dev/null; then
	echo "benchmarks ran unmeasured" >&2
	exit 1
fi

echo "-- --benchmark_filter and --benchmark_list_tests under the runner"
MEMTALLY_TEST_LOG=/dev/null "$runner" run --name cpp --out "$work/out2" -- "$bench" --benchmark_filter='^Fix/' >"$work/stdout" 2>&1
python3 - "$work/out2/results.json" <<'PY'
import json, sys
uris = [r["uri"] for r in json.load(open(sys.argv[1]))["benchmarks"]]
assert uris == ["tests/bench_test.cpp::Fix/Fill", "tests/bench_test.cpp::Fix/Sized/16"], uris
PY
MEMTALLY_TEST_LOG=/dev/null "$runner" run --name cpp --out "$work/out3" -- "$bench" --benchmark_list_tests >"$work/stdout" 2>&1
grep -qx 'Fix/Sized/16' "$work/stdout"
# No integration connected, so the runner measured the command whole.
python3 -c 'import json, sys; assert [b["uri"] for b in json.load(open(sys.argv[1]))["benchmarks"]] == ["cpp"]' "$work/out3/results.json"
echo "-- own main() and reporter, under the runner and without it"
"$runner" run --name custom --out "$work/out4" -- "$custom" >"$work/stdout" 2>&1 || {
	cat "$work/stdout"
	exit 1
}
# The reporter's own output, and google-benchmark's, with the program name.
grep -q 'reported BM_Batch/3$' "$work/stdout"
grep -q 'reported BM_Plain$' "$work/stdout"
grep -qx "Running $custom" "$work/stdout"
grep -q 'ran 2$' "$work/stdout"
python3 - "$work/out4/results.json" <<'PY'
import json, sys
records = json.load(open(sys.argv[1]))["benchmarks"]
got = [(r["uri"], r["status"], r["alloc_count"], r["total_bytes"]) for r in records]
# KeepRunningBatch(10) runs its body once: one vector of 64 bytes.
assert got == [
    ("tests/custom_main.cpp::BM_Batch/3", "ok", 1, 64),
    ("tests/custom_main.cpp::BM_Plain", "ok", 0, 0),
], got
PY
env -u MEMTALLY_CTL_FIFO -u MEMTALLY_ACK_FIFO "$custom" --benchmark_min_time=0.001 >"$work/stdout" 2>&1
grep -q 'ran 2$' "$work/stdout"
echo "e2e: all checks passed"
