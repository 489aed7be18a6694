public import AloftCore

/// Another agent as a tool (`- agent: reviewer` in an agent file). A call is a child run of
/// that agent on the model's input: its text streams as the call's progress, its answer is the
/// result, its tokens count toward the calling run's usage and budgets. A child that fails or
/// is stopped is a tool error the model reads.
public struct AgentTool: Tool {
    let agent: String
    let runner: any ChildRunner

    public init(agent: String, runner: any ChildRunner) {
        self.agent = agent
        self.runner = runner
    }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: agent, description: "Asks the agent \(agent) to do a task and returns its answer. It sees only the input you give it.",
            parameters: [
                "type": "object",
                "properties": ["input": ["type": "string", "description": "The task for the agent, in full."]],
                "required": ["input"],
            ]
        )
    }

    public func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String {
        guard let input = arguments["input"]?.stringValue, !input.isEmpty else {
            throw ToolError(code: .invalidArguments, message: "'input' is required: the task for \(agent)")
        }
        let outcome = try await runner.run(agent: agent, input: input, context: context)
        context.reportUsage?(outcome.usage)
        switch outcome.phase {
        case .completed:
            return outcome.output ?? ""
        case .cancelled:
            throw ToolError(code: .failed, message: "the agent \(agent) was stopped (run \(outcome.runId))")
        default:
            throw ToolError(
                code: .failed,
                message: "the agent \(agent) failed (run \(outcome.runId)): \(outcome.error.map { "\($0.code.rawValue): \($0.message)" } ?? "no reason given")"
            )
        }
    }
}
