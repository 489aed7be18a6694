import AloftEngine
import AloftCore
import AloftServer
import ArgumentParser
import Foundation

/// Where runs are stored, and how durably.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The database file (default: $ALOFT_DB, else ~/.local/share/aloft/aloft.db, or $XDG_DATA_HOME/aloft/aloft.db when that is set).")
    var db: String?

    @Option(name: .long, help: "A PostgreSQL database instead: postgres://user:password@host:5432/database (default $ALOFT_STORE).")
    var store: String?

    @Option(name: .long, help: "power-cut (default: fsync every commit) or process-crash (faster; a power cut may lose the last steps).")
    var durability: String = Durability.powerCut.rawValue

    @Flag(name: .long, help: "Log what the engine does to standard error.")
    var verbose = false

    /// Where the store is: `--store`, `--db`, `$ALOFT_STORE`, `$ALOFT_DB`, then the per-user file.
    var path: String {
        let environment = ProcessInfo.processInfo.environment
        return store ?? db ?? environment["ALOFT_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["ALOFT_DB"] ?? DefaultDatabaseLocation.current
    }

    /// The path as it may be shown (a URL's password masked).
    var shownPath: String { EngineStores.display(path) }

    func validate() throws {
        if let store, !EngineStores.isShared(store) {
            throw ValidationError("--store takes a postgres:// URL (for a SQLite file, use --db)")
        }
        guard Durability(rawValue: durability) != nil else {
            throw ValidationError("--durability must be power-cut or process-crash, not '\(durability)'")
        }
    }

    /// Opens the store; one that cannot be opened (a database unreachable, or newer than this
    /// Aloft) is said plainly and exits 1.
    func openStore() async throws -> EngineStore {
        do {
            return try await EngineStores.open(path, durability: Durability(rawValue: durability) ?? .powerCut)
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(1)
        }
    }

    /// The store for a command that only reads or acts on what exists: nil (and no file made)
    /// when there is no database at `path`.
    func existingStore() async throws -> EngineStore? {
        EngineStores.isShared(path) || FileManager.default.fileExists(atPath: path) ? try await openStore() : nil
    }

    /// The store holding run `id`'s database; when there is none, says so and exits 1.
    func existingStore(forRun id: String) async throws -> EngineStore {
        guard let store = try await existingStore() else {
            printError("error: " + noDatabase("no run \(id)"))
            throw ExitCode(1)
        }
        return store
    }

    /// Says that nothing is stored at `path` yet.
    func noDatabase(_ what: String) -> String {
        "\(what): there is no database at \(shownPath) (nothing has run there yet; choose one with --db or ALOFT_DB)"
    }
}
