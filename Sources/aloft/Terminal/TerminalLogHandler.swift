import Foundation
import Logging

/// The engine's log as a person at a terminal reads it: known events as short lines
/// (`↻ model call failed (…), retrying in 0.5 s (1/3)`), other warnings and errors as
/// `warning: …` / `error: …`, without timestamps and labels. `--verbose` uses the plain
/// structured log instead.
struct TerminalLogHandler: LogHandler {
    var logLevel: Logger.Level = .warning
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let (level, message) = (event.level, event.message)
        let fields = metadata.merging(event.metadata ?? [:]) { _, new in new }
        func field(_ key: String) -> String { fields[key].map { "\($0)" } ?? "?" }
        let text: String
        switch fields["event"].map({ "\($0)" }) {
        case "model_retry":
            text = "↻ model call failed (\(Self.short(field("error")))), retrying in \(Self.seconds(field("delay_s"))) (\(field("attempt"))/\(field("max_attempts")))"
        case "tool_retry":
            text = "↻ \(field("tool")) failed (\(Self.short(field("error")))), retrying in \(Self.seconds(field("delay_s"))) (\(field("attempt"))/\(field("max_attempts")))"
        default:
            text = "\(level >= .error ? "error" : "warning"): \(message)" + (fields["error"].map { " (\($0))" } ?? "")
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    private static func short(_ error: String) -> String {
        error.count > 160 ? String(error.prefix(160)) + "…" : error
    }

    private static func seconds(_ text: String) -> String {
        guard let value = Double(text) else { return "\(text) s" }
        return "\((value * 10).rounded() / 10) s"
    }
}
