import Foundation
import Testing

@testable import AloftCore

@Suite("JSON text")
struct JSONValueTests {
    @Test("parses what Foundation parses, and writes text Foundation reads back the same", arguments: [
        #"{"a":[1,2.5,-3e2,true,false,null],"b":{"c":"x\"y\\z\n\u00e9\ud83d\ude00"},"d":""}"#,
        "  [ ]  ", "0", "-0.125", #""\/\b\f\t""#, #"{"nested":{"deep":[[[]]]}}"#,
    ])
    func roundTrip(text: String) throws {
        let value = try JSONValue.parse(text)
        let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value == foundation)
        let written = value.jsonText()
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(written.utf8)) == value)
        #expect(try JSONValue.parse(written) == value)
    }

    @Test("rejects what is not JSON", arguments: [
        "{city: Oslo", "{\"a\":1,}", "[1 2]", "01", "\"unterminated", "tru", "{\"a\":1} x", "", "\"a\u{01}\"", "1.", "-",
    ])
    func rejects(text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text) }
    }

    @Test("lone UTF-16 surrogates become U+FFFD instead of taking the process down", arguments: [
        (#""\ud800\u0041""#, "\u{FFFD}A"), (#""\udc00""#, "\u{FFFD}"), (#""\ud800""#, "\u{FFFD}"),
        (#""\ud800\ud800\udc00""#, "\u{FFFD}\u{10000}"), (#""x\udbff\u""#, nil), (#""\ud83d\ude00""#, "😀"),
    ])
    func loneSurrogates(text: String, expected: String?) throws {
        if let expected {
            #expect(try JSONValue.parse(text) == .string(expected))
            #expect(try JSONValue.parse(#"{"input":\#(text)}"#)["input"] == .string(expected))
        } else {
            #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text) }
        }
    }

    @Test("numbers beyond Double's range are refused, not turned into infinity")
    func hugeNumbers() throws {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse("1e400") }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse("[-1e999]") }
        #expect(try JSONValue.parse("1e300") == .number(1e300))
        #expect(JSONValue.number(1e300).jsonText() == "1e+300")
    }

    @Test("control characters are escaped")
    func escapes() {
        #expect(JSONValue.string("a\u{01}b\"").jsonText() == #""a\u0001b\"""#)
        #expect(JSONValue.object(["b": 1, "a": [true, .null]]).jsonText() == #"{"a":[true,null],"b":1}"#)
    }
}
