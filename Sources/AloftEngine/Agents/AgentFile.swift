public import AloftCore
import AloftLLM
import Foundation
internal import Yams

/// An agent file that cannot be used, with every problem named by file and field.
public struct AgentFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var problems: [String]

    public init(path: String, problems: [String]) {
        self.path = path
        self.problems = problems
    }

    public var description: String {
        problems.map { "\(path): \($0)" }.joined(separator: "\n")
    }
}

/// Reads agent definitions from YAML files.
public enum AgentFile {
    /// `path` made absolute against `base`, `.` and `..` removed lexically (no symbolic link
    /// resolved).
    static func joined(_ base: String, _ path: String) -> String {
        var parts: [Substring] = []
        for part in ((path.hasPrefix("/") ? "" : base + "/") + path).split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Loads and validates the agent at `path`. Relative paths inside it (databases,
    /// script files) are resolved against the file's folder, so the stored definition
    /// stands on its own.
    public static func load(path: String) throws -> AgentDefinition {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw AgentFileError(path: path, problems: [exists ? "cannot be read" : "no such file"])
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(text, path: path, baseDirectory: directory)
    }

    /// Parses and validates an agent from YAML (or JSON) text.
    public static func parse(_ text: String, path: String = "<agent>", baseDirectory: String) throws -> AgentDefinition {
        var agent: AgentDefinition
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw AgentFileError(path: path, problems: ["not valid YAML: \(error)"])
        }
        if let root {
            // Every decoding problem at once; then the checks of the fields that decoded as written.
            let outcome = TolerantYAMLDecoding.decode(AgentDefinition.self, from: text, root: root)
            guard outcome.problems.isEmpty, let decoded = outcome.value else {
                // Only problems of fields written in the file and not set aside: a stand-in may
                // break a rule that spans fields (a provider needing a model name, tools named).
                let others = (outcome.value?.problems() ?? []).filter { problem in
                    guard let keys = fieldKeys(of: problem), written(keys, in: text) else { return false }
                    let field = keys.map(TolerantYAMLDecoding.name)
                    let crossesTools = field.first == "policies" && outcome.setAside.contains { $0.first == "tools" }
                    return !crossesTools && !outcome.setAside.contains { $0.starts(with: field) || field.starts(with: $0) }
                }
                throw AgentFileError(path: path, problems: byLine(outcome.problems + others.map { located($0, in: text) }))
            }
            agent = decoded
        } else {
            do {
                agent = try YAMLDecoder().decode(AgentDefinition.self, from: text)
            } catch let error as DecodingError {
                throw AgentFileError(path: path, problems: [describe(error, in: text)])
            } catch {
                throw AgentFileError(path: path, problems: ["not valid YAML: \(error)"])
            }
        }
        func resolve(_ file: String) -> String {
            file.hasPrefix("/") ? file : URL(fileURLWithPath: baseDirectory).appendingPathComponent(file).standardizedFileURL.path
        }
        for index in agent.tools.indices {
            if let database = agent.tools[index].database { agent.tools[index].database = resolve(database) }
            // An MCP server's folder, and a command given as a relative path, are the agent file's.
            if let folder = agent.tools[index].mcp?.workingDirectory { agent.tools[index].mcp?.workingDirectory = resolve(folder) }
            // A program's path keeps its symbolic links (a Python virtual environment's `bin/python` is one).
            if let command = agent.tools[index].mcp?.command, command.contains("/") { agent.tools[index].mcp?.command = Self.joined(baseDirectory, command) }
        }
        if let scriptFile = agent.model.scriptFile {
            let resolved = resolve(scriptFile)
            do {
                agent.model.script = try ModelProviderFactory.loadScript(at: resolved)
                agent.model.scriptFile = resolved
            } catch {
                throw AgentFileError(path: path, problems: ["model.script_file: cannot read '\(resolved)': \(error)"])
            }
        }
        let problems = agent.problems()
        if !problems.isEmpty { throw AgentFileError(path: path, problems: byLine(problems.map { located($0, in: text) })) }
        return agent
    }

    /// Problems in the order of their lines in the file (those without a line first).
    package static func byLine(_ problems: [String]) -> [String] {
        func line(_ problem: String) -> Int {
            guard problem.hasPrefix("line "), let colon = problem.firstIndex(of: ":") else { return 0 }
            return Int(problem[problem.index(problem.startIndex, offsetBy: 5)..<colon]) ?? 0
        }
        return problems.enumerated().sorted { (line($0.element), $0.offset) < (line($1.element), $1.offset) }.map(\.element)
    }

    /// A problem (`field.path[2].name: what is wrong`) with the line of its field in front,
    /// when the field is written in the file.
    static func located(_ problem: String, in text: String) -> String {
        guard let keys = fieldKeys(of: problem), let line = line(of: keys, in: text) else { return problem }
        return "line \(line): " + problem
    }

    /// The field a problem names (`tools[2].http.url: …`), as keys; nil when it names none.
    static func fieldKeys(of problem: String) -> [FieldKey]? {
        guard let colon = problem.range(of: ": ") else { return nil }
        var keys: [FieldKey] = []
        for part in problem[..<colon.lowerBound].split(separator: ".") {
            var name = Substring(part)
            var indexes: [Int] = []
            while let open = name.lastIndex(of: "["), name.hasSuffix("]"), let index = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) {
                indexes.insert(index, at: 0)
                name = name[..<open]
            }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
            keys.append(FieldKey(stringValue: String(name)))
            keys += indexes.map { FieldKey(intValue: $0) }
        }
        return keys.isEmpty ? nil : keys
    }

    /// Whether the field at `path` is written in the file (not only its parent).
    static func written(_ path: [any CodingKey], in text: String) -> Bool {
        guard var node = try? Yams.compose(yaml: text) else { return false }
        for key in path {
            if let index = key.intValue, let sequence = node.sequence, index < sequence.count {
                node = sequence[index]
            } else if let child = node.mapping?[key.stringValue] {
                node = child
            } else {
                return false
            }
        }
        return true
    }

    /// A field of the path a problem names.
    struct FieldKey: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(stringValue: String) { self.stringValue = stringValue }
        init(intValue: Int) {
            self.stringValue = "\(intValue)"
            self.intValue = intValue
        }
    }

    /// A decoding error as a person reads it: the field's path, its line, and what is wrong.
    package static func describe(_ error: DecodingError, in text: String) -> String {
        let path: [any CodingKey]
        switch error {
        case .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath
        @unknown default:
            path = []
        }
        let description = describe(error)
        guard let line = line(of: path, in: text) else { return description }
        return "line \(line): " + description
    }

    /// The line of the YAML node at `path` (or of its nearest parent that exists).
    static func line(of path: [any CodingKey], in text: String) -> Int? {
        guard var node = try? Yams.compose(yaml: text) else { return nil }
        for key in path {
            if let index = key.intValue, let sequence = node.sequence, index < sequence.count {
                node = sequence[index]
            } else if let mapping = node.mapping, let child = mapping[key.stringValue] {
                node = child
            } else if let mapping = node.mapping,
                let entry = mapping.first(where: { $0.key.string == key.stringValue })
            {
                node = entry.key
                break
            } else {
                break
            }
        }
        return node.mark?.line
    }

    /// A decoding error as a person reads it: the field's path and what is wrong.
    public static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            let text = path.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
            return text.isEmpty ? "the file" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(field(context.codingPath + [key])): missing (required)"
        case .typeMismatch(let type, let context):
            return "\(field(context.codingPath)): expected \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(field(context.codingPath)): expected \(typeName(type)), found nothing"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty, let underlying = context.underlyingError {
                return "not valid YAML: \(underlying)"
            }
            return "\(field(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default:
            String(describing: type).hasPrefix("Array") ? "a list" : "a mapping (\(String(describing: type)))"
        }
    }
}
