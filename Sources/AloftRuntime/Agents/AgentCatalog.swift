public import AloftCore
public import AloftLLM
public import AloftTools
public import CoreMetrics
import AsyncHTTPClient
import Synchronization

/// An agent ready to run: its definition, its tools and its model provider.
public struct AgentRuntime: Sendable {
    public var definition: AgentDefinition
    /// The content hash of `definition` (see `AgentDefinition.version`).
    public var version: String
    public var toolbox: Toolbox
    public var provider: any ModelProvider
    public var loop: LoopConfiguration
}

/// Builds agents into runtimes once per version and keeps the recent ones: tools open their
/// databases and clients once, not per run. Bounded: API clients can send any number of
/// distinct definitions; a runtime forgotten is simply built again when next needed.
public final class AgentCatalog: Sendable {
    package static let maxRuntimes = 256
    package let runtimes = BoundedCache<String, AgentRuntime>(capacity: maxRuntimes)
    /// Versions by definition, so the content hash is computed once per definition.
    private let versions = BoundedCache<AgentDefinition, String>(capacity: 1_024)
    /// Versions known to be in the database, so they are not written again (forgetting one
    /// costs an `INSERT OR IGNORE`).
    private let stored = BoundedCache<String, Bool>(capacity: 65_536)
    private let environment: [String: String]
    private let builtins: [String: BuiltinToolFactory]
    private let client: HTTPClient
    private let modelHTTP: ModelHTTPClient
    private let forbiddenFiles: [String]
    private let children: (any ChildRunner)?
    /// The price list of `ALOFT_MODEL_PRICES`, read once; a broken one is every agent's problem.
    private let priceList: Result<ModelPriceList, ModelPriceFileError>

    /// - Parameters:
    ///   - environment: variables for API keys and `${VAR}` secrets.
    ///   - builtins: the builtin tools agents may name.
    ///   - outbound: connect timeout and connections per host of model and tool calls.
    ///   - metrics: where the wait for a free connection to a model host is reported.
    ///   - forbiddenFiles: files no tool may open (the database, the server's secrets).
    public init(
        environment: [String: String], builtins: [String: BuiltinToolFactory], outbound: OutboundHTTPConfiguration,
        metrics: any MetricsFactory, forbiddenFiles: [String] = [], children: (any ChildRunner)? = nil
    ) {
        self.children = children
        self.environment = environment
        self.builtins = builtins
        self.forbiddenFiles = forbiddenFiles
        self.priceList = ModelPriceFile.load(environment: environment)
        let metrics = RunMetrics(factory: metrics)
        self.modelHTTP = ModelHTTPClient.shared(outbound) { host, waited in metrics.modelQueueWait(host: host, waited: waited) }
        self.client = modelHTTP.client
    }

    /// The runtime of `definition`, validating everything a run needs; throws
    /// `EngineError.invalidAgent` naming every problem.
    public func runtime(for definition: AgentDefinition) async throws -> AgentRuntime {
        let version = versions[definition] ?? {
            let version = definition.version
            versions.set(version, for: definition)
            return version
        }()
        if let cached = runtimes[version], !cached.toolbox.isStale { return cached }
        var problems = definition.problems()
        var toolbox: Toolbox?
        do {
            toolbox = try await Toolbox.build(
                agent: definition,
                environment: ToolEnvironment(
                    baseDirectory: "/", variables: environment, client: client,
                    timeoutSeconds: definition.policies.toolTimeoutSeconds, forbiddenFiles: forbiddenFiles, children: children
                ),
                builtins: builtins
            )
        } catch let error as ToolConfigurationError {
            problems += error.problems
        } catch {
            problems.append("\(error)")
        }
        var provider: (any ModelProvider)?
        do {
            let policies = definition.policies
            provider = try ModelProviderFactory(http: modelHTTP, environment: environment).provider(
                for: definition.model,
                limits: ModelCallLimits(totalSeconds: policies.modelTimeoutSeconds, idleSeconds: policies.modelIdleTimeoutSeconds)
            )
        } catch let error as ModelError {
            problems.append("model: \(error.message)")
        }
        var prices = definition.model.prices
        switch priceList {
        case .success(let list): prices = prices ?? list.prices(for: definition.model)
        case .failure(let error): problems.append(error.message)
        }
        if definition.policies.maxCostUSDPerRun != nil, prices == nil, case .success = priceList {
            problems.append(
                "policies.max_cost_usd_per_run: needs model.prices (input_usd_per_million_tokens, output_usd_per_million_tokens), or an entry for \(definition.model.name) in the price list \(ModelPriceFile.variable) names, to count the cost"
            )
        }
        guard problems.isEmpty, let toolbox, let provider else {
            throw EngineError(code: .invalidAgent, message: "agent '\(definition.name)': " + problems.joined(separator: "; "))
        }
        let runtime = AgentRuntime(
            definition: definition, version: version, toolbox: toolbox, provider: provider,
            loop: LoopConfiguration(tools: toolbox.definitions, policies: definition.policies, prices: prices)
        )
        runtimes.set(runtime, for: version)
        return runtime
    }

    /// Whether `version` still has to be written with the next run that uses it.
    public func needsStoring(_ version: String) -> Bool {
        stored[version] == nil
    }

    public func markStored(_ version: String) {
        stored.set(true, for: version)
    }

    /// The runtime of a stored agent version (a run resuming after a restart).
    public func runtime(version: String, store: any RunReader) async throws -> AgentRuntime {
        if let cached = runtimes[version], !cached.toolbox.isStale { return cached }
        markStored(version)
        guard let definition = try await store.agentDefinition(version: version) else {
            throw EngineError(code: .invalidAgent, message: "agent version \(version) is not in the database")
        }
        return try await runtime(for: definition)
    }
}
