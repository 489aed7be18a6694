public import AloftTemporalAPI
import Foundation

/// Values in Temporal payloads as JSON with `encoding: json/plain`, so that the `temporal`
/// CLI, the Web UI and other SDKs show and read them.
public enum TemporalPayload {
    static let encodingKey = "encoding"
    static let json = Data("json/plain".utf8)

    public static func encode(_ value: some Encodable) throws -> Temporal_Api_Common_V1_Payload {
        var payload = Temporal_Api_Common_V1_Payload()
        payload.metadata[encodingKey] = json
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        payload.data = try encoder.encode(value)
        return payload
    }

    public static func payloads(_ value: some Encodable) throws -> Temporal_Api_Common_V1_Payloads {
        var payloads = Temporal_Api_Common_V1_Payloads()
        payloads.payloads = [try encode(value)]
        return payloads
    }

    /// The first payload's value; a payload that is not JSON of this type is an error naming it.
    public static func decode<Value: Decodable>(_ type: Value.Type, from payloads: Temporal_Api_Common_V1_Payloads) throws(TemporalError) -> Value {
        guard let payload = payloads.payloads.first else {
            throw TemporalError(code: .badPayload, message: "expected a \(Value.self) payload, found none")
        }
        return try decode(type, from: payload)
    }

    public static func decode<Value: Decodable>(_ type: Value.Type, from payload: Temporal_Api_Common_V1_Payload) throws(TemporalError) -> Value {
        guard payload.metadata[encodingKey] == json else {
            let encoding = payload.metadata[encodingKey].map { String(decoding: $0, as: UTF8.self) } ?? "none"
            throw TemporalError(code: .badPayload, message: "expected a json/plain \(Value.self) payload, found encoding \(encoding.prefix(40))")
        }
        do {
            return try JSONDecoder().decode(type, from: payload.data)
        } catch {
            throw TemporalError(code: .badPayload, message: "a \(Value.self) payload cannot be read: \(error)")
        }
    }
}
