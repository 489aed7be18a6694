#!/usr/bin/env bash
# Generates Sources/AloftTemporalAPI/Generated: Swift for Temporal's WorkflowService gRPC API
# (messages with swift-protobuf, a client with grpc-swift-2), pruned to the RPCs Aloft calls
# (scripts/temporal-api/descriptors.py). Run once when the API version changes; the output
# is committed, so a build never runs protoc.
#
# Needs: protoc (Debian's protobuf-compiler), the temporalio and googleapis-common-protos
# wheels (for the .proto descriptors), and the two protoc plugins
# (scripts/build-protoc-plugins.sh builds them in a temporary folder).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
temporalio_version=1.35.0
python3 -c "import temporalio, google.api" 2>/dev/null \
    || pip install -q "temporalio==$temporalio_version" googleapis-common-protos

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
plugins=$(scripts/build-protoc-plugins.sh "$work")

python3 scripts/temporal-api/descriptors.py "$work/api.pb" >"$work/files.txt"
out="$root/Sources/AloftTemporalAPI/Generated"
rm -rf "$out"
mkdir -p "$out"
protoc --descriptor_set_in="$work/api.pb" --plugin=protoc-gen-swift="$plugins/protoc-gen-swift" \
    --swift_out="$out" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores $(cat "$work/files.txt")
protoc --descriptor_set_in="$work/api.pb" --plugin=protoc-gen-grpc-swift-2="$plugins/protoc-gen-grpc-swift-2" \
    --grpc-swift-2_out="$out" --grpc-swift-2_opt=Visibility=Public,Client=true,Server=false,FileNaming=PathToUnderscores \
    temporal/api/workflowservice/v1/service.proto
echo "generated $(ls "$out" | wc -l) files, $(cat "$out"/*.swift | wc -l) lines in $out (temporalio $temporalio_version)" >&2
