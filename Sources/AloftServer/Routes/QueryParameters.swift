import Hummingbird

/// Reads and checks query parameters, answering 422 naming the parameter.
struct QueryParameters {
    let request: Request

    func string(_ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map(String.init)
    }

    /// Every value of a repeated parameter (`?metadata=a:1&metadata=b:2`).
    func strings(_ name: String) -> [String] {
        request.uri.queryParameters.getAll(name)
    }

    /// `name:value` pairs of a repeated parameter, each split at its first colon.
    func pairs(_ name: String) throws -> [String: String] {
        var pairs: [String: String] = [:]
        for item in strings(name) {
            guard let colon = item.firstIndex(of: ":"), colon != item.startIndex else {
                throw APIError.invalidField(name, "must be name:value (e.g. \(name)=team:support), not '\(item.prefix(80))'")
            }
            pairs[String(item[..<colon])] = String(item[item.index(after: colon)...])
        }
        return pairs
    }

    func integer(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = string(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.invalidField(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A page size: 1 to 200, 50 unless given.
    func limit() throws -> Int { try integer("limit", default: 50, range: 1...200) }
}
