#!/usr/bin/env bash
# The whole test suite: unit tests of every module, integration tests that start real
# servers and kill real aloft processes, schemathesis fuzzing of the REST API, and
# coverage-guided fuzzing of the parsers (ALOFT_FUZZ_SECONDS per parser, default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-temporal.sh >/dev/null
scripts/install-a2a-sdk.sh
scripts/install-model-sdks.sh
scripts/install-mcp.sh
scripts/install-grpc-python.sh
swift build --build-tests
# At most 6 tests at a time: each of many starts servers and processes, and on 2 cores
# an unbounded start of all of them starves the ones that wait on a deadline.
swift test --skip-build --experimental-maximum-parallelization-width 6 2>&1 | tee .build/test-output.txt | grep -vE "^\[[0-9]+/[0-9]+\]"
scripts/fuzz-api.sh
scripts/fuzz.sh
