/// EDF / EDF+ / BDF / BDF+ headers: parsing with errors that name the field and its byte offset,
/// and formatting with the 8-character numeric fields rounded the way readers will read them back.
///
/// Layout (EDF spec, 1992; EDF+ spec, 2003; BioSemi BDF): a 256-byte fixed header, then 256 bytes
/// per signal, field by field (all labels, then all transducers, …), then data records. Each data
/// record holds, signal after signal, `samplesPerRecord` little-endian two's-complement integers of
/// 2 bytes (EDF) or 3 bytes (BDF).

/// One signal's header.
public struct EDFSignal: Sendable, Equatable {
    public var label: String
    public var transducer: String
    public var physicalDimension: String
    public var physicalMinimum: Double
    public var physicalMaximum: Double
    public var digitalMinimum: Int
    public var digitalMaximum: Int
    public var prefiltering: String
    public var samplesPerRecord: Int
    public var reserved: String

    public init(label: String, transducer: String = "", physicalDimension: String, physicalMinimum: Double,
                physicalMaximum: Double,
                digitalMinimum: Int, digitalMaximum: Int, prefiltering: String = "", samplesPerRecord: Int,
                reserved: String = "") {
        self.label = label
        self.transducer = transducer
        self.physicalDimension = physicalDimension
        self.physicalMinimum = physicalMinimum
        self.physicalMaximum = physicalMaximum
        self.digitalMinimum = digitalMinimum
        self.digitalMaximum = digitalMaximum
        self.prefiltering = prefiltering
        self.samplesPerRecord = samplesPerRecord
        self.reserved = reserved
    }

    /// True for the EDF+ / BDF+ annotation signal.
    public var isAnnotations: Bool { label == "EDF Annotations" || label == "BDF Annotations" }

    /// Physical units per digital step (negative when the physical range is inverted).
    public var unitsPerStep: Double { (physicalMaximum - physicalMinimum) / Double(digitalMaximum - digitalMinimum) }

    /// Converts a digital value to physical units.
    @inlinable
    public func physical(_ digital: Int32) -> Double {
        physicalMinimum + (Double(digital) - Double(digitalMinimum)) * unitsPerStep
    }

    /// Converts a physical value to the nearest digital value inside the digital range.
    public func digital(_ physical: Double) -> Int32 {
        guard physical.isFinite else { return Int32(physical > 0 ? digitalMaximum : digitalMinimum) }
        let d = ((physical - physicalMinimum) / unitsPerStep + Double(digitalMinimum)).rounded()
        return Int32(min(Double(digitalMaximum), max(Double(digitalMinimum), d)))
    }
}

/// The header of an EDF-family file.
public struct EDFHeader: Sendable, Equatable {
    /// 2 bytes per sample (EDF) or 3 (BDF).
    public var bytesPerSample: Int
    /// EDF+ or BDF+ (the reserved field starts with "EDF+" or "BDF+").
    public var isPlus: Bool
    /// EDF+D: data records need not be contiguous in time.
    public var isDiscontinuous: Bool
    public var patient: String
    public var recording: String
    /// "dd.mm.yy" as written.
    public var startDate: String
    /// "hh.mm.ss" as written.
    public var startTime: String
    /// -1 while a recording is in progress (or was killed before it could say).
    public var recordCount: Int
    public var recordDurationSeconds: Double
    public var signals: [EDFSignal]

    public var isBDF: Bool { bytesPerSample == 3 }
    public var headerBytes: Int { 256 * (signals.count + 1) }
    public var recordBytes: Int { signals.reduce(0) { $0 + $1.samplesPerRecord } * bytesPerSample }

    public var format: RecordingFormat {
        switch (isBDF, isPlus) {
        case (false, false): .edf
        case (false, true): .edfPlus
        case (true, false): .bdf
        case (true, true): .bdfPlus
        }
    }

    /// Sampling rate of signal `i` in Hz (samples per record / record duration).
    public func sampleRateHz(_ i: Int) -> Double {
        recordDurationSeconds > 0 ? Double(signals[i].samplesPerRecord) / recordDurationSeconds : 0
    }

    /// The annotation signal's index, if any.
    public var annotationSignal: Int? { signals.firstIndex { $0.isAnnotations } }

    /// Byte offset, within a record, of signal `i`'s first sample.
    public func offsetInRecord(_ i: Int) -> Int {
        signals[0..<i].reduce(0) { $0 + $1.samplesPerRecord } * bytesPerSample
    }

    public init(bytesPerSample: Int, isPlus: Bool, isDiscontinuous: Bool = false, patient: String, recording: String,
                startDate: String,
                startTime: String, recordCount: Int, recordDurationSeconds: Double, signals: [EDFSignal]) {
        self.bytesPerSample = bytesPerSample
        self.isPlus = isPlus
        self.isDiscontinuous = isDiscontinuous
        self.patient = patient
        self.recording = recording
        self.startDate = startDate
        self.startTime = startTime
        self.recordCount = recordCount
        self.recordDurationSeconds = recordDurationSeconds
        self.signals = signals
    }
}

// MARK: - Parsing

extension EDFHeader {
    /// Byte offset of the record-count field (patched when a recording is closed or repaired).
    public static let recordCountOffset = 236
    /// Byte offset of the reserved field ("EDF+C" / "EDF+D").
    public static let reservedOffset = 192

    /// Parses the fixed part (256 bytes): returns the number of signals and a header without signals.
    /// Fewer bytes mean the file ends inside the header, and the error says where.
    public static func parseFixed(_ b: [UInt8], path: String) throws -> (header: EDFHeader, signalCount: Int) {
        guard b.count >= 256 else {
            throw RecordingError(path: path, offset: UInt64(b.count), "the file ends after \(b.count) bytes, inside "
                                 + "the 256-byte EDF/BDF header (was it cut off while being copied?)")
        }
        let bytesPerSample: Int
        if b[0] == 0x30, b[1..<8].allSatisfy({ $0 == 0x20 }) {
            bytesPerSample = 2
        } else if b[0] == 0xFF, Array(b[1..<8]) == Array("BIOSEMI".utf8) {
            bytesPerSample = 3
        } else {
            throw RecordingError(path: path, offset: 0, "version field is not \"0       \" (EDF) or 0xFF\"BIOSEMI\" "
                                 + "(BDF): this is not an EDF or BDF file")
        }
        let r = FieldReader(bytes: b, path: path)
        let patient = try r.text(at: 8, 80, "patient identification")
        let recording = try r.text(at: 88, 80, "recording identification")
        let startDate = try r.text(at: 168, 8, "start date")
        let startTime = try r.text(at: 176, 8, "start time")
        let headerBytes = try r.integer(at: 184, 8, "number of bytes in header")
        let reserved = try r.text(at: 192, 44, "reserved")
        let records = try r.integer(at: 236, 8, "number of data records")
        let duration = try r.number(at: 244, 8, "duration of a data record")
        let ns = try r.integer(at: 252, 4, "number of signals")
        guard ns >= 0, ns <= 4096 else {
            throw RecordingError(path: path, offset: 252, "number of signals is \(ns); expected 0 to 4096")
        }
        guard headerBytes == 256 * (ns + 1) else {
            throw RecordingError(path: path, offset: 184, "the header says it is \(headerBytes) bytes long, but with "
                                 + "\(ns) signals it must be \(256 * (ns + 1)) bytes")
        }
        guard records >= -1 else {
            throw RecordingError(path: path, offset: 236, "number of data records is \(records); expected "
                                 + "-1 (still recording) or more")
        }
        // 0 is allowed (EDF+ files of annotations only); anything under a millisecond would make rates absurd.
        guard duration == 0 || (duration.isFinite && duration >= InputBounds.shortestRecordSeconds
                                && duration <= 86_400) else {
            throw RecordingError(path: path, offset: 244, "duration of a data record is "
                                 + "\(InputBounds.readable(duration)) s; expected 0 or 0.001 to 86400 s")
        }
        for (field, offset) in [(startDate, 168), (startTime, 176)] {
            let parts = field.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isNumber) }) else {
                let what = offset == 168 ? "start date" : "start time"
                let form = offset == 168 ? "dd.mm.yy" : "hh.mm.ss"
                throw RecordingError(path: path, offset: UInt64(offset),
                                     "\(what) is \"\(field)\"; expected \(form) with dots")
            }
        }
        let plus = reserved.hasPrefix("EDF+") || reserved.hasPrefix("BDF+")
        let header = EDFHeader(bytesPerSample: bytesPerSample, isPlus: plus,
                               isDiscontinuous: plus && reserved.dropFirst(4).hasPrefix("D"),
                               patient: patient, recording: recording, startDate: startDate, startTime: startTime,
                               recordCount: records, recordDurationSeconds: duration, signals: [])
        return (header, ns)
    }

    /// Parses the signal part (256 × ns bytes, starting at byte 256 of the file).
    public mutating func parseSignals(_ b: [UInt8], count ns: Int, path: String) throws {
        guard b.count >= 256 * ns else {
            throw RecordingError(path: path, offset: UInt64(256 + b.count), "the file ends inside the "
                                 + "signal headers: \(ns) signals need \(256 * ns) bytes after the first "
                                 + "256, only \(b.count) are there")
        }
        let r = FieldReader(bytes: b, path: path, base: 256)
        var fieldStart = 0
        func column<T>(_ width: Int, _ parse: (Int) throws -> T) rethrows -> [T] {
            defer { fieldStart += width * ns }
            return try (0..<ns).map { try parse(fieldStart + $0 * width) }
        }
        let labels = try column(16) { try r.text(at: $0, 16, "label") }
        let transducers = try column(80) { try r.text(at: $0, 80, "transducer type") }
        let dims = try column(8) { try r.text(at: $0, 8, "physical dimension") }
        let pmins = try column(8) { try r.number(at: $0, 8, "physical minimum") }
        let pmaxs = try column(8) { try r.number(at: $0, 8, "physical maximum") }
        let dmins = try column(8) { try r.integer(at: $0, 8, "digital minimum") }
        let dmaxs = try column(8) { try r.integer(at: $0, 8, "digital maximum") }
        let prefilters = try column(80) { try r.text(at: $0, 80, "prefiltering") }
        let counts = try column(8) { try r.integer(at: $0, 8, "number of samples in each data record") }
        let reserveds = try column(32) { try r.text(at: $0, 32, "reserved") }
        let limit = bytesPerSample == 2 ? (-32768...32767) : (-8_388_608...8_388_607)
        var out: [EDFSignal] = []
        for i in 0..<ns {
            let place = { (fieldOffset: Int, width: Int) in UInt64(256 + fieldOffset + i * width) }
            let name = "signal \(i + 1) (\"\(labels[i])\")"
            guard limit.contains(dmins[i]), limit.contains(dmaxs[i]), dmins[i] < dmaxs[i] else {
                throw RecordingError(path: path, offset: place(ns * (16 + 80 + 8 + 8 + 8), 8),
                                     "\(name): digital range \(dmins[i])…\(dmaxs[i]) is impossible for "
                                         + "\(bytesPerSample == 2 ? "16-bit EDF" : "24-bit BDF") (minimum must be "
                                         + "below maximum, both within \(limit.lowerBound)…\(limit.upperBound))")
            }
            // Beyond this, scaling to µV as Float overflows to infinity (and no sensor measures it): found by fuzzing.
            for (value, column) in [(pmins[i], 0), (pmaxs[i], 1)] where abs(value) > 1e20 {
                throw RecordingError(path: path, offset: place(ns * (16 + 80 + 8 + 8 * column), 8),
                                     "\(name): physical \(column == 0 ? "minimum" : "maximum") \(value) is beyond "
                                         + "±1e20, which no sensor measures; the header is damaged")
            }
            guard pmins[i] != pmaxs[i] else {
                throw RecordingError(path: path, offset: place(ns * (16 + 80 + 8), 8),
                                     "\(name): physical minimum and maximum are both "
                                     + "\(pmins[i]), so samples cannot be scaled")
            }
            guard counts[i] >= 1, counts[i] <= 10_000_000 else {
                throw RecordingError(path: path, offset: place(ns * (16 + 80 + 8 * 5 + 80), 8),
                                     "\(name): \(counts[i]) samples per data record is "
                                         + "impossible (expected 1 to 10000000)")
            }
            out.append(EDFSignal(label: labels[i], transducer: transducers[i], physicalDimension: dims[i],
                                 physicalMinimum: pmins[i],
                                 physicalMaximum: pmaxs[i], digitalMinimum: dmins[i], digitalMaximum: dmaxs[i],
                                 prefiltering: prefilters[i],
                                 samplesPerRecord: counts[i], reserved: reserveds[i]))
        }
        signals = out
        if recordDurationSeconds == 0 && signals.contains(where: { !$0.isAnnotations }) {
            throw RecordingError(path: path, offset: 244, "duration of a data record is 0 s, which EDF allows only for "
                                 + "annotation-only files; this file has signals")
        }
        if isPlus && annotationSignal == nil {
            throw RecordingError(path: path, offset: 192, "the header says \(isBDF ? "BDF+" : "EDF+") but there is no "
                                 + "\"\(isBDF ? "BDF" : "EDF") Annotations\" signal")
        }
    }
}

/// Reads fixed-width ASCII fields, reporting the file offset of any that is not what it should be.
struct FieldReader {
    let bytes: [UInt8]
    let path: String
    var base = 0

    func text(at offset: Int, _ width: Int, _ name: String) throws -> String {
        let slice = bytes[offset..<(offset + width)]
        // Tolerate bytes above 126 in free-text fields (many writers put Latin-1 there) but not control bytes,
        // wherever they are (a fuzzed header hid a newline after a Latin-1 byte).
        if let bad = slice.firstIndex(where: { $0 < 32 }) {
            throw RecordingError(path: path, offset: UInt64(base + bad), "\(name) holds a control byte "
                                 + "(0x\(String(slice[bad], radix: 16))); the header is damaged")
        }
        var s = String(decoding: slice, as: UTF8.self)
        while s.last == " " { s.removeLast() }
        return s
    }

    func number(at offset: Int, _ width: Int, _ name: String) throws -> Double {
        let s = try text(at: offset, width, name).trimmingLeadingSpaces()
        guard let v = Double(s), v.isFinite else {
            throw RecordingError(path: path, offset: UInt64(base + offset), "\(name) is \"\(s)\", not a number")
        }
        return v
    }

    func integer(at offset: Int, _ width: Int, _ name: String) throws -> Int {
        let s = try text(at: offset, width, name).trimmingLeadingSpaces()
        if let v = Int(s) { return v }
        // Some writers put "1.0000" into integer fields; accept whole numbers written as decimals.
        if let d = Double(s), d.isFinite, d == d.rounded(), abs(d) < 1e12 { return Int(d) }
        throw RecordingError(path: path, offset: UInt64(base + offset), "\(name) is \"\(s)\", not a whole number")
    }
}

extension String {
    func trimmingLeadingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        return String(s)
    }
}

// MARK: - Formatting

extension EDFHeader {
    /// Formats a number into at most `width` characters, as precisely as fits.
    /// Readers parse these fields back, so callers must scale with the value this returns, not the one they asked for.
    public static func formatNumber(_ value: Double, width: Int = 8) -> (text: String, value: Double)? {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 1e15 {
            let s = String(Int64(value))
            if s.count <= width { return (s, value) }
            return nil
        }
        // Try decreasing numbers of decimals until it fits.
        for decimals in stride(from: width - 1, through: 0, by: -1) {
            let s = fixed(value, decimals: decimals)
            if s.count <= width, let v = Double(s) { return (s, v) }
        }
        return nil
    }

    /// Fixed-point text without Foundation (rounds half away from zero).
    public static func fixed(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return String(value) }
        var digits = String(Int64(scaled))
        if decimals > 0 {
            while digits.count <= decimals { digits = "0" + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
            while digits.last == "0" { digits.removeLast() }
            if digits.last == "." { digits.removeLast() }
        }
        if value < 0 && digits != "0" { digits = "-" + digits }
        return digits
    }

    /// The header bytes, fields padded with spaces. Text is reduced to 7-bit printable ASCII.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(headerBytes)
        func put(_ s: String, _ width: Int) {
            var bytes = s.unicodeScalars.map { $0.value >= 32 && $0.value < 127 ? UInt8($0.value) : UInt8(ascii: "_") }
            if bytes.count > width { bytes = Array(bytes.prefix(width)) }
            out += bytes
            out += [UInt8](repeating: 0x20, count: width - bytes.count)
        }
        func num(_ v: Double) { put(Self.formatNumber(v)?.text ?? "0", 8) }
        if isBDF {
            out += [0xFF] + Array("BIOSEMI".utf8)
        } else {
            put("0", 8)
        }
        put(patient, 80)
        put(recording, 80)
        put(startDate, 8)
        put(startTime, 8)
        put(String(headerBytes), 8)
        put(isPlus ? (isBDF ? "BDF+" : "EDF+") + (isDiscontinuous ? "D" : "C") : (isBDF ? "24BIT" : ""), 44)
        put(String(recordCount), 8)
        num(recordDurationSeconds)
        put(String(signals.count), 4)
        for s in signals { put(s.label, 16) }
        for s in signals { put(s.transducer, 80) }
        for s in signals { put(s.physicalDimension, 8) }
        for s in signals { num(s.physicalMinimum) }
        for s in signals { num(s.physicalMaximum) }
        for s in signals { put(String(s.digitalMinimum), 8) }
        for s in signals { put(String(s.digitalMaximum), 8) }
        for s in signals { put(s.prefiltering, 80) }
        for s in signals { put(String(s.samplesPerRecord), 8) }
        for s in signals { put(s.reserved, 32) }
        return out
    }
}
