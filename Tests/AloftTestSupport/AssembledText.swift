import AloftCore

/// The text a client assembles from a run's events, per model step: the deltas after the
/// last `run_content_reset` of that step (the rule the OpenAPI document gives clients).
public func assembledText(_ events: [RunEvent]) -> [Int: String] {
    var text: [Int: String] = [:]
    for event in events {
        guard let step = event.data["step"]?.integer(in: 1...Int.max) else { continue }
        switch event.kind {
        case .runContent: text[step, default: ""] += event.data["delta"]?.stringValue ?? ""
        case .runContentReset: text[step] = ""
        default: break
        }
    }
    return text
}
