#!/usr/bin/env bash
# Aloft's main job, offline: builds the CLI and runs the demo agent on the scripted
# provider (no API key, no network). Extra arguments replace the question.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "building aloft (the first build takes several minutes)…" >&2
swift build --product aloft -c release 2>&1 | grep -E "error|warning: |Compiling aloft|Build complete" >&2 || true
[ -x .build/release/aloft ] || { echo "error: the build failed; run 'swift build --product aloft -c release' to see why" >&2; exit 1; }
question="${*:-What can Aloft do?}"
exec .build/release/aloft run --agent examples/agents/demo.yaml "$question"
