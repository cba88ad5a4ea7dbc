import DeviceProtocol

/// The kinds of recording Crampwatch knows.
public enum RecordingFormat: String, Sendable, Codable {
    case rawCapture = "raw_capture"
    case edf, edfPlus = "edf+", bdf, bdfPlus = "bdf+"
    case csv
}

/// Tells a recording's format from its content, not its name.
public enum FormatDetector {
    /// Bytes examined to recognise a raw capture.
    public static let probeBytes = 1 << 16

    public static func detect(path: String) throws -> RecordingFormat {
        let reader = try ChunkedFileReader(path: path)
        guard reader.size > 0 else {
            throw RecordingError(path: path, offset: 0, "the file is empty; nothing was recorded in it")
        }
        let head = try reader.peek(probeBytes)
        // An EDF/BDF version field with less than the 256-byte header behind it is a
        // cut-off EDF/BDF: the reader says so.
        if head.count < 256, head.count >= 8, Array(head[0..<8]) == Array("0       ".utf8) { return .edf }
        if head.count < 256, head.count >= 8, head[0] == 0xFF, Array(head[1..<8]) == Array("BIOSEMI".utf8) {
            return .bdf
        }
        if head.count >= 256, Array(head[0..<8]) == Array("0       ".utf8) {
            let reserved = String(decoding: head[192..<236], as: UTF8.self)
            return reserved.hasPrefix("EDF+") ? .edfPlus : .edf
        }
        if head.count >= 256, head[0] == 0xFF, Array(head[1..<8]) == Array("BIOSEMI".utf8) {
            let reserved = String(decoding: head[192..<236], as: UTF8.self)
            return reserved.hasPrefix("BDF+") ? .bdfPlus : .bdf
        }
        // A Cyton night's capture (monitor --cyton): its own header, replayed through the Cyton's decoder.
        if CytonCapture.recognises(head) { return .rawCapture }
        // A capture: protocol frames with valid checksums.
        let decoder = FrameDecoder()
        var frames = 0
        decoder.feed(head) { if case .frame = $0 { frames += 1 } }
        if frames > 0 { return .rawCapture }
        if looksLikeText(head) || isOpenBCISDCard(head) { return .csv }
        throw RecordingError(path: path, offset: 0, "not a recording Crampwatch knows: no device frame with a valid "
                             + "checksum in the first \(head.count) bytes, and not EDF, BDF or CSV")
    }

    /// An OpenBCI Cyton's SD card file: a first line of two hex digits, a comma and six (a packet), or the
    /// board's start stamp. Its unused space is NUL bytes, so it may not look like text as a whole.
    public static func isOpenBCISDCard(_ head: [UInt8]) -> Bool {
        if head.starts(with: "%START AT".utf8) { return true }
        let hex = Set("0123456789ABCDEF".utf8)
        let pattern = [true, true, false, true, true, true, true, true, true, false]
        guard head.count > pattern.count else { return false }
        return zip(head, pattern).allSatisfy { byte, isHex in isHex ? hex.contains(byte) : byte == UInt8(ascii: ",") }
    }

    static func looksLikeText(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return false }
        let printable = bytes.prefix(4096).filter {
            $0 == 9 || $0 == 10 || $0 == 13 || ($0 >= 32 && $0 < 127) || $0 >= 0xC2
        }.count
        return printable * 100 >= min(4096, bytes.count) * 99 && bytes.prefix(4096).contains(10)
    }
}
