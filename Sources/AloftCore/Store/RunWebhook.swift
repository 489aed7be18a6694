import Foundation

/// A client's request to be told, over HTTP, when a run's state changes (an A2A push
/// notification config). Kept by the store, so deliveries go on after a restart.
public struct RunWebhook: Sendable, Hashable {
    public var runId: String
    /// Chosen by the client (or the server), unique per run.
    public var id: String
    public var url: String
    /// Sent as `X-A2A-Notification-Token`, for the receiver to check the sender.
    public var token: String?
    /// Sent as `Authorization: <scheme> <credentials>`.
    public var authScheme: String?
    public var authCredentials: String?
    /// The protocol version the client spoke when it asked (its deliveries' shape): `1.0`, `0.3`.
    public var format: String
    public var createdAt: Date
    /// The last run event whose news was delivered (0: none yet).
    public var deliveredSeq: Int
    /// The run's end was delivered (or cannot be): nothing more to send.
    public var finished: Bool

    public init(
        runId: String, id: String, url: String, token: String? = nil, authScheme: String? = nil, authCredentials: String? = nil,
        format: String, createdAt: Date, deliveredSeq: Int = 0, finished: Bool = false
    ) {
        self.runId = runId
        self.id = id
        self.url = url
        self.token = token
        self.authScheme = authScheme
        self.authCredentials = authCredentials
        self.format = format
        self.createdAt = createdAt
        self.deliveredSeq = deliveredSeq
        self.finished = finished
    }
}
