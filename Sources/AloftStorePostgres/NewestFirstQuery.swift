import PostgresNIO

/// A page of rows, newest first, with optional filters and a cursor (the id of the last row of
/// the previous page): the PostgreSQL form of the SQLite store's `NewestFirstPage`. Conditions
/// are written with `$?` for their values, numbered when the query is built.
struct NewestFirstQuery {
    let select: String
    let table: String
    private var conditions: [String] = []
    private var values: [String] = []

    init(select: String, table: String) {
        self.select = select
        self.table = table
    }

    /// Keeps rows whose `column` equals `value`, when a value is given.
    mutating func filter(_ column: String, equals value: String?) {
        guard let value else { return }
        filter("\(column) = $?", value)
    }

    /// Keeps rows meeting `condition`, its `$?`s standing for `arguments` in order.
    mutating func filter(_ condition: String, _ arguments: String...) {
        conditions.append(condition)
        values += arguments
    }

    /// Keeps rows created before the row `id`, when given.
    mutating func before(_ id: String?) {
        guard let id else { return }
        filter("(\(table).created_at, \(table).id) < (SELECT created_at, id FROM \(table) WHERE id = $?)", id)
    }

    func query(limit: Int) throws -> PostgresQuery {
        var number = 0
        var sql = select
        if !conditions.isEmpty {
            var clause = ""
            for part in conditions.joined(separator: " AND ").split(separator: "$?", omittingEmptySubsequences: false).enumerated() {
                if part.offset > 0 {
                    number += 1
                    clause += "$\(number)"
                }
                clause += part.element
            }
            sql += " WHERE " + clause
        }
        number += 1
        sql += " ORDER BY \(table).created_at DESC, \(table).id DESC LIMIT $\(number)"
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        binds.append(limit)
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
