import GRDB

/// One page of a table listed newest first: equality filters, a cursor (the id of the last
/// row of the previous page) and a limit. Runs and sessions are listed this way.
struct NewestFirstPage {
    let table: String
    private var conditions: [String] = []
    private var arguments: StatementArguments = []

    init(table: String) {
        self.table = table
    }

    /// Keeps rows whose `column` equals `value`, when a value is given.
    mutating func filter(_ column: String, equals value: String?) {
        guard let value else { return }
        conditions.append("\(column) = ?")
        arguments += [value]
    }

    /// Keeps rows meeting `condition` (SQL with `?` for `arguments`).
    mutating func filter(_ condition: String, arguments values: StatementArguments) {
        conditions.append(condition)
        arguments += values
    }

    /// Keeps rows created before the row `id`, when given.
    mutating func before(_ id: String?) {
        guard let id else { return }
        conditions.append("(created_at, id) < (SELECT created_at, id FROM \(table) WHERE id = ?)")
        arguments += [id]
    }

    func fetch(_ db: Database, limit: Int) throws -> [Row] {
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try Row.fetchAll(
            db, sql: "SELECT * FROM \(table) \(filter) ORDER BY created_at DESC, id DESC LIMIT ?", arguments: arguments + [limit]
        )
    }
}
