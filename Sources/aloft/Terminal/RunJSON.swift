import AloftCore
import Foundation

/// Records as JSON for `--json` output: sorted keys, ISO 8601 dates (as the API writes them),
/// and a `type` on every line, so a reader of mixed lines (events, then the run) can tell them apart.
enum RunJSON {
    /// One line for `value`, with `type` set to `type` and `extra` fields added.
    static func line(_ value: some Encodable, type: String, extra: [String: JSONValue] = [:]) -> String {
        guard case .object(var object) = try? JSONValue.parse(line(value)) else { return line(value) }
        object["type"] = .string(type)
        object.merge(extra) { _, new in new }
        return JSONValue.object(object).jsonText()
    }

    static func line(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
