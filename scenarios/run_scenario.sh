#!/bin/bash
# One scenario as a Bazel test: `ferry scenario run FILE` from the runfiles
# root, where the scenario's relative paths resolve.
set -euo pipefail
exec "$1" scenario run "$2"
