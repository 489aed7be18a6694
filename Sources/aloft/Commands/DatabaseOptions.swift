import AloftEngine
import AloftCore
import AloftServer
import ArgumentParser
import Foundation

/// Where runs are stored, and how durably.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The database file (default: $ALOFT_DB, else ~/.local/share/aloft/aloft.db, or $XDG_DATA_HOME/aloft/aloft.db when that is set).")
    var db: String?

    @Option(name: .long, help: "power-cut (default: fsync every commit) or process-crash (faster; a power cut may lose the last steps).")
    var durability: String = Durability.powerCut.rawValue

    @Flag(name: .long, help: "Log what the engine does to standard error.")
    var verbose = false

    var path: String {
        db ?? ProcessInfo.processInfo.environment["ALOFT_DB"] ?? DefaultDatabaseLocation.current
    }

    func validate() throws {
        guard Durability(rawValue: durability) != nil else {
            throw ValidationError("--durability must be power-cut or process-crash, not '\(durability)'")
        }
    }

    func openStore() throws -> EngineStore {
        try EngineStores.open(path, durability: Durability(rawValue: durability) ?? .powerCut)
    }

    /// The store for a command that only reads or acts on what exists: nil (and no file made)
    /// when there is no database at `path`.
    func existingStore() throws -> EngineStore? {
        FileManager.default.fileExists(atPath: path) ? try openStore() : nil
    }

    /// The store holding run `id`'s database; when there is none, says so and exits 1.
    func existingStore(forRun id: String) throws -> EngineStore {
        guard let store = try existingStore() else {
            printError("error: " + noDatabase("no run \(id)"))
            throw ExitCode(1)
        }
        return store
    }

    /// Says that nothing is stored at `path` yet.
    func noDatabase(_ what: String) -> String {
        "\(what): there is no database at \(path) (nothing has run there yet; choose one with --db or ALOFT_DB)"
    }
}
