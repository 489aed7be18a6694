public import AloftCore

/// A model call that failed, with a stable code and whether a retry may help.
public struct ModelError: Error, Sendable, Hashable, CustomStringConvertible, RetryableFailure {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }

        /// 429: slow down and retry.
        public static let rateLimited = Code(rawValue: "model_rate_limited")
        /// 5xx (or Anthropic's 529 overloaded): retry.
        public static let serverError = Code(rawValue: "model_server_error")
        /// No answer in time: retry.
        public static let timeout = Code(rawValue: "model_timeout")
        /// Could not reach the server: retry.
        public static let connection = Code(rawValue: "model_connection_failed")
        /// 401/403: the API key is missing or wrong.
        public static let authentication = Code(rawValue: "model_authentication_failed")
        /// Another 4xx: the request is wrong and retrying will not help.
        public static let badRequest = Code(rawValue: "model_bad_request")
        /// The server answered something we cannot read (truncated, not the format asked
        /// for, out-of-range numbers, empty): retry.
        public static let invalidResponse = Code(rawValue: "model_invalid_response")
        /// The provider is not configured well enough to call (no API key, no script reply).
        public static let misconfigured = Code(rawValue: "model_misconfigured")
        /// The provider's content filter refused the prompt or stopped the answer (Azure's
        /// `content_filter`): retrying the same request will not help.
        public static let contentFiltered = Code(rawValue: "model_content_filtered")
    }

    public var code: Code
    public var message: String
    public var statusCode: Int?
    public var retryAfterSeconds: Double?
    /// What the HTTP library said, for the log only: it may name addresses and internals.
    public var detail: String?

    public init(code: Code, message: String, statusCode: Int? = nil, retryAfterSeconds: Double? = nil, detail: String? = nil) {
        self.code = code
        self.message = message
        self.statusCode = statusCode
        self.retryAfterSeconds = retryAfterSeconds
        self.detail = detail
    }

    public var isRetryable: Bool {
        code == .rateLimited || code == .serverError || code == .timeout || code == .connection || code == .invalidResponse
    }

    public var description: String {
        statusCode.map { "\(code) (HTTP \($0)): \(message)" } ?? "\(code): \(message)"
    }

    /// Classifies an HTTP error status with the provider's message from the body.
    static func http(status: Int, body: String, retryAfter: String?) -> ModelError {
        if status == 400, let value = try? JSONValue.parse(body), value["error"]?["code"] == "content_filter" {
            let categories = ContentFilterReport.filtered(in: value["error"]?["innererror"]?["content_filter_result"])
            return ModelError(
                code: .contentFiltered,
                message: "the provider's content filter refused the prompt\(categories.isEmpty ? "" : " (\(categories))"); rephrase the request, or change the deployment's content filter",
                statusCode: status
            )
        }
        let message = providerMessage(in: body) ?? (body.isEmpty ? "HTTP \(status)" : String(body.prefix(500)))
        let code: Code =
            switch status {
            // Google answers a wrong API key with 400 and the reason in an ErrorInfo.
            case 400 where googleReasons(in: body).contains("API_KEY_INVALID"): .authentication
            case 429: .rateLimited
            case 408: .timeout
            case 401, 403: .authentication
            case 500...599: .serverError
            default: .badRequest
            }
        return ModelError(code: code, message: message, statusCode: status, retryAfterSeconds: retryAfter.flatMap(parseRetryAfter))
    }

    /// `{"error":{"message":…}}`, the shape OpenAI and Anthropic both use.
    static func providerMessage(in body: String) -> String? {
        guard let value = try? JSONValue.parse(body) else { return nil }
        return value["error"]?["message"]?.stringValue ?? value["message"]?.stringValue
    }

    /// The `reason`s of a Google error's `google.rpc.ErrorInfo` details.
    static func googleReasons(in body: String) -> [String] {
        guard let value = try? JSONValue.parse(body), case .array(let details)? = value["error"]?["details"] else { return [] }
        return details.compactMap { $0["reason"]?.stringValue }
    }

    /// `Retry-After` is seconds or an HTTP date.
    static func parseRetryAfter(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) { return seconds.isFinite ? max(0, seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: trimmed).map { max(0, $0.timeIntervalSinceNow) }.flatMap { $0.isFinite ? $0 : nil }
    }
}

import Foundation
