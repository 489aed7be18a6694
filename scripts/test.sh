#!/usr/bin/env bash
# The whole test suite: unit tests of every module, integration tests that start real
# servers and kill real aloft processes, and schemathesis fuzzing of the REST API.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build 2>&1 | tee .build/test-output.txt | grep -vE "^\[[0-9]+/[0-9]+\]"
scripts/fuzz-api.sh
