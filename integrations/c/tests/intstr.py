"""Rewrites vectors.json with every integer as a decimal string, so that a
C JSON library whose numbers are doubles or int64 reads values up to 2^64-1
exactly."""
import json
import sys


def strings(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dict):
        return {k: strings(x) for k, x in v.items()}
    if isinstance(v, list):
        return [strings(x) for x in v]
    return v


with open(sys.argv[1]) as src:
    data = json.load(src)
with open(sys.argv[2], "w") as dst:
    json.dump(strings(data), dst)
