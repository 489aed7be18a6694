import Foundation

/// A journal entry with the time it was recorded: the run's timeline (`aloft runs show`,
/// `GET /v1/runs/{id}/journal`). A step's duration is the time since the entry before it.
public struct JournalRecord: Sendable, Hashable {
    public var entry: JournalEntry
    public var recordedAt: Date

    public init(entry: JournalEntry, recordedAt: Date) {
        self.entry = entry
        self.recordedAt = recordedAt
    }
}
