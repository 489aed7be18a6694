#!/usr/bin/env bash
# Installs the official MCP Python SDK (`mcp` from PyPI) whose servers the MCP tool tests
# start (Tests/MCPPeers/tools_server.py): mcp 2.3.0 into .build/mcp-2.3.0 and mcp 1.30.0 into
# .build/mcp-1.30.0.
set -euo pipefail
cd "$(dirname "$0")/.."
for version in 2.3.0 1.30.0; do
  venv=.build/mcp-$version
  if ! "$venv/bin/python" -c "import mcp, uvicorn" 2>/dev/null; then
    echo "installing mcp $version from PyPI…" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "mcp==$version" uvicorn
  fi
done
