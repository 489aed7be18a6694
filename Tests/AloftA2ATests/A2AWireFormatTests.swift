import AloftA2A
import AloftCore
import Foundation
import Testing

@Suite("A2A wire formats")
struct A2AWireFormatTests {
    let v03 = A2AWireFormat(version: .v0_3)
    let v10 = A2AWireFormat(version: .v1_0)

    @Test("a client's message in either shape: text and data parts, ids, metadata")
    func decodes() throws {
        let old = try v03.decodeMessage(
            try JSONValue.parse(#"{"kind":"message","messageId":"m1","role":"user","contextId":"c1","parts":[{"kind":"text","text":"hi"},{"kind":"data","data":{"a":1}}]}"#)
        )
        #expect(old.messageId == "m1" && old.role == .user && old.contextId == "c1")
        #expect(old.parts == [.text("hi"), .data(["a": 1])])
        let new = try v10.decodeMessage(
            try JSONValue.parse(#"{"messageId":"m2","role":"ROLE_USER","taskId":"run_1","parts":[{"text":"yes"}],"metadata":{"k":"v"}}"#)
        )
        #expect(new.taskId == "run_1" && new.parts == [.text("yes")] && new.metadata["k"] == "v")
        let file = try v10.decodeMessage(try JSONValue.parse(#"{"messageId":"m3","role":"ROLE_USER","parts":[{"url":"https://x/y.pdf","mediaType":"application/pdf"}]}"#))
        #expect(file.parts == [.file(mediaType: "application/pdf")])
    }

    @Test("a message that cannot be used: invalid params naming the field")
    func refuses() throws {
        func field(_ text: String) throws -> String? {
            do {
                _ = try v10.decodeMessage(try JSONValue.parse(text))
                return nil
            } catch let error as A2AError {
                #expect(error.code == -32602)
                return error.field
            }
        }
        #expect(try field(#"{"role":"ROLE_USER","parts":[{"text":"x"}]}"#) == "message.messageId")
        #expect(try field(#"{"messageId":"m","role":"ROLE_ROBOT","parts":[{"text":"x"}]}"#) == "message.role")
        #expect(try field(#"{"messageId":"m","role":"ROLE_USER","parts":[]}"#) == "message.parts")
        #expect(try field(#"{"messageId":"m","role":"ROLE_USER","parts":[{"text":5}]}"#) == "message.parts[0].text")
        #expect(try field(#"{"messageId":"m","role":"ROLE_USER","parts":[{"nothing":1}]}"#) == "message.parts[0]")
        #expect(try field(#"{"messageId":"m","role":"ROLE_USER","contextId":"has space","parts":[{"text":"x"}]}"#) == "message.contextId")
        #expect(try field(#"{"messageId":"\#(String(repeating: "m", count: 201))","role":"ROLE_USER","parts":[{"text":"x"}]}"#) == "message.messageId")
        #expect(try field("[]") == "message")
    }

    @Test("a task: 0.3 with kind and lower-case states, 1.0 as protobuf JSON; stream results wrapped in 1.0, with final in 0.3")
    func encodes() {
        let status = A2ATaskStatus(state: .inputRequired, message: A2AMessage(messageId: "s", role: .agent, parts: [.text("ok?")]), timestamp: Date(timeIntervalSince1970: 0))
        let task = A2ATask(id: "run_1", contextId: "ses_1", status: status, artifacts: [A2AArtifact(artifactId: "answer", parts: [.text("a")])])
        let old = v03.task(task)
        #expect(old["kind"] == "task" && old["status"]?["state"] == "input-required")
        #expect(old["status"]?["message"]?["role"] == "agent" && old["status"]?["message"]?["parts"]?.arrayValue?.first?["kind"] == "text")
        #expect(old["status"]?["timestamp"] == "1970-01-01T00:00:00.000Z")
        let new = v10.task(task)
        #expect(new["kind"] == nil && new["status"]?["state"] == "TASK_STATE_INPUT_REQUIRED")
        #expect(new["status"]?["message"]?["role"] == "ROLE_AGENT" && new["artifacts"]?.arrayValue?.first?["parts"]?.arrayValue?.first == ["text": "a"])
        let update = A2AStreamItem.status(taskId: "run_1", contextId: "ses_1", status: status, final: true, metadata: ["aloft.seq": 4])
        #expect(v03.streamResult(update)["kind"] == "status-update" && v03.streamResult(update)["final"] == true)
        #expect(v10.streamResult(update)["statusUpdate"]?["metadata"]?["aloft.seq"] == 4 && v10.streamResult(update)["statusUpdate"]?["final"] == nil)
        #expect(v10.sendResult(task)["task"]?["id"] == "run_1" && v03.sendResult(task)["id"] == "run_1")
        #expect(update.seq == 4 && update.closesStream)
    }
}
