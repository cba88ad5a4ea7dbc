/// Reads signals from CSV text row by row (a whole night never sits in memory), with errors that name
/// the line, the column and the byte offset.
///
/// The first line that is not empty and does not start with `#` names the columns; `,`, `;` or tab separate them.
public final class CSVSignalReader {
    public let path: String
    public let columns: [String]
    public let separator: UInt8
    private let reader: ChunkedFileReader
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var eof = false
    /// Byte offset of the start of `pending[pendingStart]`.
    private var offset: UInt64 = 0
    /// 1-based line number of the last line returned.
    public private(set) var line = 0
    /// Byte offset of the last line returned.
    public private(set) var lineOffset: UInt64 = 0

    public init(path: String) throws {
        self.path = path
        reader = try ChunkedFileReader(path: path)
        var headerLine: [UInt8]?
        var sep: UInt8 = UInt8(ascii: ",")
        var cols: [String] = []
        while let l = try Self.nextLine(reader: reader, pending: &pending, pendingStart: &pendingStart, eof: &eof,
                                        offset: &offset, line: &line, lineOffset: &lineOffset) {
            if l.isEmpty || l.first == UInt8(ascii: "#") { continue }
            headerLine = l
            break
        }
        guard let headerLine else {
            throw RecordingError(path: path, offset: 0, "the CSV file has no header line naming its columns")
        }
        for candidate in [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")]
        where headerLine.contains(candidate) {
            sep = candidate
            break
        }
        cols = headerLine.split(separator: sep, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self).trimmingSpaces().trimmingQuotes()
        }
        separator = sep
        columns = cols
        if let dup = cols.enumerated().first(where: { e in cols.firstIndex(of: e.element) != e.offset }) {
            throw RecordingError(path: path, offset: lineOffset, "column \"\(RecordingError.quoting(dup.element))\" "
                                 + "appears twice in the header (line \(line)); rename one")
        }
    }

    private static func nextLine(reader: ChunkedFileReader, pending: inout [UInt8], pendingStart: inout Int,
                                 eof: inout Bool, offset: inout UInt64,
                                 line: inout Int, lineOffset: inout UInt64) throws -> [UInt8]? {
        while true {
            if let nl = pending[pendingStart...].firstIndex(of: 10) {
                var l = Array(pending[pendingStart..<nl])
                if l.last == 13 { l.removeLast() }
                lineOffset = offset
                offset += UInt64(nl + 1 - pendingStart)
                pendingStart = nl + 1
                line += 1
                return l
            }
            if eof {
                guard pendingStart < pending.count else { return nil }
                var l = Array(pending[pendingStart...])
                if l.last == 13 { l.removeLast() }
                lineOffset = offset
                offset += UInt64(pending.count - pendingStart)
                pendingStart = pending.count
                line += 1
                return l
            }
            pending.removeFirst(pendingStart)
            pendingStart = 0
            let chunk = try reader.next()
            if chunk.isEmpty { eof = true } else { pending.append(contentsOf: chunk) }
        }
    }

    /// Reads the next data row's fields at `indices` into `values` (nil for an empty cell). Returns false at the end.
    public func next(_ indices: [Int], into values: inout [Double?]) throws -> Bool {
        while let l = try Self.nextLine(reader: reader, pending: &pending, pendingStart: &pendingStart, eof: &eof,
                                        offset: &offset, line: &line, lineOffset: &lineOffset) {
            if l.isEmpty || l.first == UInt8(ascii: "#") { continue }
            let fields = l.split(separator: separator, omittingEmptySubsequences: false)
            guard fields.count == columns.count else {
                throw RecordingError(path: path, offset: lineOffset, "line \(line) has \(fields.count) fields but the "
                                     + "header names \(columns.count) columns; is a value or a separator missing?")
            }
            values.removeAll(keepingCapacity: true)
            for i in indices {
                let text = String(decoding: fields[i], as: UTF8.self).trimmingSpaces().trimmingQuotes()
                if text.isEmpty { values.append(nil); continue }
                // Double("2\0 5") reads 2: the C parser underneath stops at a NUL byte (found by fuzzing).
                guard !fields[i].contains(0), let v = Double(text) else {
                    throw RecordingError(path: path, offset: lineOffset, "line \(line), column "
                                         + "\"\(RecordingError.quoting(columns[i]))\": "
                                         + "\"\(RecordingError.quoting(text))\" is not a number")
                }
                guard v.isFinite else {
                    throw RecordingError(path: path, offset: lineOffset, "line \(line), column "
                                         + "\"\(RecordingError.quoting(columns[i]))\": \(RecordingError.quoting(text)) "
                                         + "is not a measurement (NaN or infinite); remove the row or leave the cell "
                                         + "empty where that is allowed (accelerometer columns)")
                }
                values.append(v)
            }
            return true
        }
        return false
    }

    /// The unit a column name carries: "emg (uV)", "emg [mV]", "emg_uv", "ax_m/s^2"; nil when none is given.
    public static func unit(ofColumn name: String) -> String? {
        if let open = name.lastIndex(where: { $0 == "(" || $0 == "[" }),
           let close = name.lastIndex(where: { $0 == ")" || $0 == "]" }), open < close {
            return String(name[name.index(after: open)..<close]).trimmingSpaces()
        }
        if let last = name.split(whereSeparator: { $0 == "_" || $0 == " " }).last,
           name.contains(where: { $0 == "_" || $0 == " " }) {
            let u = String(last)
            if ChannelSelector.microvoltFactor(u) != nil || ChannelSelector.gFactor(u) != nil { return u }
        }
        return nil
    }
}

extension String {
    func trimmingQuotes() -> String {
        if count >= 2, first == "\"", last == "\"" { return String(dropFirst().dropLast()) }
        return self
    }
}
