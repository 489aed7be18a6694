import AloftA2A
import AloftCore
import AloftEngine
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Delivers A2A push notifications: for every webhook (push notification config) with news
/// to send, it follows the run's events and POSTs each change of state — started, waiting
/// for input, resumed, and the end — to the client's URL, with its token
/// (`X-A2A-Notification-Token`) and credentials. A 1.0 config gets each update as a
/// `StreamResponse` (the answer as an artifact update, then the status), a 0.3 config the
/// whole task. Failed deliveries are tried again (5 attempts, 0.5 s doubling); what was
/// delivered is recorded, so after a restart delivery goes on from there (at least once).
/// No redirects are followed, and the target is checked before every attempt.
final class A2APushDelivery: Service, Sendable {
    let engine: LocalEngine
    let store: any RunWebhookStore
    let targets: A2APushTargets
    let logger: Logger
    let retryDelay: Duration
    private let client: HTTPClient
    private let registrations: AsyncStream<RunWebhook>
    private let continuation: AsyncStream<RunWebhook>.Continuation
    /// Webhooks followed now (`run id`, `id`): one follower each.
    private let following = Mutex<Set<String>>([])

    static let attempts = 5

    init(engine: LocalEngine, store: any RunWebhookStore, targets: A2APushTargets, logger: Logger, retryDelay: Duration = .milliseconds(500)) {
        self.engine = engine
        self.store = store
        self.targets = targets
        self.logger = logger
        self.retryDelay = retryDelay
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(15)))
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        (registrations, continuation) = AsyncStream.makeStream(of: RunWebhook.self)
    }

    /// Starts following a webhook just stored.
    func register(_ webhook: RunWebhook) {
        continuation.yield(webhook)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                do {
                    for webhook in try await self.store.unfinishedWebhooks(limit: 10_000) {
                        group.addTask { await self.follow(webhook) }
                    }
                } catch {
                    self.logger.error("cannot read the push notification configs to resume", metadata: ["error": "\(error)"])
                }
                for await webhook in self.registrations {
                    group.addTask { await self.follow(webhook) }
                }
            }
        }
        try? await client.shutdown()
    }

    /// The kinds of event a webhook is told about: changes of the task's state.
    static func isNews(_ kind: RunEvent.Kind) -> Bool {
        [.runStarted, .runPaused, .runResumed].contains(kind) || kind.isTerminal
    }

    private func follow(_ webhook: RunWebhook) async {
        let key = "\(webhook.runId)\u{0}\(webhook.id)"
        guard following.withLock({ $0.insert(key).inserted }) else { return }
        defer { _ = following.withLock { $0.remove(key) } }
        var logger = logger
        logger[metadataKey: "run.id"] = "\(webhook.runId)"
        do {
            guard let run = try await engine.reader.run(id: webhook.runId) else {
                _ = try await store.deleteWebhook(runId: webhook.runId, id: webhook.id)
                return
            }
            var translation = A2AEventTranslation(taskId: run.id, contextId: run.sessionId)
            for try await event in try await engine.events(runId: webhook.runId, after: webhook.deliveredSeq) {
                let items = translation.items(for: event)
                guard Self.isNews(event.kind) else { continue }
                // Read again: the client may have replaced or deleted it meanwhile.
                guard let current = try await store.webhooks(runId: webhook.runId).first(where: { $0.id == webhook.id }) else { return }
                let format = A2AWireFormat(version: A2AProtocolVersion(rawValue: current.format) ?? .v1_0)
                let bodies: [JSONValue]
                if format.version == .v0_3 {
                    guard let now = try await engine.reader.run(id: run.id) else { return }
                    let approvals = now.phase == .waitingForApproval ? try await engine.reader.pendingApprovals(runId: run.id) : []
                    bodies = [format.task(A2ATaskProjection.task(run: now, messages: nil, approvals: approvals))]
                } else {
                    bodies = items.map(format.streamResult)
                }
                for body in bodies { await deliver(body, to: current, logger: logger) }
                try await store.markWebhookDelivered(runId: run.id, id: webhook.id, through: event.seq, finished: event.kind.isTerminal)
                if event.kind.isTerminal { return }
            }
        } catch is CancellationError {
            return
        } catch {
            logger.error("push notifications stopped for this config", metadata: ["push.id": "\(webhook.id)", "error": "\(error)"])
        }
    }

    /// POSTs one notification, trying again on failure; false when every attempt failed.
    @discardableResult
    private func deliver(_ body: JSONValue, to webhook: RunWebhook, logger: Logger) async -> Bool {
        var delay = retryDelay
        for attempt in 1...Self.attempts {
            if let problem = await targets.problem(with: webhook.url) {
                logger.warning("push notification not sent: the target is refused", metadata: ["push.id": "\(webhook.id)", "reason": "\(problem)"])
                return false
            }
            var request = HTTPClientRequest(url: webhook.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            if let token = webhook.token { request.headers.add(name: "X-A2A-Notification-Token", value: token) }
            if let scheme = webhook.authScheme, let credentials = webhook.authCredentials {
                request.headers.add(name: "Authorization", value: "\(scheme) \(credentials)")
            }
            request.body = .bytes(ByteBuffer(string: body.jsonText()))
            do {
                let response = try await client.execute(request, timeout: .seconds(15))
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(response.status.code) { return true }
                logger.warning(
                    "push notification refused", metadata: ["push.id": "\(webhook.id)", "status": "\(response.status.code)", "attempt": "\(attempt)"]
                )
            } catch {
                logger.warning("push notification failed", metadata: ["push.id": "\(webhook.id)", "error": "\(error)", "attempt": "\(attempt)"])
            }
            if attempt < Self.attempts {
                try? await Task.sleep(for: delay)
                if Task.isCancelled { return false }
                delay *= 2
            }
        }
        return false
    }
}
