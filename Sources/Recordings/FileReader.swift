import SystemPackage

/// A problem with a recording, said so a person can act on it: which file, where, what.
public struct RecordingError: Error, CustomStringConvertible, Sendable {
    public let path: String
    /// Byte offset in the file, when the problem has a place.
    public let offset: UInt64?
    public let message: String

    public init(path: String, offset: UInt64?, _ message: String) {
        self.path = path
        self.offset = offset
        // Always one line: text quoted from a damaged file (a channel label with a carriage return in it) shows its
        // control bytes as \u{..} here, whichever message quoted it.
        self.message = message.unicodeScalars.contains { $0.value < 32 || $0.value == 127 }
            ? Self.quoting(message, limit: Int.max) : message
    }

    /// Text from a damaged file, fit to quote in a one-line message: control bytes shown as
    /// `\u{..}`, at most `limit` characters.
    public static func quoting(_ text: some StringProtocol, limit: Int = 40) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit { out += "…"; break }
            if scalar.value < 32 || scalar.value == 127 {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }

    public var description: String {
        if let offset { return "\(path): at byte offset \(offset): \(message)" }
        return "\(path): \(message)"
    }
}

/// Reads a file sequentially in fixed chunks through one reusable buffer (a whole night never sits in memory).
public final class ChunkedFileReader {
    public let path: String
    public let size: UInt64
    private let fd: FileDescriptor
    private let buffer: UnsafeMutableRawBufferPointer
    public private(set) var offset: UInt64 = 0

    public init(path: String, chunkBytes: Int = 1 << 16) throws {
        self.path = path
        let fd = try FileDescriptor.open(recording: path, .readOnly)
        let st: Stat
        do {
            st = try fd.stat()
        } catch {
            try? fd.close()
            throw RecordingError(path: path, offset: nil, "cannot read the file's size: \(Errno.text(error))")
        }
        if st.type == .directory {
            try? fd.close()
            throw RecordingError(path: path, offset: nil, "this is a folder, not a recording; give "
                                 + "the path of a file inside it")
        }
        self.fd = fd
        size = UInt64(st.size)
        buffer = .allocate(byteCount: chunkBytes, alignment: 16)
    }

    deinit {
        try? fd.close()
        buffer.deallocate()
    }

    static func openMessage(_ e: Errno) -> String {
        switch e {
        case .noSuchFileOrDirectory: "no such file; check the path"
        case .permissionDenied: "permission denied; check who owns the file"
        default: "cannot open: \(Errno.text(e))"
        }
    }

    /// The next chunk, empty at end of file. Valid until the next call.
    public func next() throws -> UnsafeRawBufferPointer {
        let n: Int
        do {
            n = try fd.read(into: buffer)
        } catch {
            throw RecordingError(path: path, offset: offset, "read failed: \(Errno.text(error))")
        }
        offset += UInt64(n)
        return UnsafeRawBufferPointer(rebasing: buffer[0..<n])
    }

    /// Reads up to `count` bytes from the start of the file without disturbing sequential reading.
    public func peek(_ count: Int) throws -> [UInt8] {
        try fd.read(count: count, at: 0, path: path)
    }
}
