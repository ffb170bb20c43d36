#!/usr/bin/env bash
# End-to-end test of the C client: runs tests/e2e_bench under the real
# runner and without it. Usage: e2e.sh BENCH_BINARY
set -euo pipefail
bench=$(realpath "$1")
runner=${MEMTALLY_RUNNER:?MEMTALLY_RUNNER must name the runner binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# check WARMUP: the results and the phase log of a run whose harness ran
# WARMUP warm-up calls of each body before its window.
check() {
	python3 - "$work/out/results.json" "$work/log" "$1" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))
log = [l.split() for l in open(sys.argv[2])]
warmup = int(sys.argv[3])
want = ["tests/e2e_bench.c::alloc_1000_bytes", "tests/e2e_bench.c::empty",
        "tests/e2e_bench.c::lazy_table"]
records = results["benchmarks"]
assert [r["uri"] for r in records] == want, records
for r in records:
    assert r["status"] == "ok", r
    lines = [(p, int(ns)) for p, uri, ns in log if uri == r["uri"]]
    assert [p for p, _ in lines] == ["setup"] + ["warmup"] * warmup + ["body", "teardown"], lines
    for p, ns in lines:
        inside = r["start_ns"] <= ns <= r["stop_ns"]
        assert inside == (p == "body"), (r["uri"], p, ns, r["start_ns"], r["stop_ns"])
# The client adds nothing to a window: the empty body allocates nothing,
# the other exactly its one block; the lazy table costs its block cold, and
# nothing once warm.
numbers = {r["uri"]: (r["alloc_count"], r["total_bytes"], r["leaked_bytes"]) for r in records}
assert numbers[want[0]] == (1, 1000, 1000), numbers  # freed after the window
assert numbers[want[1]] == (0, 0, 0), numbers
assert numbers[want[2]] == ((1, 4096, 4096) if warmup == 0 else (0, 0, 0)), numbers
integ = results["targets"][0]["integrations"]
assert [(i["name"], i["protocol_version"]) for i in integ] == [("memtally-c-e2e", 1)], integ
print(f"ok (warm-up {warmup}): one record per benchmark, bodies inside their windows, the rest outside")
PY
}

# run WARMUP: the bench under the runner, with MEMTALLY_WARMUP=WARMUP
# ("unset": without the variable, as under a runner that predates it).
run() {
	rm -rf "$work/out" "$work/log"
	local env=(env -u MEMTALLY_WARMUP)
	[ "$1" = unset ] || env+=("MEMTALLY_WARMUP=$1")
	# Set in the command, over whatever the runner sets.
	MEMTALLY_TEST_LOG=$work/log "$runner" run --name c-e2e --out "$work/out" -- "${env[@]}" "$bench" >"$work/stdout" 2>"$work/stderr" || {
		cat "$work/stdout" "$work/stderr"
		exit 1
	}
	grep -qx 'under runner: yes' "$work/stdout"
}

echo "-- under the runner, warm: one warm-up call when the variable is absent"
run unset && check 1
echo "-- under the runner, cold: MEMTALLY_WARMUP=0"
run 0 && check 0
echo "-- under the runner, MEMTALLY_WARMUP=3"
run 3 && check 3

echo "-- a MEMTALLY_WARMUP that is not a number stops the harness, with the reason"
status=0
out=$(MEMTALLY_WARMUP=-1 MEMTALLY_TEST_LOG=$work/bad-log "$bench" 2>&1) || status=$?
[ "$status" -eq 1 ] || { echo "exit status $status, want 1: $out"; exit 1; }
[ "$out" = 'memtally: read MEMTALLY_WARMUP: "-1" is not a number of calls (0 to 4294967295)' ] || { echo "unexpected output: $out"; exit 1; }
[ ! -s "$work/bad-log" ] || { echo "benchmarks ran:"; cat "$work/bad-log"; exit 1; }

echo "-- without the runner"
rm -f "$work/log"
out=$(env -u MEMTALLY_CTL_FIFO -u MEMTALLY_ACK_FIFO MEMTALLY_TEST_LOG=$work/log "$bench" 2>&1)
[ "$out" = "under runner: no" ] || { echo "unexpected output: $out"; exit 1; }
[ "$(grep -c '^body ' "$work/log")" -eq 3 ]

echo "-- stale environment: a fifo nobody reads is quietly ignored"
mkfifo "$work/ctl" "$work/ack"
out=$(MEMTALLY_CTL_FIFO=$work/ctl MEMTALLY_ACK_FIFO=$work/ack "$bench" 2>&1)
[ "$out" = "under runner: no" ] || { echo "unexpected output: $out"; exit 1; }

echo "-- broken environment: a regular file stops the harness, with the reason"
touch "$work/file"
status=0
out=$(MEMTALLY_CTL_FIFO=$work/file MEMTALLY_ACK_FIFO=$work/ack MEMTALLY_TEST_LOG=$work/broken-log "$bench" 2>&1) || status=$?
[ "$status" -eq 1 ] || { echo "exit status $status, want 1: $out"; exit 1; }
[ "$out" = "memtally: cannot measure under the runner: cannot use $work/file (not a fifo)" ] || { echo "unexpected output: $out"; exit 1; }
[ ! -s "$work/broken-log" ] || { echo "benchmarks ran unmeasured:"; cat "$work/broken-log"; exit 1; }

echo "-- a runner that never answers: gone after the 5 s timeout"
# Hold both fifos open read-write, as a runner does, but never reply.
exec 3<>"$work/ctl" 4<>"$work/ack"
start=$(date +%s)
out=$(MEMTALLY_CTL_FIFO=$work/ctl MEMTALLY_ACK_FIFO=$work/ack "$bench" 2>&1)
elapsed=$(($(date +%s) - start))
exec 3>&- 4>&-
grep -q 'memtally: runner gone, running as the plain harness: no reply within 5 s' <<<"$out" || { echo "unexpected output: $out"; exit 1; }
grep -qx 'under runner: no' <<<"$out"
[ "$elapsed" -ge 5 ] && [ "$elapsed" -le 8 ] || { echo "timeout took ${elapsed}s"; exit 1; }
echo "e2e: all checks passed"
