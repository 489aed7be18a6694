public import AloftCore
public import AloftLLM
public import AloftTools
import Foundation
public import CoreMetrics

/// How the local engine behaves. Plain values with defaults; tests and the CLI set what they need.
public struct EngineConfiguration: Sendable {
    /// Environment variables for API keys and `${VAR}` secrets in HTTP tools.
    public var environment: [String: String]
    /// Builtin tools agents may name (the standard ones, plus any a program embedding Aloft adds).
    public var builtins: [String: BuiltinToolFactory]
    /// How often the assistant message being streamed is saved as it grows: a crash loses at most this much text.
    public var streamFlushInterval: Duration
    /// How often the engine looks for commands from other processes and for due timers.
    public var pollInterval: Duration
    /// Largest accepted input, in bytes.
    public var maxInputBytes: Int
    /// The wall clock, injected so tests control it.
    public var now: @Sendable () -> Date
    /// Where the engine's metrics go (model and step latency, tokens, tool calls).
    public var metrics: any MetricsFactory
    /// Connect timeout and connections per host of model and tool calls.
    public var outbound: OutboundHTTPConfiguration
    /// How many starts in a row may find a run unfinished, with no step recorded in
    /// between, before it is failed (`run_crash_loop`) instead of resumed again.
    public var maxResumesWithoutProgress: Int
    /// Which runs the engine drives: all of the store's, or only its own.
    public var scope: EngineScope
    /// Called with a run's id after this engine, not executing runs itself, recorded a command
    /// for what executes them (a run to drive, a stop, a decision): a relay to another engine
    /// (Temporal) passes it on at once instead of at its next look at the inbox.
    public var commandRecorded: (@Sendable (String) -> Void)?
    /// Finds the agent a `- agent: NAME` tool names (the server's agents, or the files beside
    /// the agent file); nil: agents cannot call other agents.
    public var agentNamed: (@Sendable (String) async throws -> AgentDefinition?)?

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        builtins: [String: BuiltinToolFactory] = Toolbox.standardBuiltins,
        streamFlushInterval: Duration = .milliseconds(250),
        pollInterval: Duration = .milliseconds(200),
        maxInputBytes: Int = 256 * 1024,
        now: @escaping @Sendable () -> Date = { Date() },
        metrics: any MetricsFactory = NOOPMetricsHandler.instance,
        outbound: OutboundHTTPConfiguration = OutboundHTTPConfiguration(),
        maxResumesWithoutProgress: Int = 5,
        scope: EngineScope = .allRuns,
        commandRecorded: (@Sendable (String) -> Void)? = nil
    ) {
        self.scope = scope
        self.commandRecorded = commandRecorded
        self.outbound = outbound
        self.maxResumesWithoutProgress = maxResumesWithoutProgress
        self.metrics = metrics
        self.environment = environment
        self.builtins = builtins
        self.streamFlushInterval = streamFlushInterval
        self.pollInterval = pollInterval
        self.maxInputBytes = maxInputBytes
        self.now = now
    }
}
