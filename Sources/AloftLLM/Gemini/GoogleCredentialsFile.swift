import AloftCore
import CryptoExtras
import Foundation

/// A Google credentials file, as `GOOGLE_APPLICATION_CREDENTIALS` names it or
/// `gcloud auth application-default login` writes it: a service account's key (its private key
/// signs an RS256 JWT that the token URI exchanges for an access token) or a user's refresh
/// token (exchanged at the same endpoint).
struct GoogleCredentialsFile: Sendable {
    static let defaultTokenURI = "https://oauth2.googleapis.com/token"
    static let cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"
    /// Largest credentials file read: key files are about 2 KiB.
    static let maxFileBytes = 64 << 10

    enum Kind: Sendable {
        case serviceAccount(email: String, keyId: String?, privateKey: _RSA.Signing.PrivateKey)
        case authorizedUser(clientId: String, clientSecret: String, refreshToken: String)
    }

    let kind: Kind
    let tokenURI: String
    /// The project a service account belongs to: Vertex's project when none is configured.
    let projectId: String?

    /// Reads and checks the file; every problem is a `misconfigured` error naming the file by
    /// `label` (where it was configured, not its path: API clients read these errors too).
    init(path: String, label: String) throws {
        func problem(_ what: String) -> ModelError {
            ModelError(code: .misconfigured, message: "the Google credentials file of \(label) \(what)")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw problem("cannot be read: point it to a service account key file")
        }
        guard (attributes[.size] as? Int ?? 0) <= Self.maxFileBytes, let data = FileManager.default.contents(atPath: path) else {
            throw problem("is not a credentials file (larger than \(Self.maxFileBytes >> 10) KiB, or unreadable)")
        }
        try self.init(text: String(decoding: data, as: UTF8.self), describe: problem)
    }

    init(text: String, describe problem: (String) -> ModelError = { ModelError(code: .misconfigured, message: "the Google credentials \($0)") }) throws {
        guard let value = try? JSONValue.parse(text), value.objectValue != nil else { throw problem("is not JSON") }
        func field(_ name: String) throws -> String {
            guard let text = value[name]?.stringValue, !text.isEmpty else { throw problem("has no \(name)") }
            return text
        }
        tokenURI = value["token_uri"]?.stringValue ?? Self.defaultTokenURI
        guard let uri = URLComponents(string: tokenURI), uri.scheme == "https" || uri.scheme == "http", uri.host?.isEmpty == false else {
            throw problem("has a token_uri that is not an HTTP(S) URL")
        }
        projectId = value["project_id"]?.stringValue.flatMap { ModelSettings.isGoogleCloudProject($0) ? $0 : nil }
        switch value["type"]?.stringValue {
        case "service_account":
            let key: _RSA.Signing.PrivateKey
            do { key = try _RSA.Signing.PrivateKey(pemRepresentation: try field("private_key")) } catch let error as ModelError { throw error } catch {
                throw problem("has a private_key that is not an RSA private key of 2048 bits or more in PEM")
            }
            kind = .serviceAccount(email: try field("client_email"), keyId: value["private_key_id"]?.stringValue, privateKey: key)
        case "authorized_user":
            kind = .authorizedUser(clientId: try field("client_id"), clientSecret: try field("client_secret"), refreshToken: try field("refresh_token"))
        case let other:
            throw problem("is of type \(other.map { "'\($0.prefix(40))'" } ?? "none"); Aloft reads service_account and authorized_user credentials")
        }
    }

    /// The form body of the token request.
    func tokenRequestBody(now: Date) throws -> String {
        switch kind {
        case .serviceAccount(let email, let keyId, let privateKey):
            let assertion = try Self.signedJWT(email: email, keyId: keyId, privateKey: privateKey, audience: tokenURI, now: now)
            return "grant_type=\(Self.formEncoded("urn:ietf:params:oauth:grant-type:jwt-bearer"))&assertion=\(assertion)"
        case .authorizedUser(let clientId, let clientSecret, let refreshToken):
            return "grant_type=refresh_token&client_id=\(Self.formEncoded(clientId))&client_secret=\(Self.formEncoded(clientSecret))&refresh_token=\(Self.formEncoded(refreshToken))"
        }
    }

    /// A JWT for the OAuth 2.0 JWT bearer grant (RFC 7523), signed with RS256, valid one hour.
    static func signedJWT(email: String, keyId: String?, privateKey: _RSA.Signing.PrivateKey, audience: String, now: Date) throws -> String {
        var header: [String: JSONValue] = ["alg": "RS256", "typ": "JWT"]
        if let keyId { header["kid"] = .string(keyId) }
        let issued = Double(Int(now.timeIntervalSince1970))
        let claims: JSONValue = [
            "iss": .string(email), "scope": .string(cloudPlatformScope), "aud": .string(audience),
            "iat": .number(issued), "exp": .number(issued + 3600),
        ]
        let signingInput = base64URL(Data(JSONValue.object(header).jsonText().utf8)) + "." + base64URL(Data(claims.jsonText().utf8))
        let signature = try privateKey.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + base64URL(signature.rawRepresentation)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func formEncoded(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
