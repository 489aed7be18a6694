#!/usr/bin/env bash
# The whole test suite: unit tests of every module and the integration tests that
# start real servers (fake model servers over HTTP) and kill real aloft processes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build 2>&1 | tee .build/test-output.txt | grep -vE "^\[[0-9]+/[0-9]+\]" 
