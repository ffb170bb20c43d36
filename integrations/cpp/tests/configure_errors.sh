#!/usr/bin/env bash
# A configure without google-benchmark's source, or with the source of
# another version than memtally's hooks are written for, stops with the
# reason instead of building something that would misbehave.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

expect_failure() {
	local name=$1 want=$2
	shift 2
	if cmake -S "$src" -B "$work/$name" "$@" >"$work/$name.log" 2>&1; then
		echo "$name: configure succeeded" >&2
		exit 1
	fi
	# CMake wraps messages: compare with the lines joined.
	tr '\n' ' ' <"$work/$name.log" | tr -s ' ' | grep -qF "$want" || {
		cat "$work/$name.log"
		exit 1
	}
	# Nothing was generated to build.
	if [ -e "$work/$name/Makefile" ]; then
		echo "$name: a Makefile was generated" >&2
		exit 1
	fi
	echo "ok: $name"
}

expect_failure missing "no google-benchmark source in $work/none: run integrations/cpp/setup" \
	-DMEMTALLY_BENCHMARK_SOURCE_DIR="$work/none"

mkdir -p "$work/other/src"
touch "$work/other/src/benchmark.cc"
printf 'project (benchmark VERSION 1.8.3 LANGUAGES CXX)\n' >"$work/other/CMakeLists.txt"
expect_failure version "google-benchmark 1.8.3 in $work/other: memtally needs 1.7.1" \
	-DMEMTALLY_BENCHMARK_SOURCE_DIR="$work/other"
echo "configure errors: all checks passed"
