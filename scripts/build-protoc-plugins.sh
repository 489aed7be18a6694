#!/usr/bin/env bash
# Builds protoc-gen-swift and protoc-gen-grpc-swift-2 at the versions Package.swift resolves,
# in the folder given (about 2 minutes), for the scripts that generate Swift from .proto
# files; prints the folder that holds the two plugins. Installs protoc (Debian's
# protobuf-compiler) when it is missing.
set -euo pipefail
work=$1
protobuf_version=1.39.0
grpc_protobuf_version=2.4.1

command -v protoc >/dev/null || { apt-get update -qq && apt-get install -y -qq protobuf-compiler >/dev/null; }
mkdir -p "$work/plugins/Empty"
echo "" >"$work/plugins/Empty/Empty.swift"
cat >"$work/plugins/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "plugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "$protobuf_version"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "$grpc_protobuf_version"),
    ],
    targets: [.target(name: "Empty", path: "Empty")]
)
SWIFT
echo "building protoc-gen-swift and protoc-gen-grpc-swift-2…" >&2
(cd "$work/plugins" && swift build -c release --product protoc-gen-swift >/dev/null && swift build -c release --product protoc-gen-grpc-swift-2 >/dev/null)
echo "$work/plugins/.build/release"
