import AloftCore
import Foundation

/// The official model SDKs (`scripts/install-model-sdks.sh` puts google-genai and openai in
/// `.build/model-sdks`), whose types check the payloads of the fake model server and of Aloft's
/// providers: `Tests/ModelPeers/validate_wire.py`.
public enum ModelSDKs {
    static var python: String? {
        let path = "\(A2APeer.root)/.build/model-sdks/bin/python"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    public static var available: Bool { python != nil }

    /// Validates `document` (`{"gemini": {"responses", "requests"}, "openai": {"responses",
    /// "chunks", "requests"}}`); the validator's exit status and what it printed.
    public static func validate(_ document: JSONValue) async throws -> (status: Int32, output: String) {
        guard let python else { throw ProcessTimeout(message: "the model SDKs are not installed (scripts/install-model-sdks.sh installs them into .build/)") }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-wire-\(UUID().uuidString).json").path
        try document.jsonText().write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await runProgram(python, ["\(A2APeer.root)/Tests/ModelPeers/validate_wire.py", path], timeout: .seconds(120))
    }
}
