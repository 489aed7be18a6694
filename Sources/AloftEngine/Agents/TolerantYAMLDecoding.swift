import Foundation
package import Yams

/// Decodes a YAML document (an agent file, the server's configuration) reporting every
/// decoding problem, not only the first: after each error the offending field is set aside (an unknown key removed; a value of the wrong type,
/// or a required field that is missing, stood in for by a value that decodes) and decoding
/// starts again, until it succeeds or nothing more can be set aside. The decoder stays the
/// one judge of what is valid; nothing here knows the fields.
package enum TolerantYAMLDecoding {
    package struct Outcome<Value> {
        /// The value, when every problem could be set aside (its stand-in values are not to be used).
        package var value: Value?
        /// Each problem once, in the order found, with its line.
        package var problems: [String]
        /// The fields that were removed or stood in for.
        package var setAside: [[String]]
    }

    /// At most this many decodes (these documents have tens of fields).
    static let attempts = 200

    package static func decode<Value: Decodable>(_ type: Value.Type, from text: String, root: Node) -> Outcome<Value> {
        var node = root
        var problems: [String] = []
        var setAside: [[String]] = []
        var reported = Set<[String]>()
        var error: DecodingError?
        var decoded: Value?
        var remaining = attempts
        /// Decodes `candidate`; its value, or its first error.
        func attempt(_ candidate: Node) -> Result<Value, DecodingError>? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            do {
                return .success(try YAMLDecoder().decode(Value.self, from: candidate))
            } catch let error as DecodingError {
                return .failure(error)
            } catch {
                return nil
            }
        }
        switch attempt(node) {
        case .success(let value)?: return Outcome(value: value, problems: [], setAside: [])
        case .failure(let first)?: error = first
        case nil: return Outcome(value: nil, problems: ["not valid YAML"], setAside: [])
        }
        while let current = error {
            let path = Self.path(of: current)
            let names = path.map(Self.name)
            if !reported.contains(names) || !Self.isMissing(current) {
                problems.append(AgentFile.describe(current, in: text))
            }
            reported.insert(names)
            setAside.append(names)
            // Stand-ins to try: a known value the message lists, then one of each kind.
            var candidates: [Node?] = Self.knownValues(in: current).map { Node($0) }
            // An item of a list cannot be removed (the others would be renumbered): another item may stand in.
            candidates += Self.siblings(at: path, in: node).map { $0 }
            if Self.isUnknownKey(current) {
                candidates = [nil]
            } else {
                candidates += [Node("0"), Node("x"), Node("false"), Node([(Node, Node)]()), Node([Node]()), nil]
            }
            var next: Result<Value, DecodingError>?
            for candidate in candidates {
                guard let patched = Self.replacing(in: node, at: path[...], with: candidate) else { continue }
                guard let result = attempt(patched) else { break }
                // A stand-in that fails at the same place did not help; try the next.
                if case .failure(let again) = result, Self.path(of: again).map(Self.name) == names { continue }
                node = patched
                next = result
                break
            }
            switch next {
            case .success(let value)?:
                decoded = value
                error = nil
            case .failure(let again)?:
                error = again
            case nil:
                error = nil  // nothing more can be set aside: report what was found
            }
        }
        return Outcome(value: decoded, problems: problems, setAside: setAside)
    }

    // MARK: Errors

    static func path(of error: DecodingError) -> [any CodingKey] {
        switch error {
        case .keyNotFound(let key, let context): context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): context.codingPath
        @unknown default: []
        }
    }

    package static func name(_ key: any CodingKey) -> String { key.intValue.map { "[\($0)]" } ?? key.stringValue }

    static func isMissing(_ error: DecodingError) -> Bool {
        if case .keyNotFound = error { return true }
        return false
    }

    static func isUnknownKey(_ error: DecodingError) -> Bool {
        if case .dataCorrupted(let context) = error { return context.debugDescription.hasPrefix("unknown field ") }
        return false
    }

    /// The values an error of ours lists as known (`… (known providers: openai, anthropic)`).
    static func knownValues(in error: DecodingError) -> [String] {
        guard case .dataCorrupted(let context) = error, let open = context.debugDescription.range(of: "(known "),
            let colon = context.debugDescription[open.upperBound...].range(of: ": "),
            let close = context.debugDescription[colon.upperBound...].firstIndex(of: ")")
        else { return [] }
        return context.debugDescription[colon.upperBound..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    // MARK: The YAML tree

    /// The other items of the list whose item `path` names (none when it names no list item).
    static func siblings(at path: [any CodingKey], in node: Node) -> [Node] {
        guard let index = path.last?.intValue else { return [] }
        var parent = node
        for key in path.dropLast() {
            if let position = key.intValue, let sequence = parent.sequence, position < sequence.count {
                parent = sequence[position]
            } else if let child = parent.mapping?[key.stringValue] {
                parent = child
            } else {
                return []
            }
        }
        guard let sequence = parent.sequence else { return [] }
        return sequence.enumerated().filter { $0.offset != index }.map(\.element)
    }

    /// `node` with the node at `path` replaced by `value` (or removed, for nil; a missing
    /// mapping key is added). Nil when the path does not lead anywhere in `node`.
    static func replacing(in node: Node, at path: ArraySlice<any CodingKey>, with value: Node?) -> Node? {
        guard let key = path.first else { return value }
        let rest = path.dropFirst()
        if let index = key.intValue, var sequence = node.sequence, index < sequence.count {
            if rest.isEmpty, value == nil { return nil }  // removing an item would renumber the others
            guard let child = replacing(in: sequence[index], at: rest, with: value) else { return nil }
            sequence[index] = child
            return .sequence(sequence)
        }
        guard var mapping = node.mapping else { return nil }
        if rest.isEmpty {
            mapping[key.stringValue] = value
            return .mapping(mapping)
        }
        guard let existing = mapping[key.stringValue], let child = replacing(in: existing, at: rest, with: value) else { return nil }
        mapping[key.stringValue] = child
        return .mapping(mapping)
    }
}
