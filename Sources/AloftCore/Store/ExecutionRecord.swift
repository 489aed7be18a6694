import Foundation

/// What the gRPC API keeps of an execution beyond its run: a name and the slug made of it
/// (unique among the agent's executions), who created and last changed it, who carries it
/// out, and the instance its session belongs to. Keyed by the run's id; deleted with the run.
public struct ExecutionRecord: Sendable, Hashable, Codable {
    public var runId: String
    public var sessionId: String
    public var agent: String
    public var name: String?
    public var slug: String
    public var instanceId: String?
    /// `aloft` (the engine) or `external` (a runner that reports with UpdateStatus).
    public var runner: String
    public var createdBy: String
    public var updatedBy: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        runId: String, sessionId: String, agent: String, name: String? = nil, slug: String, instanceId: String? = nil, runner: String = "aloft",
        createdBy: String, updatedBy: String? = nil, createdAt: Date, updatedAt: Date? = nil
    ) {
        self.runId = runId
        self.sessionId = sessionId
        self.agent = agent
        self.name = name
        self.slug = slug
        self.instanceId = instanceId
        self.runner = runner
        self.createdBy = createdBy
        self.updatedBy = updatedBy ?? createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    /// A name as a slug: lower-case letters and digits in words joined by `-`, at most 63
    /// characters; nil when nothing of it is left.
    public static func slug(of name: String) -> String? {
        var words: [String] = []
        var word = ""
        for scalar in name.lowercased().unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                word.unicodeScalars.append(scalar)
            } else if !word.isEmpty {
                words.append(word)
                word = ""
            }
        }
        if !word.isEmpty { words.append(word) }
        var slug = words.joined(separator: "-")
        if slug.count > 63 { slug = String(slug.prefix(63)).trimmingCharacters(in: CharacterSet(charactersIn: "-")) }
        return slug.isEmpty ? nil : slug
    }
}
