import AloftA2A
import AloftCore
import Testing

@Suite("JSON-RPC requests")
struct JSONRPCRequestTests {
    func failure(_ text: String) -> JSONRPCRequest.Failure? {
        if case .failure(let failure) = JSONRPCRequest.parse(text) { return failure }
        return nil
    }

    @Test("a request: its id, method and params")
    func parses() throws {
        let request = try JSONRPCRequest.parse(#"{"jsonrpc":"2.0","id":"a1","method":"GetTask","params":{"id":"run_1"}}"#).get()
        #expect(request.id == "a1" && request.method == "GetTask" && request.params["id"] == "run_1")
        #expect(try JSONRPCRequest.parse(#"{"jsonrpc":"2.0","id":7,"method":"tasks/get"}"#).get().params.isEmpty)
    }

    @Test("what is not a request: -32700 for JSON that does not parse, -32600 for the rest, -32602 for params that are no object")
    func refuses() {
        #expect(failure("{nope")?.error.code == -32700)
        #expect(failure(#"[{"jsonrpc":"2.0","id":1,"method":"GetTask"}]"#)?.error.message.contains("batch") == true)
        #expect(failure(#"{"jsonrpc":"1.0","id":1,"method":"GetTask"}"#)?.error.code == -32600)
        #expect(failure(#"{"jsonrpc":"2.0","id":{"x":1},"method":"GetTask"}"#)?.error.code == -32600)
        let noMethod = failure(#"{"jsonrpc":"2.0","id":3}"#)
        #expect(noMethod?.error.code == -32600 && noMethod?.id == 3, "the error answers the request's id")
        let params = failure(#"{"jsonrpc":"2.0","id":4,"method":"GetTask","params":[1]}"#)
        #expect(params?.error.code == -32602 && params?.error.field == "params")
    }

    @Test("versions: the A2A-Version header (none is 0.3, a patch is ignored); another version is -32009; methods name their version")
    func versions() throws {
        #expect(try A2AProtocolVersion.of(header: nil) == .v0_3)
        #expect(try A2AProtocolVersion.of(header: "") == .v0_3)
        #expect(try A2AProtocolVersion.of(header: "1.0") == .v1_0)
        #expect(try A2AProtocolVersion.of(header: "1.0.2") == .v1_0)
        #expect(try A2AProtocolVersion.of(header: "0.3.0") == .v0_3)
        #expect(throws: A2AError.self) { try A2AProtocolVersion.of(header: "2.0") }
        #expect(throws: A2AError.self) { try A2AProtocolVersion.of(header: "latest") }
        #expect(A2AMethod.named("message/stream")! == (.stream, .v0_3))
        #expect(A2AMethod.named("SubscribeToTask")! == (.subscribe, .v1_0))
        #expect(A2AMethod.named("tasks/list") == nil, "0.3 has no list")
    }

    @Test("errors: 1.0 carries a google.rpc.ErrorInfo with the reason and the field, 0.3 the field")
    func errors() {
        let error = A2AError.invalidParams("message.parts", "is required")
        let v1 = error.json(.v1_0)
        #expect(v1["code"] == -32602 && v1["message"] == "message.parts: is required")
        #expect(v1["data"]?.arrayValue?.first?["@type"] == "type.googleapis.com/google.rpc.ErrorInfo")
        #expect(v1["data"]?.arrayValue?.first?["reason"] == "INVALID_PARAMS")
        #expect(v1["data"]?.arrayValue?.first?["metadata"]?["field"] == "message.parts")
        #expect(error.json(.v0_3)["data"]?["field"] == "message.parts")
        #expect(A2AError.taskNotFound("run_x").json(.v0_3)["data"] == nil)
    }
}
