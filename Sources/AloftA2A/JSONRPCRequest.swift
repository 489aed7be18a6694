import AloftCore

/// A JSON-RPC 2.0 request as A2A sends it: one object (no batches), `jsonrpc: "2.0"`, a string,
/// number or null `id`, a `method` and an object of `params`.
package struct JSONRPCRequest: Sendable {
    package var id: JSONValue
    package var method: String
    package var params: [String: JSONValue]

    package init(id: JSONValue, method: String, params: [String: JSONValue]) {
        self.id = id
        self.method = method
        self.params = params
    }

    /// Why a body is not a request, with its id when that could be read (so the error answers
    /// the request it is about).
    package struct Failure: Error {
        package var id: JSONValue
        package var error: A2AError

        init(_ id: JSONValue, _ error: A2AError) {
            self.id = id
            self.error = error
        }
    }

    /// The request in `text`.
    package static func parse(_ text: String) -> Result<JSONRPCRequest, Failure> {
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            return .failure(Failure(JSONValue.null, A2AError.parse("the body is not valid JSON: \(error)")))
        }
        guard case .object(let object) = value else {
            let problem = value.arrayValue != nil ? "batch requests are not supported; send one request per call" : "the body must be a JSON-RPC request object"
            return .failure(Failure(JSONValue.null, A2AError.invalidRequest(problem)))
        }
        var id: JSONValue = .null
        switch object["id"] {
        case .string?, .number?: id = object["id"]!
        case nil, .null?: break
        default: return .failure(Failure(JSONValue.null, A2AError.invalidRequest("id must be a string, a number or null")))
        }
        guard object["jsonrpc"] == .string("2.0") else { return .failure(Failure(id, A2AError.invalidRequest("jsonrpc must be exactly \"2.0\""))) }
        guard case .string(let method)? = object["method"], !method.isEmpty else {
            return .failure(Failure(id, A2AError.invalidRequest("method is required: a string such as SendMessage or message/send")))
        }
        var params: [String: JSONValue] = [:]
        switch object["params"] {
        case nil, .null?: break
        case .object(let fields)?: params = fields
        default: return .failure(Failure(id, A2AError.invalidParams("params", "must be an object")))
        }
        return .success(JSONRPCRequest(id: id, method: method, params: params))
    }

    /// A request, as a client sends it.
    package static func request(id: JSONValue, method: String, params: [String: JSONValue]) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "method": .string(method), "params": .object(params)]
    }

    /// A success response.
    package static func response(id: JSONValue, result: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    /// An error response.
    package static func response(id: JSONValue, error: A2AError, version: A2AProtocolVersion) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "error": error.json(version)]
    }
}
