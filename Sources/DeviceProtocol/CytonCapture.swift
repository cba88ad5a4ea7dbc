/// A Cyton night's raw capture (docs/cyton.md#the-capture): the dongle's bytes exactly as they arrived, in records,
/// after a text header that says how the board was set. `monitor --cyton` writes it; `replay` reads it into the
/// same night.
///
///     CRAMPWATCH CYTON CAPTURE 1\n
///     port: /dev/ttyUSB0\n
///     channels: 1,2\n            the board's channels (1-8) that are the night's EMG channels, in order
///     gain: 24\n                 the ADS1299 gain of those channels
///     board: v3.1.2\n            the firmware the board stated (optional)
///     \n
///     records: 'B' (0x42), length UInt16 LE, the bytes read from the dongle
///              'G' (0x47), UInt64 LE microseconds: the dongle was gone (unplugged) this long, by the host's clock;
///                                the board's packet numbering starts again after it
public enum CytonCapture {
    public static let magic = "CRAMPWATCH CYTON CAPTURE 1\n"
    public static let bytesRecord: UInt8 = 0x42
    public static let gapRecord: UInt8 = 0x47

    /// How the board was set for the night.
    public struct Header: Equatable, Sendable {
        public var port: String
        /// 1-based channel numbers of the board.
        public var channels: [Int]
        public var gain: Int
        public var firmware: String?

        public init(port: String, channels: [Int], gain: Int, firmware: String?) {
            self.port = port
            self.channels = channels
            self.gain = gain
            self.firmware = firmware
        }

        public var bytes: [UInt8] {
            var text = magic + "port: \(port)\nchannels: \(channels.map(String.init).joined(separator: ","))\n"
                + "gain: \(gain)\n"
            if let firmware { text += "board: \(firmware)\n" }
            return Array((text + "\n").utf8)
        }

        /// Parses the header's lines (after the magic line); nil names what is wrong.
        static func parse(_ lines: [Substring]) -> Result<Header, CytonCaptureError> {
            var fields: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[String(line[..<colon])] = String(line[line.index(after: colon)...].drop(while: { $0 == " " }))
            }
            let channels = (fields["channels"] ?? "").split(separator: ",").compactMap { Int($0) }
            guard !channels.isEmpty, channels.count <= 4, channels.allSatisfy({ (1...8).contains($0) }),
                  Set(channels).count == channels.count else {
                return .failure(CytonCaptureError("its header names no usable EMG channels (\"channels: "
                                                  + "\(fields["channels"] ?? "")\"; 1 to 4 of the board's 1-8)"))
            }
            guard let gain = fields["gain"].flatMap({ Int($0) }), Cyton.gains.contains(gain) else {
                return .failure(CytonCaptureError("its header has no ADS1299 gain (1, 2, 4, 6, 8, 12 or 24): "
                                                  + "\"gain: \(fields["gain"] ?? "")\""))
            }
            return .success(Header(port: fields["port"] ?? "", channels: channels, gain: gain,
                                   firmware: fields["board"]))
        }
    }

    /// A record of bytes read from the dongle.
    public static func bytesRecord(_ bytes: some Collection<UInt8>) -> [UInt8] {
        precondition(bytes.count <= Int(UInt16.max))
        return [bytesRecord, UInt8(bytes.count & 0xFF), UInt8(bytes.count >> 8)] + bytes
    }

    /// A record of time without the dongle.
    public static func gapRecord(micros: UInt64) -> [UInt8] {
        [gapRecord] + (0..<8).map { UInt8(truncatingIfNeeded: micros >> (8 * $0)) }
    }

    /// Whether `head` (a file's first bytes) is a Cyton capture.
    public static func recognises(_ head: some Collection<UInt8>) -> Bool {
        head.starts(with: magic.utf8)
    }
}

public struct CytonCaptureError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What a capture's bytes hold, in order.
public enum CytonCaptureEvent {
    case header(CytonCapture.Header)
    case bytes(ArraySlice<UInt8>)
    case gap(micros: UInt64)
}

/// Reads a capture in chunks of any size.
public final class CytonCaptureParser {
    var pending: [UInt8] = []
    var headerDone = false
    public private(set) var offset: UInt64 = 0

    public init() {}

    public func feed(_ chunk: some Sequence<UInt8>, _ handler: (CytonCaptureEvent) throws -> Void) throws {
        pending.append(contentsOf: chunk)
        var i = 0
        defer {
            pending.removeFirst(i)
            offset += UInt64(i)
        }
        if !headerDone {
            guard let end = headerEnd() else {
                if pending.count > 4096 { throw CytonCaptureError("its header does not end within 4096 bytes") }
                return
            }
            let text = String(decoding: pending[..<end], as: UTF8.self)
            guard text.hasPrefix(CytonCapture.magic) else { throw CytonCaptureError("it is not a Cyton capture") }
            let lines = text.dropFirst(CytonCapture.magic.count).split(separator: "\n")
            try handler(.header(try CytonCapture.Header.parse(lines).get()))
            headerDone = true
            i = end + 2
        }
        while i < pending.count {
            switch pending[i] {
            case CytonCapture.bytesRecord:
                guard pending.count - i >= 3 else { return }
                let n = Int(pending[i + 1]) | Int(pending[i + 2]) << 8
                guard pending.count - i - 3 >= n else { return }
                try handler(.bytes(pending[(i + 3)..<(i + 3 + n)]))
                i += 3 + n
            case CytonCapture.gapRecord:
                guard pending.count - i >= 9 else { return }
                let micros = (0..<8).reduce(UInt64(0)) { $0 | UInt64(pending[i + 1 + $1]) << (8 * UInt64($1)) }
                try handler(.gap(micros: micros))
                i += 9
            default:
                throw CytonCaptureError("at byte offset \(offset + UInt64(i)): 0x\(String(pending[i], radix: 16)) "
                                        + "is not a record of a Cyton capture (the file is damaged here)")
            }
        }
    }

    /// Bytes left over at the end: a record cut short (a killed monitor); they are left out.
    public var leftoverBytes: Int { pending.count }

    private func headerEnd() -> Int? {
        guard pending.count >= 2 else { return nil }
        for j in 0..<(pending.count - 1) where pending[j] == 10 && pending[j + 1] == 10 { return j }
        return nil
    }
}
