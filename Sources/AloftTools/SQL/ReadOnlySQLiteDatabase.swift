import AloftCore
import Foundation
import GRDB

/// A SQLite database opened read-only, for the SQL tools. Read-only by construction: the
/// connection is opened with `SQLITE_OPEN_READONLY` and `query_only`, so no statement the
/// model writes can change it. Results are bounded in rows and in bytes (`maxResultBytes`;
/// a long text or blob cell is cut at `maxCellBytes`), so one query cannot flood a run.
public final class ReadOnlySQLiteDatabase: Sendable {
    /// Largest result handed to the model, in bytes of JSON.
    public static let maxResultBytes = 256 * 1024
    /// Largest single cell, in bytes (blobs are counted before base64).
    public static let maxCellBytes = 16 * 1024

    let queue: DatabaseQueue
    public let path: String
    public let maxRows: Int

    /// Opens `path` read-only. `forbidden` lists files no agent may read (Aloft's own
    /// database); they are compared after resolving symbolic links and `..`.
    public init(path: String, maxRows: Int = 200, forbidden: [String] = []) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ToolConfigurationError(problems: ["database '\(path)' does not exist"])
        }
        let real = Self.realPath(path)
        if forbidden.contains(where: { Self.realPath($0) == real }) {
            throw ToolConfigurationError(problems: ["database '\(path)' is Aloft's own database; agents may not read it"])
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA query_only = 1")
        }
        self.path = path
        self.maxRows = maxRows
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw ToolConfigurationError(problems: ["database '\(path)' cannot be opened: \(error)"])
        }
    }

    func tables() async throws -> [String] {
        try await queue.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
    }

    func columns(of table: String) async throws -> JSONValue {
        try await queue.read { db in
            let exists = try Bool.fetchOne(db, sql: "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", arguments: [table]) ?? false
            guard exists else {
                let known = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name")
                throw ToolError(code: .invalidArguments, message: "no table '\(table)'; tables: \(known.joined(separator: ", "))")
            }
            let columns = try Row.fetchAll(db, sql: "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", arguments: [table]).map { row -> JSONValue in
                [
                    "name": .string(row["name"]), "type": .string(row["type"]), "nullable": .bool(!(row["notnull"] as Bool)),
                    "primary_key": .bool((row["pk"] as Int) > 0),
                ]
            }
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \"\(table.replacingOccurrences(of: "\"", with: "\"\""))\"") ?? 0
            return ["table": .string(table), "columns": .array(columns), "row_count": .number(Double(count))]
        }
    }

    func query(_ sql: String) async throws -> JSONValue {
        let maxRows = maxRows
        return try await queue.read { db in
            let statement: Statement
            do {
                statement = try db.makeStatement(sql: sql)
            } catch let error as DatabaseError {
                // GRDB's own advice ("use Database.execute(sql:)") speaks to programmers, not to a model.
                if error.message?.hasPrefix("Multiple statements found") == true {
                    throw ToolError(code: .invalidArguments, message: "SQL error: one statement per call; send the queries one by one")
                }
                throw ToolError(code: .invalidArguments, message: "SQL error: \(error.message ?? "\(error)")")
            }
            guard statement.isReadonly, Self.isQuery(sql) else {
                throw ToolError(code: .notAllowed, message: "only read-only queries (SELECT, WITH … SELECT) are allowed")
            }
            var rows: [JSONValue] = []
            var truncated = false
            var bytes = 0
            var cutCells = false
            do {
                let cursor = try Row.fetchCursor(statement)
                while let row = try cursor.next() {
                    if rows.count == maxRows {
                        truncated = true
                        break
                    }
                    let values = row.databaseValues.map { value -> JSONValue in
                        let (json, cut) = Self.json(value)
                        cutCells = cutCells || cut
                        return json
                    }
                    let item = JSONValue.array(Array(values))
                    bytes += item.jsonText().utf8.count + 1
                    if bytes > Self.maxResultBytes {
                        truncated = true
                        break
                    }
                    rows.append(item)
                }
            } catch let error as DatabaseError {
                throw ToolError(code: .invalidArguments, message: "SQL error: \(error.message ?? "\(error)")")
            }
            var result: [String: JSONValue] = [
                "columns": .array(statement.columnNames.map(JSONValue.string)), "rows": .array(rows),
                "row_count": .number(Double(rows.count)),
            ]
            if truncated {
                result["truncated"] = .string(
                    "only the first \(rows.count) rows are shown (at most \(maxRows) rows and \(Self.maxResultBytes / 1024) KiB); add LIMIT or aggregate"
                )
            }
            if cutCells { result["cells_cut"] = .string("long values were cut at \(Self.maxCellBytes) bytes; select substr(...) or length(...)") }
            return .object(result)
        }
    }

    /// Only queries: PRAGMA and friends are refused even when SQLite calls them read-only.
    static func isQuery(_ sql: String) -> Bool {
        var text = Substring(sql)
        while true {
            text = text.drop { $0.isWhitespace }
            if text.hasPrefix("--") {
                text = text.drop { $0 != "\n" }
            } else if text.hasPrefix("/*"), let end = text.range(of: "*/") {
                text = text[end.upperBound...]
            } else {
                break
            }
        }
        let keyword = text.prefix { $0.isLetter }.uppercased()
        return ["SELECT", "WITH", "VALUES"].contains(keyword)
    }

    /// A cell as JSON, and whether it was cut to `maxCellBytes`.
    static func json(_ value: DatabaseValue) -> (JSONValue, Bool) {
        switch value.storage {
        case .null: return (.null, false)
        case .int64(let number): return (.number(Double(number)), false)
        case .double(let number): return (number.isFinite ? .number(number) : .null, false)
        case .string(let text):
            guard text.utf8.count > maxCellBytes else { return (.string(text), false) }
            return (.string(String(decoding: text.utf8.prefix(maxCellBytes), as: UTF8.self)), true)
        case .blob(let data):
            return (.string(data.prefix(maxCellBytes).base64EncodedString()), data.count > maxCellBytes)
        }
    }

    static func realPath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
