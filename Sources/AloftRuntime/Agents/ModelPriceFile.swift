public import AloftCore
import Foundation
import Yams

/// Reads the price list `ALOFT_MODEL_PRICES` names (YAML or JSON; see `ModelPriceList`).
public enum ModelPriceFile {
    /// The environment variable naming the file.
    public static let variable = "ALOFT_MODEL_PRICES"
    /// Largest file read.
    static let maxBytes = 1 << 20

    /// The list the environment names: empty when none is named; every problem (unreadable,
    /// malformed, a price out of range) as one message naming the file.
    public static func load(environment: [String: String]) -> Result<ModelPriceList, ModelPriceFileError> {
        guard let path = environment[variable], !path.isEmpty else { return .success(ModelPriceList()) }
        guard let data = FileManager.default.contents(atPath: path), data.count <= maxBytes else {
            return .failure(ModelPriceFileError(message: "\(variable): \(path) cannot be read (or is over 1 MiB)"))
        }
        let list: ModelPriceList
        do {
            list = try YAMLDecoder().decode(ModelPriceList.self, from: String(decoding: data, as: UTF8.self))
        } catch {
            return .failure(ModelPriceFileError(message: "\(variable): \(path) is not a price list (models: {NAME: {input_usd_per_million_tokens, output_usd_per_million_tokens}}): \(error)"))
        }
        let problems = list.problems()
        guard problems.isEmpty else { return .failure(ModelPriceFileError(message: "\(variable): \(path): " + problems.joined(separator: "; "))) }
        return .success(list)
    }
}

/// A price list that cannot be used.
public struct ModelPriceFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
