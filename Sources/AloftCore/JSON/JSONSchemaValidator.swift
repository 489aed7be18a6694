import Foundation

/// Validates a JSON value against the subset of JSON Schema that tool parameters use:
/// `type` (one or a list), `properties`, `required`, `additionalProperties: false`,
/// `enum`, `items`, `minimum`/`maximum`, `minLength`/`maxLength`, `minItems`/`maxItems`.
///
/// Pure: the same value and schema always give the same problems, so the decider can use it.
public struct JSONSchemaValidator: Sendable {
    public let schema: JSONValue

    public init(schema: JSONValue) {
        self.schema = schema
    }

    /// Every problem found, each naming the path of the offending value (`$.city`).
    public func problems(in value: JSONValue) -> [String] {
        var problems: [String] = []
        check(value, against: schema, path: "$", into: &problems)
        return problems
    }

    private func check(_ value: JSONValue, against schema: JSONValue, path: String, into problems: inout [String]) {
        guard case .object(let rules) = schema else { return }
        if let type = rules["type"] {
            let allowed: [String]
            switch type {
            case .string(let name): allowed = [name]
            case .array(let names): allowed = names.compactMap(\.stringValue)
            default: allowed = []
            }
            if !allowed.isEmpty, !allowed.contains(where: { Self.matches(value, type: $0) }) {
                problems.append("\(path): expected \(allowed.joined(separator: " or ")), got \(value.typeName)")
                return
            }
        }
        if case .array(let options) = rules["enum"], !options.contains(value) {
            let listed = options.map { $0.jsonText() }.joined(separator: ", ")
            problems.append("\(path): must be one of \(listed)")
        }
        switch value {
        case .object(let object):
            let properties = rules["properties"]?.objectValue ?? [:]
            if case .array(let required) = rules["required"] {
                for case .string(let name) in required where object[name] == nil {
                    problems.append("\(path): missing required property '\(name)'")
                }
            }
            for (key, member) in object.sorted(by: { $0.key < $1.key }) {
                if let propertySchema = properties[key] {
                    check(member, against: propertySchema, path: "\(path).\(key)", into: &problems)
                } else if rules["additionalProperties"] == .bool(false) {
                    problems.append("\(path): unknown property '\(key)'")
                } else if let additional = rules["additionalProperties"], case .object = additional {
                    check(member, against: additional, path: "\(path).\(key)", into: &problems)
                }
            }
        case .array(let items):
            if let minimum = rules["minItems"]?.numberValue, Double(items.count) < minimum {
                problems.append("\(path): must have at least \(JSONValue.number(minimum).jsonText()) items")
            }
            if let maximum = rules["maxItems"]?.numberValue, Double(items.count) > maximum {
                problems.append("\(path): must have at most \(JSONValue.number(maximum).jsonText()) items")
            }
            if let itemSchema = rules["items"] {
                for (index, item) in items.enumerated() {
                    check(item, against: itemSchema, path: "\(path)[\(index)]", into: &problems)
                }
            }
        case .string(let text):
            if let minimum = rules["minLength"]?.numberValue, Double(text.count) < minimum {
                problems.append("\(path): must be at least \(JSONValue.number(minimum).jsonText()) characters")
            }
            if let maximum = rules["maxLength"]?.numberValue, Double(text.count) > maximum {
                problems.append("\(path): must be at most \(JSONValue.number(maximum).jsonText()) characters")
            }
        case .number(let number):
            if let minimum = rules["minimum"]?.numberValue, number < minimum {
                problems.append("\(path): must be >= \(JSONValue.number(minimum).jsonText())")
            }
            if let maximum = rules["maximum"]?.numberValue, number > maximum {
                problems.append("\(path): must be <= \(JSONValue.number(maximum).jsonText())")
            }
        default:
            break
        }
    }

    /// Problems that make `schema` unusable as tool parameters: the size keywords must be
    /// whole numbers a check can compare with, the bounds finite numbers.
    public static func problems(inSchema schema: JSONValue, path: String = "parameters") -> [String] {
        guard case .object(let rules) = schema else { return [] }
        var problems: [String] = []
        for keyword in ["minLength", "maxLength", "minItems", "maxItems"] {
            if let value = rules[keyword], value.integer(in: 0...Self.maxSize) == nil {
                problems.append("\(path).\(keyword): must be a whole number from 0 to \(Self.maxSize)")
            }
        }
        for keyword in ["minimum", "maximum"] {
            if let value = rules[keyword], value.numberValue?.isFinite != true {
                problems.append("\(path).\(keyword): must be a finite number")
            }
        }
        for (name, member) in (rules["properties"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            problems += Self.problems(inSchema: member, path: "\(path).properties.\(name)")
        }
        if let items = rules["items"] { problems += Self.problems(inSchema: items, path: "\(path).items") }
        if let additional = rules["additionalProperties"] {
            problems += Self.problems(inSchema: additional, path: "\(path).additionalProperties")
        }
        return problems
    }

    /// Largest length or item count a schema may name.
    public static let maxSize = Int(Int32.max)

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
            ("number", .number):
            true
        case ("integer", .number(let number)):
            number.rounded() == number
        default:
            false
        }
    }
}
