#!/bin/sh
# Replaces the vendored uPlot with the pinned release from the npm
# registry. Bump VERSION, run this, and check the report's browser test.
set -eu
VERSION=1.6.32
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "uplot@$VERSION" >/dev/null && tar xzf "uplot-$VERSION.tgz")
cp "$tmp/package/dist/uPlot.iife.min.js" "$tmp/package/dist/uPlot.min.css" "$tmp/package/LICENSE" .
echo "$VERSION" > VERSION
