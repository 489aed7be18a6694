import AloftCore

/// The API's paths and their methods, read from the OpenAPI document: which methods a path
/// that the router does not answer for this method does take (a 405 with `Allow`, not a 404).
enum DocumentedRoutes {
    /// Each documented path as its segments (`nil` for a `{parameter}`), with its methods.
    static let table: [(segments: [String?], methods: [String])] = {
        guard case .object(let paths)? = (try? JSONValue.parse(OpenAPIDocument.json))?["paths"] else { return [] }
        return paths.map { path, item in
            let segments = path.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) }
            let methods = (item.objectValue ?? [:]).keys.map { $0.uppercased() }
                .filter { ["GET", "POST", "PUT", "PATCH", "DELETE"].contains($0) }.sorted()
            return (segments, methods)
        }
    }()

    /// The methods the document lists for `path`, or nil when it documents no such path.
    static func methods(for path: String) -> [String]? {
        let parts = path.split(separator: "/").map(String.init)
        for route in table where route.segments.count == parts.count {
            if zip(route.segments, parts).allSatisfy({ $0 == nil || $0 == $1 }) { return route.methods }
        }
        return nil
    }
}
