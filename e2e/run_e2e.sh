#!/bin/bash
# One e2e test as a Bazel test: the Python script ($1) with the ferry binary
# ($2), from the runfiles root, under Debian's /usr/bin/python3 (the one the
# python3-kubernetes and python3-yaml packages install for).
set -euo pipefail
script="$1"
shift
export PYTHONPATH="$(dirname "$script")${PYTHONPATH:+:$PYTHONPATH}"
exec /usr/bin/python3 -u "$script" "$@"
