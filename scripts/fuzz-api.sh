#!/usr/bin/env bash
# Fuzzes the REST API with schemathesis (from PyPI) against the OpenAPI document the server
# serves: no input may produce a server error or a response the document does not allow.
# Needs a built `aloft` (ALOFT_BIN, default .build/debug/aloft).
set -euo pipefail
cd "$(dirname "$0")/.."
aloft="${ALOFT_BIN:-$PWD/.build/debug/aloft}"
venv="${ALOFT_FUZZ_VENV:-$PWD/.build/schemathesis-venv}"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis>=4,<5"
fi
work=$(mktemp -d)
mkdir "$work/agents"
cp examples/agents/demo.yaml examples/agents/approval-demo.yaml "$work/agents/"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$aloft" serve --port "$port" --agents "$work/agents" --db "$work/fuzz.db" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "${ALOFT_FUZZ_EXAMPLES:-40}" --request-timeout 10 --generation-deterministic --no-color
status=$?
if grep -q "request failed" "$work/serve.log"; then
  echo "the server logged failed requests:" >&2
  grep "request failed" "$work/serve.log" | head -20 >&2
  exit 1
fi
echo "schemathesis: the API passed (exit $status)"
exit $status
