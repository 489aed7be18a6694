public import AloftCore

/// What a content filter says it filtered (Azure OpenAI's `content_filter_result(s)`):
/// `hate: high, violence: medium`, for a run error a person can act on.
public enum ContentFilterReport {
    public static func filtered(in results: JSONValue?) -> String {
        guard case .object(let categories)? = results else { return "" }
        return categories.keys.sorted().compactMap { name in
            guard let category = categories[name], category["filtered"] == .bool(true) else { return nil }
            return category["severity"]?.stringValue.map { "\(name): \($0)" } ?? name
        }.joined(separator: ", ")
    }

    /// The error of an answer the filter stopped (`finish_reason: content_filter`).
    static func stoppedAnswer(_ results: JSONValue?) -> ModelError {
        let categories = filtered(in: results)
        return ModelError(
            code: .contentFiltered,
            message: "the provider's content filter stopped the answer\(categories.isEmpty ? "" : " (\(categories))"); rephrase the request, or change the deployment's content filter"
        )
    }
}
