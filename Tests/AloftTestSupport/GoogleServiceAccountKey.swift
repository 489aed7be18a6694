import AloftCore
import CryptoExtras
import Foundation

/// A Google service account key file for tests: a new 2048-bit RSA key (PKCS#8 PEM, as Google
/// issues them) whose token endpoint is `tokenURI`.
public enum GoogleServiceAccountKey {
    /// Writes `key.json` into a new temporary folder; its path and the private key (to verify
    /// the JWTs signed with it).
    public static func write(
        tokenURI: String, projectId: String? = "file-project", key: _RSA.Signing.PrivateKey? = nil
    ) throws -> (path: String, key: _RSA.Signing.PrivateKey) {
        let key = try key ?? _RSA.Signing.PrivateKey(keySize: .bits2048)
        var file: [String: JSONValue] = [
            "type": "service_account", "client_email": "aloft@file-project.iam.gserviceaccount.com", "private_key_id": "key-1",
            "private_key": .string(key.pkcs8PEMRepresentation), "token_uri": .string(tokenURI), "client_id": "123",
        ]
        if let projectId { file["project_id"] = .string(projectId) }
        let path = try temporaryFolder() + "/key.json"
        try JSONValue.object(file).jsonText().write(toFile: path, atomically: true, encoding: .utf8)
        return (path, key)
    }
}
