import SystemPackage

/// One EDF+ annotation (a TAL entry).
public struct EDFAnnotation: Sendable, Equatable {
    /// Seconds from the recording's first sample (the header's start time plus its sub-second part),
    /// as EDFlib, edfio and MNE count them.
    public var onsetSeconds: Double
    /// Seconds, or nil when the TAL gives none.
    public var durationSeconds: Double?
    public var text: String

    public init(onsetSeconds: Double, durationSeconds: Double?, text: String) {
        self.onsetSeconds = onsetSeconds
        self.durationSeconds = durationSeconds
        self.text = text
    }
}

/// Reads an EDF-family file one data record at a time through one reusable buffer,
/// so a whole night never has to sit in memory.
public final class EDFReader {
    public let path: String
    public let header: EDFHeader
    public let fileSize: UInt64
    /// Complete data records that can be read (the header's count, or, while it says -1, what the file holds).
    public let recordCount: Int
    /// True when the header's record count is -1 (a recording that was not closed): `EDFRepair` fixes the file.
    public let needsRepair: Bool
    /// Bytes after the last complete record (a partial record left by a crash).
    public let trailingBytes: Int
    /// The sub-second part of the start time: the first record's onset in its time-keeping annotation (EDF+), else 0.
    public private(set) var startOffsetSeconds: Double = 0
    private let fd: FileDescriptor
    private let buffer: UnsafeMutableRawBufferPointer
    /// Index of the record in `buffer`, or -1.
    public private(set) var loadedRecord = -1

    public init(path: String) throws {
        self.path = path
        let fd = try FileDescriptor.open(recording: path, .readOnly)
        guard let size = try? fd.stat().size else {
            try? fd.close()
            throw RecordingError(path: path, offset: nil, "cannot read the file's size")
        }
        fileSize = UInt64(size)
        do {
            let fixed = try fd.read(count: 256, at: 0, path: path)
            var (h, ns) = try EDFHeader.parseFixed(fixed, path: path)
            let rest = try fd.read(count: 256 * ns, at: 256, path: path)
            try h.parseSignals(rest, count: ns, path: path)
            header = h
            let dataBytes = Int64(fileSize) - Int64(h.headerBytes)
            let recordBytes = h.recordBytes
            let complete = recordBytes > 0 ? Int(max(0, dataBytes) / Int64(recordBytes)) : 0
            if h.recordCount == -1 {
                recordCount = complete
                needsRepair = true
                trailingBytes = Int(dataBytes) - complete * recordBytes
            } else if h.recordCount > complete {
                throw RecordingError(path: path, offset: UInt64(EDFHeader.recordCountOffset),
                                     "number of data records says \(h.recordCount), but the file (\(fileSize) bytes) "
                                         + "holds only \(complete) complete records of \(recordBytes) bytes after the "
                                         + "\(h.headerBytes)-byte header; the file was cut short (a partial copy?) or "
                                         + "the header is wrong. `crampwatch repair` keeps the complete records")
            } else {
                recordCount = h.recordCount
                needsRepair = false
                trailingBytes = Int(dataBytes) - h.recordCount * recordBytes
            }
        } catch {
            try? fd.close()
            throw error
        }
        self.fd = fd
        buffer = .allocate(byteCount: max(1, header.recordBytes), alignment: 16)
        if let a = header.annotationSignal, recordCount > 0 {
            let at = header.headerBytes + header.offsetInRecord(a)
            let bytes = try fd.read(count: header.signals[a].samplesPerRecord * header.bytesPerSample, at: at,
                                    path: path)
            let (onset, _) = try bytes.withUnsafeBytes { try TAL.parse($0, path: path, fileOffset: UInt64(at)) }
            if let first = onset {
                startOffsetSeconds = first
            }
        }
    }

    deinit {
        try? fd.close()
        buffer.deallocate()
    }

    /// Byte offset of record `index` in the file.
    public func offset(ofRecord index: Int) -> UInt64 {
        UInt64(header.headerBytes) + UInt64(index) * UInt64(header.recordBytes)
    }

    /// Loads record `index` into the reader's buffer.
    public func load(record index: Int) throws {
        precondition(index >= 0 && index < recordCount, "record \(index) outside 0..<\(recordCount)")
        if loadedRecord == index { return }
        let count = header.recordBytes
        let base = Int(offset(ofRecord: index))
        let got = try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]), at: base, path: path)
        if got < count {
            throw RecordingError(path: path, offset: UInt64(base + got),
                                 "the file ends inside data record \(index + 1) (it shrank while being read?)")
        }
        loadedRecord = index
    }

    /// Digital value `k` of signal `s` in the loaded record.
    @inlinable
    public func digital(signal s: Int, sample k: Int, signalOffset: Int) -> Int32 {
        let p = UnsafeRawPointer(bufferBase).advanced(by: signalOffset + k * header.bytesPerSample)
        if header.bytesPerSample == 2 {
            return Int32(Int16(bitPattern: UInt16(p.load(as: UInt8.self))
                                   | UInt16(p.load(fromByteOffset: 1, as: UInt8.self)) << 8))
        }
        let u = UInt32(p.load(as: UInt8.self)) | UInt32(p.load(fromByteOffset: 1, as: UInt8.self)) << 8
            | UInt32(p.load(fromByteOffset: 2, as: UInt8.self)) << 16
        return Int32(bitPattern: u << 8) >> 8
    }

    @usableFromInline var bufferBase: UnsafeMutableRawPointer { buffer.baseAddress! }

    /// Appends signal `s`'s digital samples from the loaded record.
    public func appendDigital(signal s: Int, to out: inout [Int32]) {
        let off = header.offsetInRecord(s)
        for k in 0..<header.signals[s].samplesPerRecord { out.append(digital(signal: s, sample: k, signalOffset: off)) }
    }

    /// Writes signal `s`'s samples from the loaded record in physical units times `factor`
    /// into `out`, every `stride` values.
    public func physical(signal s: Int, factor: Double = 1, into out: UnsafeMutableBufferPointer<Float>, start: Int = 0,
                         stride: Int = 1) {
        let sig = header.signals[s]
        let off = header.offsetInRecord(s)
        let step = sig.unitsPerStep * factor
        let base = (sig.physicalMinimum - Double(sig.digitalMinimum) * sig.unitsPerStep) * factor
        var j = start
        for k in 0..<sig.samplesPerRecord {
            out[j] = Float(base + Double(digital(signal: s, sample: k, signalOffset: off)) * step)
            j += stride
        }
    }

    /// The annotations in the loaded record, and the record's onset (its time-keeping TAL)
    /// in seconds from the start time.
    public func annotationsInLoadedRecord() throws -> (recordOnset: Double?, annotations: [EDFAnnotation]) {
        guard let a = header.annotationSignal else { return (nil, []) }
        let off = header.offsetInRecord(a)
        let n = header.signals[a].samplesPerRecord * header.bytesPerSample
        let bytes = UnsafeRawBufferPointer(start: bufferBase + off, count: n)
        let (onset, list) = try TAL.parse(bytes, path: path, fileOffset: offset(ofRecord: loadedRecord) + UInt64(off))
        return (onset.map { $0 - startOffsetSeconds }, list.map { shifted($0) })
    }

    private func shifted(_ a: EDFAnnotation) -> EDFAnnotation {
        var a = a
        a.onsetSeconds -= startOffsetSeconds
        return a
    }

    /// Every annotation in the file that `keep` accepts (all by default), reading only the annotation signal of each
    /// record. Those it refuses are dropped record by record, so a caller that wants a few (the sleep stages) or none
    /// (only the onsets) never holds the rest, however many the file carries.
    public func allAnnotations(keeping keep: (EDFAnnotation) -> Bool = { _ in true }) throws
        -> (recordOnsets: [Double], annotations: [EDFAnnotation]) {
        guard let a = header.annotationSignal else { return ([], []) }
        var onsets: [Double] = []
        var all: [EDFAnnotation] = []
        let off = header.offsetInRecord(a)
        let n = header.signals[a].samplesPerRecord * header.bytesPerSample
        for r in 0..<recordCount {
            let at = Int(offset(ofRecord: r)) + off
            let bytes = try fd.read(count: n, at: at, path: path)
            let (onset, list) = try bytes.withUnsafeBytes { try TAL.parse($0, path: path, fileOffset: UInt64(at)) }
            onsets.append(onset.map { $0 - startOffsetSeconds } ?? Double(r) * header.recordDurationSeconds)
            all += list.map { shifted($0) }.filter(keep)
        }
        return (onsets, all)
    }

    /// Seconds from the first sample at which each record begins (EDF+D may jump; others are contiguous).
    /// Reads only the annotation signal.
    public func recordOnsets() throws -> [Double] {
        if header.isPlus { return try allAnnotations(keeping: { _ in false }).recordOnsets }
        return (0..<recordCount).map { Double($0) * header.recordDurationSeconds }
    }
}

/// Time-stamped Annotation Lists (EDF+ spec, section 2.2): `+onset[\u{15}duration]\u{14}text\u{14}…\u{14}\0`.
public enum TAL {
    public static func parse(_ bytes: UnsafeRawBufferPointer, path: String, fileOffset: UInt64) throws
        -> (recordOnset: Double?, annotations: [EDFAnnotation]) {
        var recordOnset: Double?
        var out: [EDFAnnotation] = []
        var i = 0
        var first = true
        let n = bytes.count
        while i < n {
            if bytes[i] == 0 { i += 1; continue }  // padding between or after TALs
            let start = i
            guard bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") else {
                throw RecordingError(path: path, offset: fileOffset + UInt64(i),
                                     "annotation (TAL) does not start with + or - but with byte "
                                     + "0x\(String(bytes[i], radix: 16)); the annotation signal is damaged")
            }
            var end = i
            while end < n && bytes[end] != 0 { end += 1 }
            // Fields of this TAL: [start, end).
            var j = i
            while j < end && bytes[j] != 0x14 && bytes[j] != 0x15 { j += 1 }
            let onsetText = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[i..<j]), as: UTF8.self)
            guard let onset = Double(onsetText), j < end else {
                throw RecordingError(path: path, offset: fileOffset + UInt64(start),
                                     "annotation onset \"\(RecordingError.quoting(onsetText))\" is not a "
                                     + "signed number followed by 0x14")
            }
            var duration: Double?
            if bytes[j] == 0x15 {
                var k = j + 1
                while k < end && bytes[k] != 0x14 { k += 1 }
                let d = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(j + 1)..<k]), as: UTF8.self)
                guard let dv = Double(d), dv >= 0 else {
                    throw RecordingError(path: path, offset: fileOffset + UInt64(j + 1),
                                         "annotation duration "
                                         + "\"\(RecordingError.quoting(d))\" is not a number of seconds")
                }
                duration = dv
                j = k
            }
            // Texts, each ended by 0x14.
            var texts: [String] = []
            var t = j + 1
            while t < end {
                var u = t
                while u < end && bytes[u] != 0x14 { u += 1 }
                texts.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[t..<u]), as: UTF8.self))
                t = u + 1
            }
            if first {
                recordOnset = onset
                first = false
                texts = Array(texts.dropFirst())  // the time-keeping TAL's empty text
            }
            for text in texts where !text.isEmpty {
                out.append(EDFAnnotation(onsetSeconds: onset, durationSeconds: duration, text: text))
            }
            i = end + 1
        }
        return (recordOnset, out)
    }

    /// Encodes one TAL (with a trailing 0).
    public static func encode(onset: Double, duration: Double? = nil, texts: [String]) -> [UInt8] {
        var s = onset < 0 ? "-" : "+"
        s += EDFHeader.fixed(abs(onset), decimals: 6)
        var out = Array(s.utf8)
        if let duration {
            out.append(0x15)
            out += Array(EDFHeader.fixed(duration, decimals: 6).utf8)
        }
        out.append(0x14)
        for t in texts {
            // 0x00, 0x14 and 0x15 would break the TAL; replace them.
            out += Array(t.utf8).map { $0 == 0 || $0 == 0x14 || $0 == 0x15 ? UInt8(ascii: " ") : $0 }
            out.append(0x14)
        }
        out.append(0)
        return out
    }
}
