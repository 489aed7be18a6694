import Foundation

/// Python's gRPC (grpcio, with stubs generated from the repo's .proto files by
/// `scripts/install-grpc-python.sh` into `.build/grpc-python`): a client of Aloft's gRPC API
/// from another language, running the scripts in `Tests/GRPCPeers`.
public enum GRPCPeer {
    public static var python: String? {
        let path = "\(A2APeer.root)/.build/grpc-python/bin/python"
        let stubs = "\(A2APeer.root)/.build/grpc-python/stubs/aloft/execution/v1/query_pb2_grpc.py"
        return FileManager.default.isExecutableFile(atPath: path) && FileManager.default.fileExists(atPath: stubs) ? path : nil
    }

    public static var available: Bool { python != nil }
    public static var unavailableReason: String? { available ? nil : "grpcio is not installed: run scripts/install-grpc-python.sh" }

    /// Runs `Tests/GRPCPeers/<script>` to its end; its exit status and output.
    public static func run(script: String, _ arguments: [String], timeout: Duration = .seconds(240)) async throws -> (status: Int32, output: String) {
        guard let python else { throw ProcessTimeout(message: unavailableReason ?? "no grpcio") }
        return try await runProgram(python, ["\(A2APeer.root)/Tests/GRPCPeers/\(script)"] + arguments, timeout: timeout)
    }
}
