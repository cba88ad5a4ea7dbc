/// A small text file read whole (labels, a detector configuration, diary labels), with one clear line for each way
/// it can fail: missing, unreadable, a folder, too large, or not UTF-8 (UTF-16 from a spreadsheet says so).
public enum TextFile {
    /// Text files larger than this are not what they claim to be (a labels file of a year of nights is a few MB).
    public static let largestBytes = 64 << 20

    /// The file's text; `what` names it in the messages ("the labels file").
    public static func read(path: String, what: String) throws -> String {
        let bytes = try self.bytes(path: path, what: what)
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw RecordingError(path: path, offset: 0, "\(what) is UTF-16 text; save it as UTF-8 (in a spreadsheet: "
                                 + "CSV UTF-8) and try again")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let bad = firstInvalidUTF8(bytes)
            throw RecordingError(path: path, offset: UInt64(bad), "\(what) is not UTF-8 text (the byte here is not "
                                 + "UTF-8); save it as UTF-8 and try again")
        }
        return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
    }

    /// The file's bytes, with the same checks as `read` for a missing, unreadable or oversized file.
    public static func bytes(path: String, what: String) throws -> [UInt8] {
        let reader = try ChunkedFileReader(path: path)
        guard reader.size <= UInt64(largestBytes) else {
            throw RecordingError(path: path, offset: nil, "\(what) is \(reader.size) bytes, more than any text file "
                                 + "Crampwatch reads (\(largestBytes >> 20) MB); is it the right file?")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(reader.size))
        while true {
            let chunk = try reader.next()
            if chunk.isEmpty { break }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }

    /// Where decoding first fails: the place to look in the file.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var input = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &input) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput, .error: return offset
            }
        }
    }
}
