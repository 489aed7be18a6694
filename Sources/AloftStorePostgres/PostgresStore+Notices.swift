public import AloftCore
import Foundation
import Logging
import PostgresNIO

/// Notices between the processes of one database travel on the channel `aloft`: steps send
/// theirs on commit (see `aloft_commit_steps`), live events are announced by the process that
/// publishes them. Payloads: "e ORIGIN RUN SEQ" (the run's event log grew to SEQ), "i RUN" (a
/// command was queued for the run), "l ORIGIN EVENT-JSON" (an event published live).
extension PostgresStore: StoreNotices {
    static let channel = "aloft"
    /// Largest payload PostgreSQL takes is 8000 bytes; a larger live event is left to the log.
    static let largestPayload = 7900

    public func notices() -> AsyncStream<StoreNotice> {
        // Unbounded: a notice dropped here would be lost for good (listeners only mark work and
        // move on, so the buffer stays short).
        let (stream, continuation) = AsyncStream.makeStream(of: StoreNotice.self, bufferingPolicy: .unbounded)
        let origin = self.origin
        let logger = self.logger
        let listener = Task {
            var broken = false
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            // Listening from now on: what was committed before is in the tables,
                            // what comes after is heard. Said on the first start too, so that a
                            // listener reads what it follows once it can no longer miss a change.
                            continuation.yield(.resumed)
                            if broken {
                                logger.notice("hearing other processes again")
                                broken = false
                            }
                            for try await notification in notifications {
                                if let notice = Self.notice(notification.payload, ignoring: origin) { continuation.yield(notice) }
                            }
                        }
                    }
                } catch {
                    if Task.isCancelled { break }
                    if !broken { logger.warning("stopped hearing other processes; listening again", metadata: ["error": "\(error)"]) }
                }
                broken = true
                try? await Task.sleep(for: .seconds(1))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in listener.cancel() }
        return stream
    }

    public func announce(_ events: [RunEvent]) {
        let encoder = JSONEncoder()
        let payloads = events.compactMap { event -> String? in
            guard let json = try? encoder.encode(event) else { return nil }
            let payload = "l \(origin) " + String(decoding: json, as: UTF8.self)
            return payload.utf8.count <= Self.largestPayload ? payload : nil
        }
        guard !payloads.isEmpty else { return }
        announcements.send(payloads)
    }

    /// What a payload says, unless it is `origin`'s own (or unreadable).
    static func notice(_ payload: String, ignoring origin: String) -> StoreNotice? {
        let parts = payload.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        switch parts[0] {
        case "i":
            return .commandQueued(runId: String(parts[1]))
        case "e" where parts.count == 3 && parts[1] != origin:
            let rest = parts[2].split(separator: " ")
            guard rest.count == 2, let seq = Int(rest[1]) else { return nil }
            return .eventsStored(runId: String(rest[0]), through: seq)
        case "l" where parts.count == 3 && parts[1] != origin:
            guard let event = try? JSONDecoder().decode(RunEvent.self, from: Data(parts[2].utf8)) else { return nil }
            return .live(event)
        default:
            return nil
        }
    }
}
