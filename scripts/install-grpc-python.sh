#!/usr/bin/env bash
# Installs Python's gRPC (grpcio and grpcio-tools from PyPI) into .build/grpc-python and
# generates Python stubs from the repo's own .proto files (proto/aloft/execution/v1) into
# .build/grpc-python/stubs: the client from another language that the gRPC API tests use
# (Tests/GRPCPeers/execution_client.py).
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.85.1
venv=.build/grpc-python
if ! "$venv/bin/python" -c "import grpc, grpc_tools" 2>/dev/null; then
  echo "installing grpcio $version from PyPI…" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "grpcio==$version" "grpcio-tools==$version"
fi
rm -rf "$venv/stubs"
mkdir -p "$venv/stubs"
"$venv/bin/python" -m grpc_tools.protoc -I proto --python_out="$venv/stubs" --grpc_python_out="$venv/stubs" proto/aloft/execution/v1/*.proto
