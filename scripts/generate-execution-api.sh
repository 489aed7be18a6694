#!/usr/bin/env bash
# Generates Sources/AloftExecutionAPI/Generated: Swift for Aloft's own gRPC API, the agent
# execution services in proto/aloft/execution/v1 (messages with swift-protobuf, server and
# client with grpc-swift-2). Run after changing a .proto file; the output is committed, so a
# build never runs protoc.
#
# Needs protoc and the two protoc plugins (scripts/build-protoc-plugins.sh builds them; set
# ALOFT_PROTOC_PLUGINS to a folder to keep them between runs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
plugin_work=${ALOFT_PROTOC_PLUGINS:-$work}
if [ -x "$plugin_work/plugins/.build/release/protoc-gen-swift" ] && [ -x "$plugin_work/plugins/.build/release/protoc-gen-grpc-swift-2" ]; then
    plugins="$plugin_work/plugins/.build/release"
else
    plugins=$(scripts/build-protoc-plugins.sh "$plugin_work")
fi
command -v protoc >/dev/null || { apt-get update -qq && apt-get install -y -qq protobuf-compiler >/dev/null; }

out="$root/Sources/AloftExecutionAPI/Generated"
rm -rf "$out"
mkdir -p "$out"
files=$(cd proto && ls aloft/execution/v1/*.proto)
(cd proto && protoc -I . --plugin=protoc-gen-swift="$plugins/protoc-gen-swift" \
    --swift_out="$out" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores $files)
(cd proto && protoc -I . --plugin=protoc-gen-grpc-swift-2="$plugins/protoc-gen-grpc-swift-2" \
    --grpc-swift-2_out="$out" --grpc-swift-2_opt=Visibility=Public,Client=true,Server=true,FileNaming=PathToUnderscores $files)
echo "generated $(ls "$out" | wc -l) files, $(cat "$out"/*.swift | wc -l) lines in $out" >&2
