import AloftEngine
import AloftCore
import ArgumentParser
import Foundation

/// `aloft prune`: deletes finished runs older than an age, in small batches.
struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prune runs that finished more than an age ago.",
        discussion: """
            By default deletes their journals and event logs; the runs, their answers and their conversations stay \
            (a client asking for deleted events gets a `resync` event). --keep-events deletes only the journals; \
            --whole-runs deletes the runs with everything of theirs (a session goes when none of its runs is left).
            Runs in progress and waiting runs are never touched. Works in batches of a few hundred runs, so a server \
            using the same database keeps running. `aloft serve` can do the same periodically: retention_days and \
            retention_scope in its configuration.
            """
    )

    @Option(name: .long, help: "Age of the newest run to delete: 30d, 12h, 90m or 3600s.")
    var finishedBefore: String

    @Flag(name: .long, help: "Delete only the journals; keep the event logs.")
    var keepEvents = false

    @Flag(name: .long, help: "Delete the runs themselves, with their messages, journals and events.")
    var wholeRuns = false

    @OptionGroup var database: DatabaseOptions

    var scope: PruneScope { wholeRuns ? .wholeRuns : keepEvents ? .journal : .journalAndEvents }

    func validate() throws {
        guard !(keepEvents && wholeRuns) else { throw ValidationError("--keep-events and --whole-runs exclude each other; choose one") }
        guard Self.seconds(finishedBefore) != nil else {
            throw ValidationError("--finished-before takes an age such as 30d, 12h, 90m or 3600s, not '\(finishedBefore)'")
        }
    }

    func run() async throws {
        guard let age = Self.seconds(finishedBefore) else { throw ExitCode(2) }
        guard let store = try await database.existingStore() else {
            printError(database.noDatabase("nothing to prune"))
            return
        }
        let cutoff = Date().addingTimeInterval(-age)
        let pruned = try await store.prune(finishedBefore: cutoff, scope: scope)
        let what = switch scope {
        case .wholeRuns: "deleted \(pruned) run(s)"
        case .journal: "deleted the journals of \(pruned) run(s)"
        case .journalAndEvents: "deleted the journals and events of \(pruned) run(s)"
        }
        print("\(what) that finished before \(cutoff.formatted(.iso8601))")
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
