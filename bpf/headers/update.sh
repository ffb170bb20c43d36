#!/bin/sh
# Copies the libbpf headers that bpf/memtally.c includes from Debian 12's
# libbpf-dev, the version the committed copies came from. Run it only to move
# to a newer libbpf on purpose; scripts/gen-bpf then shows the effect as drift.
set -eu
want='1:1.1.2-0+deb12u1'
have=$(dpkg-query -W -f='${Version}' libbpf-dev)
if [ "$have" != "$want" ]; then
	echo "update.sh: libbpf-dev is $have, want $want (edit want to move on)" >&2
	exit 1
fi
cd "$(dirname "$0")"
for f in bpf_helpers.h bpf_helper_defs.h bpf_core_read.h; do
	cp "/usr/include/bpf/$f" "$f"
done
