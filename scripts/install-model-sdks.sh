#!/usr/bin/env bash
# Installs the official model SDKs whose types check what the fake model server sends and
# what Aloft's providers send it (Tests/ModelPeers/validate_wire.py), from PyPI, into
# .build/model-sdks: google-genai 3.4.0 (Gemini, Vertex AI) and openai 3.54.0 (OpenAI, Azure).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/model-sdks
if ! "$venv/bin/python" -c "import google.genai, openai" 2>/dev/null; then
  echo "installing google-genai and openai from PyPI…" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q google-genai==3.4.0 openai==3.54.0
fi
