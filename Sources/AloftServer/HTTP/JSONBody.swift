import AloftCore
import HTTPTypes
import Hummingbird
import NIOCore

/// A request's JSON object, read with a size limit, with accessors that answer 422 naming
/// the field when it is missing or of the wrong type, and 422 for fields nobody expects.
struct JSONBody {
    let fields: [String: JSONValue]

    /// Reads the body. Empty bodies are `{}` when `optional`.
    static func read(_ request: Request, limit: Int, optional: Bool = false) async throws -> JSONBody {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "the request body is larger than \(limit) bytes")
        }
        if buffer.readableBytes == 0 {
            guard optional else { throw APIError(.badRequest, code: "invalid_json", message: "the request body is empty; send a JSON object") }
            return JSONBody(fields: [:])
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(String(buffer: buffer))
        } catch let error as JSONValue.ParseError {
            throw APIError(.badRequest, code: "invalid_json", message: "the body is not valid JSON: \(error)")
        }
        guard case .object(let fields) = value else {
            throw APIError(.badRequest, code: "invalid_json", message: "the body must be a JSON object, not \(value.typeName)")
        }
        return JSONBody(fields: fields)
    }

    func allowOnly(_ names: Set<String>) throws {
        for key in fields.keys.sorted() where !names.contains(key) {
            throw APIError.invalidField(key, "unknown field; expected one of \(names.sorted().joined(separator: ", "))")
        }
    }

    func string(_ name: String, maxLength: Int = 1 << 20) throws -> String? {
        guard let value = fields[name], value != .null else { return nil }
        guard case .string(let text) = value else { throw APIError.invalidField(name, "must be a string") }
        guard text.utf8.count <= maxLength else { throw APIError.invalidField(name, "must be at most \(maxLength) bytes") }
        return text
    }

    func requiredString(_ name: String, maxLength: Int = 1 << 20) throws -> String {
        guard let text = try string(name, maxLength: maxLength) else { throw APIError.invalidField(name, "is required") }
        return text
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = fields[name], value != .null else { return nil }
        guard case .bool(let flag) = value else { throw APIError.invalidField(name, "must be true or false") }
        return flag
    }

    func stringMap(_ name: String) throws -> [String: String] {
        guard let value = fields[name], value != .null else { return [:] }
        guard case .object(let object) = value else { throw APIError.invalidField(name, "must be an object of strings") }
        var map: [String: String] = [:]
        for (key, member) in object {
            guard case .string(let text) = member else { throw APIError.invalidField("\(name).\(key)", "must be a string") }
            map[key] = text
        }
        return map
    }
}
