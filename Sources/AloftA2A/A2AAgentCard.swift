import AloftCore

/// An agent's A2A card, served at `{endpoint}/.well-known/agent-card.json`. One card serves
/// both protocol versions: 1.0 clients read `supportedInterfaces` (JSON-RPC 1.0 and 0.3 on
/// the same URL), 0.3 clients the legacy top-level `url`, `protocolVersion` and
/// `preferredTransport`. Security schemes are written so both read them (0.3's `type` and
/// 1.0's `httpAuthSecurityScheme` side by side).
package enum A2AAgentCard {
    package static func card(for agent: AgentDefinition, endpoint: String, requiresKey: Bool, pushNotifications: Bool) -> JSONValue {
        var card: [String: JSONValue] = [
            "name": .string(agent.name),
            "description": .string(agent.description.isEmpty ? "The Aloft agent \(agent.name)." : agent.description),
            "version": .string(agent.version),
            "supportedInterfaces": [
                ["url": .string(endpoint), "protocolBinding": "JSONRPC", "protocolVersion": "1.0"],
                ["url": .string(endpoint), "protocolBinding": "JSONRPC", "protocolVersion": "0.3"],
            ],
            // 0.3's fields for the same endpoint.
            "url": .string(endpoint),
            "preferredTransport": "JSONRPC",
            "protocolVersion": "0.3.0",
            "capabilities": [
                "streaming": true,
                "pushNotifications": .bool(pushNotifications),
                "stateTransitionHistory": false,
                "extensions": [
                    [
                        "uri": .string(A2AApprovals.extensionURI),
                        "description": "Tool calls that need a person's approval: the task is input-required with the pending calls as a data part; answer on the same task with approve, deny, or {\"decisions\": [...]}.",
                        "required": false,
                    ]
                ],
            ],
            "defaultInputModes": ["text/plain", "application/json"],
            "defaultOutputModes": ["text/plain"],
            "skills": .array(skills(of: agent)),
        ]
        if requiresKey {
            let description: JSONValue = "An API key of the server, sent as Authorization: Bearer <key>."
            card["securitySchemes"] = [
                "bearer": [
                    "type": "http", "scheme": "bearer", "description": description,
                    "httpAuthSecurityScheme": ["scheme": "bearer", "description": description],
                ]
            ]
            card["security"] = [["bearer": []]]
            card["securityRequirements"] = [["schemes": ["bearer": ["list": []]]]]
        }
        return .object(card)
    }

    /// The skills from the agent file's `a2a:` section; without one, a skill per tool, or
    /// (no tools) one for the agent itself.
    package static func skills(of agent: AgentDefinition) -> [JSONValue] {
        if let settings = agent.a2a, !settings.skills.isEmpty {
            return settings.skills.map { skill in
                [
                    "id": .string(skill.id), "name": .string(skill.name), "description": .string(skill.description),
                    "tags": .array(skill.tags.map(JSONValue.string)), "examples": .array(skill.examples.map(JSONValue.string)),
                ]
            }
        }
        if agent.tools.isEmpty {
            return [
                [
                    "id": .string(agent.name), "name": .string(agent.name),
                    "description": .string(agent.description.isEmpty ? "Answers in conversation." : agent.description), "tags": ["chat"],
                ]
            ]
        }
        let gated = Set(agent.policies.requireApproval)
        return agent.tools.map { tool in
            var tags: [JSONValue] = ["tool"]
            if gated.contains(tool.name) { tags.append("requires-approval") }
            return [
                "id": .string(tool.name), "name": .string(tool.name),
                "description": .string(tool.http?.description ?? "Uses the \(tool.name) tool."), "tags": .array(tags),
            ]
        }
    }
}
