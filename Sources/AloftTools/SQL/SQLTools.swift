public import AloftCore

/// `list_tables`: the tables and views of the configured database.
public struct ListTablesTool: Tool {
    let database: ReadOnlySQLiteDatabase

    public init(database: ReadOnlySQLiteDatabase) {
        self.database = database
    }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "list_tables", description: "Lists the tables of the SQL database.",
            parameters: ["type": "object", "properties": [:], "additionalProperties": false]
        )
    }

    public func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String {
        JSONValue.object(["tables": .array(try await database.tables().map(JSONValue.string))]).jsonText()
    }
}

/// `describe_table`: a table's columns (name, type, nullable, primary key) and row count.
public struct DescribeTableTool: Tool {
    let database: ReadOnlySQLiteDatabase

    public init(database: ReadOnlySQLiteDatabase) {
        self.database = database
    }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "describe_table", description: "Describes a table of the SQL database: its columns and row count.",
            parameters: [
                "type": "object", "properties": ["table": ["type": "string", "description": "table name"]], "required": ["table"],
                "additionalProperties": false,
            ]
        )
    }

    public func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String {
        try await database.columns(of: arguments["table"]?.stringValue ?? "").jsonText()
    }
}

/// `sql_query`: runs one read-only SQL query (SQLite dialect) and returns columns and rows.
public struct SQLQueryTool: Tool {
    let database: ReadOnlySQLiteDatabase

    public init(database: ReadOnlySQLiteDatabase) {
        self.database = database
    }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "sql_query",
            description: "Runs one read-only SQL query (SQLite dialect) and returns the columns and rows (at most \(database.maxRows)).",
            parameters: [
                "type": "object", "properties": ["sql": ["type": "string", "description": "a single SELECT statement", "minLength": 1]],
                "required": ["sql"], "additionalProperties": false,
            ]
        )
    }

    public func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String {
        try await database.query(arguments["sql"]?.stringValue ?? "").jsonText()
    }
}
