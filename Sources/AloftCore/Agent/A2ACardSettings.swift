/// What an agent's A2A card says about it beyond its name and description (the agent file's
/// `a2a:` section). Without it, the card lists the agent's tools as its skills.
public struct A2ACardSettings: Sendable, Hashable, Codable {
    public var skills: [A2ASkill]

    public init(skills: [A2ASkill] = []) {
        self.skills = skills
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case skills
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        skills = try c.decodeIfPresent([A2ASkill].self, forKey: .skills) ?? []
    }

    /// The problems that make these settings unusable, each naming its field.
    public func problems() -> [String] {
        var problems: [String] = []
        var seen = Set<String>()
        for (index, skill) in skills.enumerated() {
            let field = "a2a.skills[\(index)]"
            if skill.id.isEmpty || skill.id.utf8.count > 100 { problems.append("\(field).id: must be 1 to 100 bytes") }
            if !seen.insert(skill.id).inserted { problems.append("\(field).id: '\(skill.id.prefix(100))' is used twice") }
            if skill.name.isEmpty || skill.name.utf8.count > 200 { problems.append("\(field).name: must be 1 to 200 bytes") }
            if skill.description.utf8.count > 4000 { problems.append("\(field).description: must be at most 4000 bytes") }
            if skill.tags.count > 32 || skill.examples.count > 32 { problems.append("\(field): at most 32 tags and 32 examples") }
        }
        if skills.count > 100 { problems.append("a2a.skills: at most 100 skills") }
        return problems
    }
}

/// A skill an agent's A2A card advertises: what it can be asked to do.
public struct A2ASkill: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var description: String
    public var tags: [String]
    public var examples: [String]

    public init(id: String, name: String, description: String = "", tags: [String] = [], examples: [String] = []) {
        self.id = id
        self.name = name
        self.description = description
        self.tags = tags
        self.examples = examples
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, description, tags, examples
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? id
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        examples = try c.decodeIfPresent([String].self, forKey: .examples) ?? []
    }
}
