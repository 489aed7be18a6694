/// Who carries an agent's runs out.
public enum AgentRunner: String, Sendable, Hashable, Codable {
    /// Aloft's engine: model calls, tools, approvals, retries.
    case aloft
    /// A process outside Aloft (in any language) that reports each run's progress with the gRPC
    /// API's UpdateStatus; Aloft stores, streams and serves the run, and never executes it.
    case external

    /// The model of an external agent that names none: never called.
    static let externalModel = ModelSettings(provider: .scripted, name: "external", script: [])

    /// The agent version recorded on runs an external runner carries out: the engine never
    /// resumes, drives or hands such runs to Temporal.
    public static let externalVersion = "external"
}

extension Run {
    /// Whether a process outside Aloft carries this run out.
    public var isExternal: Bool { agentVersion == AgentRunner.externalVersion }
}
