import AloftStore
import ArgumentParser
import Foundation

/// `aloft prune`: deletes finished runs older than an age, in small batches.
struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete runs that finished more than an age ago, with their journals and messages.",
        discussion: """
            Runs in progress and waiting runs are never touched; a session goes when none of its runs is left.
            Deletes in batches of a few hundred runs, so a server using the same database keeps running.
            `aloft serve` can do the same periodically: retention_days in its configuration.
            """
    )

    @Option(name: .long, help: "Age of the newest run to delete: 30d, 12h, 90m or 3600s.")
    var finishedBefore: String

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard Self.seconds(finishedBefore) != nil else {
            throw ValidationError("--finished-before takes an age such as 30d, 12h, 90m or 3600s, not '\(finishedBefore)'")
        }
    }

    func run() async throws {
        guard let age = Self.seconds(finishedBefore) else { throw ExitCode(2) }
        let store = try database.openStore()
        let cutoff = Date().addingTimeInterval(-age)
        let deleted = try await store.prune(finishedBefore: cutoff)
        print("pruned \(deleted) run(s) that finished before \(cutoff.formatted(.iso8601))")
    }

    /// `30d`, `12h`, `90m`, `3600s` as seconds; nil for anything else (or more than 100 years).
    static func seconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let number = Int(text.dropLast()), number >= 0,
            Double(number) * unit <= 100 * 365 * 86_400
        else { return nil }
        return Double(number) * unit
    }
}
