#!/usr/bin/env bash
# Installs what Aloft needs on a fresh Debian machine: SQLite's headers for GRDB, and
# PostgreSQL's server programs (the tests start a private cluster of their own).
# The Swift toolchain and the Swift packages come with the machine (see README).
set -euo pipefail
if ! command -v swift >/dev/null 2>&1; then
  echo "error: swift is not on PATH; install Swift 6.1 or newer (https://swift.org/install)" >&2
  exit 1
fi
if ! dpkg -s libsqlite3-dev >/dev/null 2>&1; then
  echo "installing libsqlite3-dev…" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq libsqlite3-dev sqlite3 >/dev/null
fi
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
  echo "installing python3, venv and curl (the API fuzzer and the sample data need them)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3 python3-venv curl >/dev/null
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing postgresql (the tests start a private cluster; the store can use PostgreSQL)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq postgresql >/dev/null
fi
