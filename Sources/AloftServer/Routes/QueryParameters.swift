import Hummingbird

/// Reads and checks query parameters, answering 422 naming the parameter.
struct QueryParameters {
    let request: Request

    func string(_ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map(String.init)
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
