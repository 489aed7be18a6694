import Foundation

/// The line being typed at a terminal prompt, edited key by key as readline does: the cursor
/// moves (←/→, Home/End, Ctrl-A/E/B/F), text is deleted (Backspace, Delete, Ctrl-K/U/W/D) and
/// earlier lines come back (↑/↓, Ctrl-P/N). Bytes in, what to do out; no I/O here.
struct LineEditor {
    /// What a key did.
    enum Action: Equatable {
        /// Nothing to show yet (part of a key sequence, or a key with no effect).
        case none
        /// The line changed: show it again.
        case redraw
        /// Enter: the line is done.
        case submit(String)
        /// Ctrl-D on an empty line: no more input.
        case end
    }

    private(set) var text: [Character] = []
    /// Where the next character goes, 0 ... text.count.
    private(set) var cursor = 0
    /// Earlier lines, oldest first.
    private(set) var history: [String]
    private var historyIndex: Int?
    /// The line being typed before ↑ went into history, restored by ↓ past the newest.
    private var draft: [Character] = []
    private var escape: [UInt8] = []
    private var utf8: [UInt8] = []
    let historyLimit: Int

    init(history: [String] = [], historyLimit: Int = 500) {
        self.history = Array(history.suffix(historyLimit))
        self.historyLimit = historyLimit
    }

    var line: String { String(text) }

    mutating func feed(_ byte: UInt8) -> Action {
        if !escape.isEmpty || byte == 0x1B { return feedEscape(byte) }
        if !utf8.isEmpty || byte >= 0x80 { return feedUTF8(byte) }
        switch byte {
        case 0x0D, 0x0A: return submit()
        case 0x7F, 0x08: return deleteBackward()
        case 0x01: return move(to: 0)  // Ctrl-A
        case 0x05: return move(to: text.count)  // Ctrl-E
        case 0x02: return move(to: cursor - 1)  // Ctrl-B
        case 0x06: return move(to: cursor + 1)  // Ctrl-F
        case 0x04:  // Ctrl-D: the end on an empty line, else delete under the cursor
            return text.isEmpty ? .end : deleteForward()
        case 0x0B:  // Ctrl-K
            guard cursor < text.count else { return .none }
            text.removeSubrange(cursor...)
            return .redraw
        case 0x15:  // Ctrl-U
            guard cursor > 0 else { return .none }
            text.removeSubrange(..<cursor)
            cursor = 0
            return .redraw
        case 0x17: return deleteWordBackward()  // Ctrl-W
        case 0x10: return recall(older: true)  // Ctrl-P
        case 0x0E: return recall(older: false)  // Ctrl-N
        case 0x09: return insert(" ")  // Tab: no completion; a space
        case 0x20...0x7E: return insert(Character(Unicode.Scalar(byte)))
        default: return .none
        }
    }

    /// The line as it should look: prompt, text, then the cursor moved back to its place.
    func render(prompt: String) -> String {
        let back = text.count - cursor
        return "\r" + prompt + String(text) + "\u{1B}[K" + (back > 0 ? "\u{1B}[\(back)D" : "")
    }

    // MARK: Keys

    /// Keeps a submitted line for ↑ (not an answer to a yes/no question: the caller decides).
    /// Like bash's ignorespace, a line starting with a space is not kept; nor is a repeat.
    /// Returns whether it was kept.
    @discardableResult
    mutating func remember(_ line: String) -> Bool {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty, !line.hasPrefix(" "), history.last != line else { return false }
        history.append(line)
        if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
        return true
    }

    private mutating func submit() -> Action {
        let line = String(text)
        text = []
        cursor = 0
        historyIndex = nil
        draft = []
        return .submit(line)
    }

    private mutating func insert(_ character: Character) -> Action {
        text.insert(character, at: cursor)
        cursor += 1
        return .redraw
    }

    private mutating func move(to position: Int) -> Action {
        let clamped = min(max(position, 0), text.count)
        guard clamped != cursor else { return .none }
        cursor = clamped
        return .redraw
    }

    private mutating func deleteBackward() -> Action {
        guard cursor > 0 else { return .none }
        text.remove(at: cursor - 1)
        cursor -= 1
        return .redraw
    }

    private mutating func deleteForward() -> Action {
        guard cursor < text.count else { return .none }
        text.remove(at: cursor)
        return .redraw
    }

    private mutating func deleteWordBackward() -> Action {
        guard cursor > 0 else { return .none }
        var start = cursor
        while start > 0, text[start - 1] == " " { start -= 1 }
        while start > 0, text[start - 1] != " " { start -= 1 }
        text.removeSubrange(start..<cursor)
        cursor = start
        return .redraw
    }

    private mutating func recall(older: Bool) -> Action {
        guard !history.isEmpty else { return .none }
        let next: Int?
        switch (historyIndex, older) {
        case (nil, true): next = history.count - 1
        case (nil, false): return .none
        case (let index?, true): next = max(index - 1, 0)
        case (let index?, false): next = index + 1 < history.count ? index + 1 : nil
        }
        if historyIndex == nil { draft = text }
        historyIndex = next
        text = next.map { Array(history[$0]) } ?? draft
        cursor = text.count
        return .redraw
    }

    // MARK: Sequences

    /// ESC [ A/B/C/D/H/F, ESC [ n ~ (Home 1/7, Delete 3, End 4/8), ESC O H/F; others are dropped.
    private mutating func feedEscape(_ byte: UInt8) -> Action {
        escape.append(byte)
        if escape.count == 1 { return .none }
        if escape.count == 2 {
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "O") { return .none }
            escape = []
            return .none  // Alt-key: not bound
        }
        // A CSI sequence ends with a byte from @ to ~; parameters come before.
        guard (0x40...0x7E).contains(byte) else {
            if escape.count > 8 { escape = [] }
            return .none
        }
        let sequence = escape
        escape = []
        switch (sequence[1], byte) {
        case (_, UInt8(ascii: "A")): return recall(older: true)
        case (_, UInt8(ascii: "B")): return recall(older: false)
        case (_, UInt8(ascii: "C")): return move(to: cursor + 1)
        case (_, UInt8(ascii: "D")): return move(to: cursor - 1)
        case (_, UInt8(ascii: "H")): return move(to: 0)
        case (_, UInt8(ascii: "F")): return move(to: text.count)
        case (UInt8(ascii: "["), UInt8(ascii: "~")):
            switch String(decoding: sequence.dropFirst(2), as: UTF8.self) {
            case "1", "7": return move(to: 0)
            case "4", "8": return move(to: text.count)
            case "3": return deleteForward()
            default: return .none
            }
        default:
            return .none
        }
    }

    private mutating func feedUTF8(_ byte: UInt8) -> Action {
        utf8.append(byte)
        let lead = utf8[0]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        guard utf8.count >= length else { return .none }
        let bytes = utf8
        utf8 = []
        // A malformed sequence is dropped rather than shown as replacement characters.
        guard let scalar = String(validating: bytes, as: UTF8.self)?.unicodeScalars.first, bytes.count == length else { return .none }
        return insert(Character(scalar))
    }
}
