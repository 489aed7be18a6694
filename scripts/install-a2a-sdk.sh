#!/usr/bin/env bash
# Installs the official A2A SDK clients the A2A tests drive Aloft with, from PyPI: a2a-sdk
# 1.3.0 (protocol 1.0, and 0.3 through its compat transport) into .build/a2a-sdk-1.3.0 and
# a2a-sdk 0.3.26 (protocol 0.3) into .build/a2a-sdk-0.3.26. The SDK's server extra is
# installed too: tests also run its reference server as the remote agent of an A2A tool.
set -euo pipefail
cd "$(dirname "$0")/.."
for version in 1.3.0 0.3.26; do
  venv=.build/a2a-sdk-$version
  if ! "$venv/bin/python" -c "import a2a, uvicorn" 2>/dev/null; then
    echo "installing a2a-sdk $version from PyPI…" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "a2a-sdk[http-server]==$version" uvicorn
  fi
done
