import Foundation

/// The official A2A SDK clients (`scripts/install-a2a-sdk.sh` puts them in `.build/`), run as
/// real processes against an Aloft server: the scripts in `Tests/A2APeers` assert as they go
/// and print `ok <check>` per check passed.
public enum A2APeer {
    public enum SDK: String, Sendable {
        case v1_3 = "1.3.0"
        case v0_3 = "0.3.26"
    }

    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The Python of the SDK's virtual environment, if installed.
    public static func python(_ sdk: SDK) -> String? {
        let path = "\(root)/.build/a2a-sdk-\(sdk.rawValue)/bin/python"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Why the peers cannot run here (tests say it and are skipped).
    public static var unavailableReason: String? {
        python(.v1_3) == nil || python(.v0_3) == nil ? "the A2A SDKs are not installed (scripts/install-a2a-sdk.sh installs them into .build/)" : nil
    }

    public static var available: Bool { unavailableReason == nil }

    /// Runs `Tests/A2APeers/<script>` with the SDK's Python; its exit status and output.
    public static func run(_ sdk: SDK, script: String, _ arguments: [String], timeout: Duration = .seconds(240)) async throws -> (status: Int32, output: String) {
        guard let python = python(sdk) else { throw ProcessTimeout(message: unavailableReason ?? "no A2A SDK") }
        return try await runProgram(python, ["\(root)/Tests/A2APeers/\(script)"] + arguments, timeout: timeout)
    }

    /// Starts a script that keeps running (a reference A2A server); stopped with `kill`.
    public static func start(_ sdk: SDK, script: String, _ arguments: [String], output: String) throws -> pid_t {
        guard let python = python(sdk) else { throw ProcessTimeout(message: unavailableReason ?? "no A2A SDK") }
        return try PostgresTestCluster.spawn([python, "\(root)/Tests/A2APeers/\(script)"] + arguments, output: output)
    }
}

/// Runs a program to its end (killed after `timeout`); its exit status and combined output.
public func runProgram(_ program: String, _ arguments: [String], timeout: Duration) async throws -> (status: Int32, output: String) {
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-program-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let pid = try PostgresTestCluster.spawn([program] + arguments, output: outputPath)
    let deadline = ContinuousClock.now + timeout
    var status: Int32 = 0
    while true {
        let done = waitpid(pid, &status, WNOHANG)
        if done == pid { break }
        if ContinuousClock.now > deadline {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw ProcessTimeout(message: "\((program as NSString).lastPathComponent) ran over \(timeout): \(text)")
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    let exited = (status & 0x7f) == 0
    return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), text)
}
