import AloftCore
import AloftServer
import AloftStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import AloftTestSupport
import Testing

@Suite("Web pages cannot drive the server")
struct CrossSiteTests {
    @Test("a text/plain or form POST (no preflight in a browser) is refused with 415, and starts nothing")
    func simpleRequestsRefused() async throws {
        try await TestServer().run { client, engine in
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let response = try await client.send(
                    .post, "/v1/runs", json: #"{"agent":"scripted","input":"hi"}"#, headers: [.contentType: type]
                )
                #expect(response.status == .unsupportedMediaType, "\(type)")
                #expect(response.errorCode == "unsupported_media_type")
            }
            let missing = try await client.execute(
                uri: "/v1/runs", method: .post, headers: [:], body: ByteBuffer(string: #"{"agent":"scripted","input":"hi"}"#)
            )
            #expect(missing.status == .unsupportedMediaType)
            #expect(try await engine.store.runs(RunQuery(limit: 10)).isEmpty, "no run was started")
            let charset = try await client.send(
                .post, "/v1/runs", json: #"{"agent":"scripted","input":"hi"}"#, headers: [.contentType: "application/json; charset=utf-8"]
            )
            #expect(charset.status == .created)
        }
    }

    @Test("requests from other origins are refused unless listed; no CORS headers by default")
    func originsRefused() async throws {
        try await TestServer().run { client, _ in
            let read = try await client.send(.get, "/v1/runs", headers: [.origin: "http://evil.test"])
            #expect(read.status == .forbidden)
            #expect(read.errorCode == "origin_not_allowed")
            #expect(read.headers[.accessControlAllowOrigin] == nil)
            let write = try await client.send(.post, "/v1/runs", json: #"{"agent":"scripted","input":"hi"}"#, headers: [.origin: "null"])
            #expect(write.status == .forbidden)
            let preflight = try await client.send(.options, "/v1/runs", headers: [.origin: "http://evil.test", .accessControlRequestMethod: "POST"])
            #expect(preflight.headers[.accessControlAllowOrigin] == nil)
            #expect(try await client.send(.get, "/v1/runs").status == .ok, "clients that are not browsers send no Origin")
        }
    }

    @Test("origins listed in cors_origins get CORS answers; others still do not")
    func listedOrigins() async throws {
        var server = TestServer()
        server.configuration.corsOrigins = ["https://app.example.com"]
        try await server.run { client, _ in
            let preflight = try await client.send(
                .options, "/v1/runs", headers: [.origin: "https://app.example.com", .accessControlRequestMethod: "POST"]
            )
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
            let read = try await client.send(.get, "/v1/runs", headers: [.origin: "https://app.example.com"])
            #expect(read.status == .ok)
            #expect(read.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(try await client.send(.get, "/v1/runs", headers: [.origin: "https://other.example.com"]).status == .forbidden)
        }
    }

    private static func status(port: Int, host: String, path: String = "/v1/runs", extra: String = "") async throws -> String {
        let socket = try RawSocket(port: port)
        try socket.write("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\(extra)Connection: close\r\n\r\n")
        let answer = await socket.readUntilClosed(seconds: 30).text
        return String(answer.split(separator: "\r\n").first ?? "")
    }

    @Test("a keyless server answers only requests addressed to localhost (DNS rebinding)")
    func hostChecked() async throws {
        try await TestServer().run(.live) { client, _ in
            let port = try #require(client.port)
            for host in ["localhost:\(port)", "127.0.0.1:\(port)", "[::1]:\(port)", "localhost"] {
                #expect(try await Self.status(port: port, host: host).contains(" 200 "), "\(host)")
            }
            let rebound = try await Self.status(port: port, host: "attacker.example:\(port)")
            #expect(rebound.contains(" 403 "), "\(rebound)")
        }
        var keyed = TestServer()
        keyed.configuration.apiKeys = ["k-0123456789abcdef"]
        try await keyed.run(.live) { client, _ in
            let port = try #require(client.port)
            let named = try await Self.status(port: port, host: "aloft.example:8080", extra: "Authorization: Bearer k-0123456789abcdef\r\n")
            #expect(named.contains(" 200 "), "with API keys the server may be reached by any name: \(named)")
        }
    }

    @Test("the server's own pages may call it (same origin, behind a TLS proxy too)")
    func sameOrigin() async throws {
        try await TestServer().run(.live) { client, _ in
            let port = try #require(client.port)
            for origin in ["http://localhost:\(port)", "https://localhost:\(port)"] {
                let status = try await Self.status(port: port, host: "localhost:\(port)", extra: "Origin: \(origin)\r\n")
                #expect(status.contains(" 200 "), "\(origin): \(status)")
            }
            let other = try await Self.status(port: port, host: "localhost:\(port)", extra: "Origin: http://localhost:1\r\n")
            #expect(other.contains(" 403 "), "another port is another origin")
        }
    }

    @Test("a slow client that never finishes its request head is disconnected")
    func slowloris() async throws {
        var server = TestServer()
        server.configuration.idleTimeoutSeconds = 1
        try await server.run(.live) { client, _ in
            let port = try #require(client.port)
            let socket = try RawSocket(port: port)
            try socket.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
            let closed = await socket.readUntilClosed(seconds: 10).closed
            #expect(closed, "the server closes the connection")
        }
    }
}
