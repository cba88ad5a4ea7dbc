import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// When a recording started, in local civil time (EDF has no time zone), or `unknown`.
public struct EDFStartTime: Sendable, Equatable {
    public var year, month, day, hour, minute, second: Int
    /// 0 ≤ fraction < 1: written as the first record's onset (EDF+ sub-second start).
    public var fraction: Double
    /// False for `unknown`.
    public private(set) var isKnown = true

    /// A start nobody knows, written as EDF+ says: "Startdate X" in the recording field (section 2.1.3.2 of the
    /// EDF+ specification: an unknown subfield is "X"), and the clipping date 01.01.85 00.00.00 in the old date and
    /// time fields, which must hold some date (as EDFlib and edfio write for an anonymised or unknown start).
    public static let unknown: EDFStartTime = {
        var s = EDFStartTime(year: 1985, month: 1, day: 1, hour: 0, minute: 0, second: 0)
        s.isKnown = false
        return s
    }()

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, fraction: Double = 0) {
        (self.year, self.month, self.day) = (year, month, day)
        (self.hour, self.minute, self.second, self.fraction) = (hour, minute, second, fraction)
    }

    /// Local time of a Unix time (seconds since 1970).
    public init(unixSeconds: Double) {
        var t = time_t(unixSeconds.rounded(.down))
        var tm = tm()
        localtime_r(&t, &tm)
        self.init(year: Int(tm.tm_year) + 1900, month: Int(tm.tm_mon) + 1, day: Int(tm.tm_mday), hour: Int(tm.tm_hour),
                  minute: Int(tm.tm_min), second: Int(tm.tm_sec), fraction: unixSeconds - unixSeconds.rounded(.down))
    }

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v % 100) }
    var dateField: String { "\(Self.two(day)).\(Self.two(month)).\(Self.two(year % 100))" }
    var timeField: String { "\(Self.two(hour)).\(Self.two(minute)).\(Self.two(second))" }
    var edfPlusDate: String {
        guard isKnown else { return "X" }
        let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        return "\(Self.two(day))-\(months[max(0, min(11, month - 1))])-\(year)"
    }
}

/// Writes EDF+ (16-bit) or BDF+ (24-bit) incrementally, crash-safely:
///
/// * the file is created 0600 and its header says `-1` records until `close()` patches the count;
/// * records are appended whole and the file is `fsync`ed every `syncEveryRecords` records;
/// * after a crash, `EDFRepair.repair` (or opening for replay) drops the partial last record and patches the count.
///
/// Samples are given in physical units per channel (any chunk sizes); a record is written as soon as
/// every channel has a record's worth. Annotations go into the `EDF Annotations` signal of the next
/// record written (or, at close, into spare room of earlier ones).
public final class EDFWriter {
    public let path: String
    public private(set) var header: EDFHeader
    public let syncEveryRecords: Int
    public private(set) var recordsWritten = 0
    /// Annotations that did not fit yet.
    public private(set) var pendingAnnotations: [[UInt8]] = []
    private let fd: FileDescriptor
    private var pending: [[Int32]]
    private var recordBuffer: [UInt8]
    private let annotationIndex: Int
    private let annotationBytes: Int
    private var annotationUsed: [Int] = []
    /// Onset (s from the header's start time) of the next record.
    private var nextOnset: Double
    private var closed = false
    /// The sub-second part of the start time: the first record's onset.
    public let startOffset: Double

    /// - Parameters:
    ///   - signals: the data signals (the annotation signal is added). Their physical ranges are rounded to fit the
    ///     8-character fields first, and scaling uses the rounded values, exactly as readers will.
    ///   - annotationBytesPerRecord: room for annotations in each record.
    public init(path: String, bdf: Bool, signals: [EDFSignal], recordDurationSeconds: Double, start: EDFStartTime,
                patient: String = "X X X X", recordingInfo: String = "X X Crampwatch",
                annotationBytesPerRecord: Int = 240,
                syncEveryRecords: Int = 10) throws {
        self.path = path
        self.syncEveryRecords = max(1, syncEveryRecords)
        let bps = bdf ? 3 : 2
        let digitalRange = bdf ? (-8_388_608, 8_388_607) : (-32768, 32767)
        var sigs: [EDFSignal] = []
        for s in signals {
            guard let lo = EDFHeader.formatNumber(s.physicalMinimum),
                  let hi = EDFHeader.formatNumber(s.physicalMaximum), lo.value != hi.value else {
                throw RecordingError(path: path, offset: nil, "signal \"\(s.label)\": physical "
                                     + "range \(s.physicalMinimum)…\(s.physicalMaximum) cannot be "
                                     + "written in EDF's 8-character fields")
            }
            guard s.samplesPerRecord >= 1 else {
                throw RecordingError(path: path, offset: nil, "signal \"\(s.label)\": no samples per record")
            }
            var t = s
            t.physicalMinimum = lo.value
            t.physicalMaximum = hi.value
            if t.digitalMinimum >= t.digitalMaximum || t.digitalMinimum < digitalRange.0
                || t.digitalMaximum > digitalRange.1 {
                (t.digitalMinimum, t.digitalMaximum) = digitalRange
            }
            sigs.append(t)
        }
        let annSamples = (max(32, annotationBytesPerRecord) + bps - 1) / bps
        sigs.append(EDFSignal(label: bdf ? "BDF Annotations" : "EDF Annotations", physicalDimension: "",
                              physicalMinimum: -1, physicalMaximum: 1,
                              digitalMinimum: digitalRange.0, digitalMaximum: digitalRange.1,
                              samplesPerRecord: annSamples))
        annotationIndex = sigs.count - 1
        annotationBytes = annSamples * bps
        guard let dur = EDFHeader.formatNumber(recordDurationSeconds), dur.value == recordDurationSeconds,
              dur.value > 0 else {
            throw RecordingError(path: path, offset: nil, "record duration \(recordDurationSeconds) s cannot be "
                                 + "written exactly in 8 characters")
        }
        header = EDFHeader(bytesPerSample: bps, isPlus: true, isDiscontinuous: false, patient: patient,
                           recording: "Startdate \(start.edfPlusDate) \(recordingInfo)", startDate: start.dateField,
                           startTime: start.timeField,
                           recordCount: -1, recordDurationSeconds: recordDurationSeconds, signals: sigs)
        nextOnset = start.fraction
        startOffset = start.fraction
        pending = Array(repeating: [], count: sigs.count - 1)
        recordBuffer = [UInt8](repeating: 0, count: header.recordBytes)
        do {
            fd = try .createPrivate(path)
        } catch {
            throw RecordingError(path: path, offset: nil, "cannot create: \(Errno.text(error))")
        }
        try writeAll(header.encoded(), at: nil)
        try sync()
    }

    deinit {
        if !closed { try? fd.close() }
    }

    /// The signal as written (with its rounded physical range).
    public func signal(_ i: Int) -> EDFSignal { header.signals[i] }

    /// Appends samples (physical units) to channel `i`.
    public func append(channel i: Int, _ values: UnsafeBufferPointer<Float>, stride: Int = 1, offset: Int = 0) throws {
        let s = header.signals[i]
        var k = offset
        while k < values.count {
            pending[i].append(s.digital(Double(values[k])))
            k += stride
        }
        try flushRecords()
    }

    /// Appends digital values directly (no scaling) to channel `i`.
    public func appendDigital(channel i: Int, _ values: [Int32]) throws {
        pending[i] += values
        try flushRecords()
    }

    /// Adds an annotation; `onsetSeconds` counts from the first sample (the writer adds the sub-second start).
    public func annotate(onsetSeconds: Double, durationSeconds: Double?, text: String) {
        pendingAnnotations.append(TAL.encode(onset: onsetSeconds + startOffset, duration: durationSeconds,
                                             texts: [text]))
    }

    /// A stretch without data: samples not yet making a whole record are dropped (they cannot be written
    /// without inventing data), the next record starts `seconds` later, and the file becomes EDF+D.
    /// Returns the seconds of samples dropped.
    @discardableResult
    public func skip(seconds: Double) throws -> Double {
        let dropped = Double(pending[0].count) / header.sampleRateHz(0)
        for i in pending.indices { pending[i].removeAll(keepingCapacity: true) }
        nextOnset += dropped + seconds
        if !header.isDiscontinuous {
            header.isDiscontinuous = true
            try writeAll(Array((header.isBDF ? "BDF+D" : "EDF+D").utf8), at: EDFHeader.reservedOffset)
            try sync()
        }
        return dropped
    }

    private func flushRecords() throws {
        while pending.indices.allSatisfy({ pending[$0].count >= header.signals[$0].samplesPerRecord }) {
            var o = 0
            let bps = header.bytesPerSample
            recordBuffer.withUnsafeMutableBytes { out in
                for i in pending.indices {
                    let n = header.signals[i].samplesPerRecord
                    for k in 0..<n {
                        let v = UInt32(bitPattern: pending[i][k])
                        out[o] = UInt8(truncatingIfNeeded: v)
                        out[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                        if bps == 3 { out[o + 2] = UInt8(truncatingIfNeeded: v >> 16) }
                        o += bps
                    }
                    pending[i].removeFirst(n)
                }
            }
            var ann = TAL.encode(onset: nextOnset, texts: [""])
            while let next = pendingAnnotations.first, ann.count + next.count <= annotationBytes {
                ann += next
                pendingAnnotations.removeFirst()
            }
            annotationUsed.append(ann.count)
            ann += [UInt8](repeating: 0, count: annotationBytes - ann.count)
            recordBuffer.replaceSubrange(o..<(o + annotationBytes), with: ann)
            try writeAll(recordBuffer, at: nil)
            recordsWritten += 1
            nextOnset += header.recordDurationSeconds
            if recordsWritten % syncEveryRecords == 0 { try sync() }
        }
    }

    /// Writes what is left, patches the record count (and EDF+D), syncs and closes.
    /// Samples short of a whole record are not written. Annotations still pending go into
    /// spare room of earlier records.
    public func close() throws {
        guard !closed else { return }
        defer {
            closed = true
            try? fd.close()
        }
        let annOffset = header.offsetInRecord(annotationIndex)
        var r = recordsWritten - 1
        while !pendingAnnotations.isEmpty && r >= 0 {
            var room = annotationBytes - annotationUsed[r]
            var extra: [UInt8] = []
            while let next = pendingAnnotations.first, next.count <= room {
                extra += next
                room -= next.count
                pendingAnnotations.removeFirst()
            }
            if !extra.isEmpty {
                let at = header.headerBytes + r * header.recordBytes + annOffset + annotationUsed[r]
                try writeAll(extra, at: at)
                annotationUsed[r] += extra.count
            }
            r -= 1
        }
        let count = EDFHeader.pad(String(recordsWritten), 8)
        try writeAll(count, at: EDFHeader.recordCountOffset)
        try sync()
        if !pendingAnnotations.isEmpty {
            throw RecordingError(path: path, offset: nil, "\(pendingAnnotations.count) annotations did not fit in the "
                                 + "file's \(recordsWritten) records; the samples are complete")
        }
    }

    private func sync() throws {
        do {
            try retryingOnInterrupt { fsync(fd.rawValue) }
        } catch {
            throw RecordingError(path: path, offset: nil, "fsync failed: "
                                 + "\(Errno.text(error)) (is the disk full or gone?)")
        }
    }

    /// Writes every byte at `offset`, or at the end of what was written so far when nil.
    private func writeAll(_ bytes: [UInt8], at offset: Int?) throws {
        var done = 0
        try bytes.withUnsafeBytes { p in
            while done < p.count {
                let rest = UnsafeRawBufferPointer(rebasing: p[done...])
                do {
                    done += try offset.map { try fd.write(toAbsoluteOffset: Int64($0 + done), rest) } ?? fd.write(rest)
                } catch {
                    throw RecordingError(path: path, offset: offset.map { UInt64($0 + done) },
                                         "write failed: \(Errno.text(error)) (is the disk full?)")
                }
            }
        }
    }
}

extension EDFHeader {
    static func pad(_ s: String, _ width: Int) -> [UInt8] {
        Array(s.utf8.prefix(width)) + [UInt8](repeating: 0x20, count: max(0, width - s.utf8.count))
    }
}

extension EDFWriter {
    /// Changes the start date and time of a closed file (when the true start is known only at the end, as in a replay;
    /// `.unknown` marks it unknown). The sub-second part (the first record's onset) is unchanged.
    public static func setStart(path: String, _ start: EDFStartTime) throws {
        let reader = try EDFReader(path: path)
        var h = reader.header
        h.startDate = start.dateField
        h.startTime = start.timeField
        if h.recording.hasPrefix("Startdate ") {
            let rest = h.recording.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            h.recording = "Startdate \(start.edfPlusDate)" + (rest.count > 2 ? " " + rest[2] : "")
        }
        let bytes = Array(h.encoded()[88..<184])
        let fd = try FileDescriptor.open(recording: path, .writeOnly)
        defer { try? fd.close() }
        do {
            try fd.writeAll(toAbsoluteOffset: 88, bytes)
        } catch {
            throw RecordingError(path: path, offset: 88, "cannot write the start date: \(Errno.text(error))")
        }
        _ = try? retryingOnInterrupt { fsync(fd.rawValue) }
    }
}

/// Repairs an EDF-family file left behind by a crash: keeps every complete data record, drops a partial
/// last one, and writes the true record count into the header.
public enum EDFRepair {
    public struct Report: Sendable, Equatable {
        /// False when the file was already consistent (nothing was changed).
        public var changed: Bool
        public var recordsKept: Int
        public var bytesDropped: Int
        public var headerSaid: Int
    }

    public static func repair(path: String) throws -> Report {
        let fd = try FileDescriptor.open(recording: path, .readWrite)
        defer { try? fd.close() }
        guard let size = try? Int(fd.stat().size) else {
            throw RecordingError(path: path, offset: nil, "cannot read the file's size")
        }
        let fixed = try fd.read(count: 256, at: 0, path: path)
        var (h, ns) = try EDFHeader.parseFixed(fixed, path: path)
        try h.parseSignals(try fd.read(count: 256 * ns, at: 256, path: path), count: ns, path: path)
        let data = size - h.headerBytes
        guard h.recordBytes > 0 else {
            throw RecordingError(path: path, offset: 256, "the signals hold no samples; nothing to repair")
        }
        let complete = max(0, data) / h.recordBytes
        let keep = h.recordCount >= 0 ? min(h.recordCount, complete) : complete
        let keepBytes = h.headerBytes + keep * h.recordBytes
        let dropped = size - keepBytes
        if keep == h.recordCount && dropped == 0 {
            return Report(changed: false, recordsKept: keep, bytesDropped: 0, headerSaid: h.recordCount)
        }
        if dropped > 0 && h.recordCount >= 0 && keep == h.recordCount {
            // The header is right and there are extra bytes after the records: leave them; readers ignore them.
            return Report(changed: false, recordsKept: keep, bytesDropped: 0, headerSaid: h.recordCount)
        }
        do {
            try fd.resize(to: Int64(keepBytes))
        } catch {
            throw RecordingError(path: path, offset: UInt64(keepBytes),
                                 "cannot cut off the partial record: \(Errno.text(error))")
        }
        let count = EDFHeader.pad(String(keep), 8)
        do {
            try fd.writeAll(toAbsoluteOffset: Int64(EDFHeader.recordCountOffset), count)
        } catch {
            throw RecordingError(path: path, offset: UInt64(EDFHeader.recordCountOffset),
                                 "cannot write the record count: \(Errno.text(error))")
        }
        _ = try? retryingOnInterrupt { fsync(fd.rawValue) }
        return Report(changed: true, recordsKept: keep, bytesDropped: dropped, headerSaid: h.recordCount)
    }
}
