import AloftCore
import AloftLLM
import AloftTools
import AsyncHTTPClient
import Synchronization

/// An agent ready to run: its definition, its tools and its model provider.
struct AgentRuntime: Sendable {
    var definition: AgentDefinition
    var version: String
    var toolbox: Toolbox
    var provider: any ModelProvider
    var loop: LoopConfiguration
}

/// Builds agents into runtimes once per version and keeps the recent ones: tools open their
/// databases and clients once, not per run. Bounded: API clients can send any number of
/// distinct definitions; a runtime forgotten is simply built again when next needed.
final class AgentCatalog: Sendable {
    static let maxRuntimes = 256
    let runtimes = BoundedCache<String, AgentRuntime>(capacity: maxRuntimes)
    /// Versions by definition, so the content hash is computed once per definition.
    private let versions = BoundedCache<AgentDefinition, String>(capacity: 1_024)
    /// Versions known to be in the database, so they are not written again (forgetting one
    /// costs an `INSERT OR IGNORE`).
    private let stored = BoundedCache<String, Bool>(capacity: 65_536)
    private let configuration: EngineConfiguration
    private let client: HTTPClient
    private let modelHTTP: ModelHTTPClient

    private let forbiddenFiles: [String]

    init(configuration: EngineConfiguration, forbiddenFiles: [String] = []) {
        self.configuration = configuration
        self.forbiddenFiles = forbiddenFiles
        let metrics = EngineMetrics(factory: configuration.metrics)
        self.modelHTTP = ModelHTTPClient.shared(configuration.outbound) { host, waited in metrics.modelQueueWait(host: host, waited: waited) }
        self.client = modelHTTP.client
    }

    /// The runtime of `definition`, validating everything a run needs; throws
    /// `EngineError.invalidAgent` naming every problem.
    func runtime(for definition: AgentDefinition) throws -> AgentRuntime {
        let version = versions[definition] ?? {
            let version = definition.version
            versions.set(version, for: definition)
            return version
        }()
        if let cached = runtimes[version] { return cached }
        var problems = definition.problems()
        var toolbox: Toolbox?
        do {
            toolbox = try Toolbox(
                agent: definition,
                environment: ToolEnvironment(
                    baseDirectory: "/", variables: configuration.environment, client: client,
                    timeoutSeconds: definition.policies.toolTimeoutSeconds, forbiddenFiles: forbiddenFiles
                ),
                builtins: configuration.builtins
            )
        } catch let error as ToolConfigurationError {
            problems += error.problems
        } catch {
            problems.append("\(error)")
        }
        var provider: (any ModelProvider)?
        do {
            let policies = definition.policies
            provider = try ModelProviderFactory(http: modelHTTP, environment: configuration.environment).provider(
                for: definition.model,
                limits: ModelCallLimits(totalSeconds: policies.modelTimeoutSeconds, idleSeconds: policies.modelIdleTimeoutSeconds)
            )
        } catch let error as ModelError {
            problems.append("model: \(error.message)")
        }
        guard problems.isEmpty, let toolbox, let provider else {
            throw EngineError(code: .invalidAgent, message: "agent '\(definition.name)': " + problems.joined(separator: "; "))
        }
        let runtime = AgentRuntime(
            definition: definition, version: version, toolbox: toolbox, provider: provider,
            loop: LoopConfiguration(tools: toolbox.definitions, policies: definition.policies)
        )
        runtimes.set(runtime, for: version)
        return runtime
    }

    /// Whether `version` still has to be written with the next run that uses it.
    func needsStoring(_ version: String) -> Bool {
        stored[version] == nil
    }

    func markStored(_ version: String) {
        stored.set(true, for: version)
    }

    /// The runtime of a stored agent version (a run resuming after a restart).
    func runtime(version: String, store: any RunReader) async throws -> AgentRuntime {
        if let cached = runtimes[version] { return cached }
        markStored(version)
        guard let definition = try await store.agentDefinition(version: version) else {
            throw EngineError(code: .invalidAgent, message: "agent version \(version) is not in the database")
        }
        return try runtime(for: definition)
    }
}
