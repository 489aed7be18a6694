import AloftCore
import AloftEngine
import HTTPTypes
import Hummingbird
import Logging

/// Turns every error into the one JSON error shape. Errors the API does not know are logged
/// and become a 500 with a generic message: internals never reach a client.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return .json(error.body, status: error.status)
        } catch let error as EngineError {
            let api = Self.map(error)
            return .json(api.body, status: api.status)
        } catch let error as StoreError where error.code == .unavailable {
            // The database is away (its address stays in the server's log, not in the answer).
            context.logger.warning("request failed: the database is unavailable", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            var response = Response.json(
                APIError(.serviceUnavailable, code: "store_unavailable", message: "the database is unavailable right now; try again shortly").body,
                status: .serviceUnavailable
            )
            response.headers[.retryAfter] = "2"
            return response
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            // The router answers 404 for a known path asked with another method: say which ones it takes.
            if let methods = DocumentedRoutes.methods(for: request.uri.path), !methods.contains(request.method.rawValue) {
                var response = Response.json(
                    APIError(
                        .methodNotAllowed, code: "method_not_allowed",
                        message: "\(request.uri.path) takes \(methods.joined(separator: ", ")), not \(request.method.rawValue)"
                    ).body,
                    status: .methodNotAllowed
                )
                response.headers[.allow] = methods.joined(separator: ", ")
                return response
            }
            return .json(
                APIError(.notFound, code: "not_found", message: "no such route: \(request.method) \(request.uri.path)").body, status: .notFound
            )
        } catch let error as HTTPError {
            let code: APIError.Code =
                switch error.status {
                case .notFound: "not_found"
                case .methodNotAllowed: "method_not_allowed"
                case .contentTooLarge: "body_too_large"
                default: error.status.code < 500 ? "bad_request" : "internal_error"
                }
            let message = error.body ?? (error.status == .notFound ? "no such route: \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return .json(APIError(error.status, code: code, message: message).body, status: error.status)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return .json(APIError(.internalServerError, code: "internal_error", message: "the server failed to answer; try again").body, status: .internalServerError)
        }
    }

    static func map(_ error: EngineError) -> APIError {
        let status: HTTPResponse.Status =
            switch error.code {
            case .runNotFound, .sessionNotFound: .notFound
            case .sessionBusy, .runFinished, .runNotFinished, .notAwaitingApproval, .approvalDeadlinePassed, .sessionAgentMismatch: .conflict
            default: .unprocessableContent
            }
        return APIError(status, code: APIError.Code(rawValue: error.code.rawValue), message: error.message)
    }
}

extension Response {
    /// A JSON response.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        json(text: value.jsonText(), status: status)
    }

    /// A response of JSON text already written.
    static func json(text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
