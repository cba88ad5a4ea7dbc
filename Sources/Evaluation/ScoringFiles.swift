import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Recordings

/// One entry of a clinical scoring: its label, its time from the recording's first sample, and where it is
/// in the file (for messages).
public struct ScoredItem: Sendable, Equatable {
    public var label: String
    public var onset: Double
    public var duration: Double
    public var place: String
    public init(label: String, onset: Double, duration: Double, place: String) {
        self.label = label
        self.onset = onset
        self.duration = duration
        self.place = place
    }
}

/// The four kinds of reference scoring `validate` reads, told apart by content.
public enum ScoringFormat: String, Sendable, Codable {
    case labelsCSV = "labels.csv"
    case edfAnnotations = "EDF+ annotations"
    case nsrrXML = "NSRR XML"
    case noxturnalCSV = "Noxturnal CSV"

    /// The format of a scoring file by its first bytes: an EDF header, XML, a UTF-16 or clock-time CSV
    /// (Noxturnal), else labels.csv.
    public static func detect(_ bytes: [UInt8]) -> ScoringFormat {
        if bytes.count >= 256 && bytes.starts(with: Array("0       ".utf8)) { return .edfAnnotations }
        // UTF-16 is how Noxturnal exports; a labels.csv saved as UTF-16 stays labels.csv (and is told to be UTF-8).
        let utf16 = bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF])
        let head = utf16 ? ScoringFiles.text(Array(bytes.prefix(8192)))
            : String(decoding: bytes.prefix(4096), as: UTF8.self)
        let trimmed = head.drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        if trimmed.hasPrefix("<") { return .nsrrXML }
        let firstLines = head.split(whereSeparator: \.isNewline).prefix(4).joined(separator: "\n")
        if firstLines.range(of: #"\d{2}/\d{2}/\d{4} \d{1,2}:\d{2}"#, options: .regularExpression) != nil
            || LabelMap.key(firstLines).contains("heure de debut") || LabelMap.key(firstLines).contains("start time") {
            return .noxturnalCSV
        }
        return .labelsCSV
    }
}

/// What a scoring file needs from its recording: how long it lasts and when it started.
public struct RecordingClock: Sendable {
    public var durationSeconds: Double
    /// The start as wall-clock seconds counted without a time zone (EDF and Noxturnal both give local clock
    /// times, so the difference is what matters); nil when the recording does not say.
    public var startSeconds: Double?
    public init(durationSeconds: Double, startSeconds: Double?) {
        self.durationSeconds = durationSeconds
        self.startSeconds = startSeconds
    }

    /// Seconds of a clock time `day/month/year hour:minute:second`, counted as `startSeconds` is.
    static func seconds(day: Int, month: Int, year: Int, hour: Int, minute: Int, second: Double) -> Double? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute)
        guard (1...31).contains(day), (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute),
              second >= 0, second < 61, let date = calendar.date(from: c) else { return nil }
        return date.timeIntervalSince1970 + second
    }

    /// An EDF header's start ("dd.mm.yy", "hh.mm.ss"; yy 85–99 is 19yy) plus its sub-second part; nil when
    /// the header says it is unknown (EDF+ "Startdate X").
    public static func edfStart(_ reader: EDFReader) -> Double? {
        let h = reader.header
        let recording = h.recording.split(separator: " ")
        if recording.first == "Startdate" && (recording.count < 2 || recording[1] == "X") { return nil }
        let d = h.startDate.split(separator: ".").compactMap { Int($0) }
        let t = h.startTime.split(separator: ".").compactMap { Int($0) }
        guard d.count == 3, t.count == 3 else { return nil }
        return seconds(day: d[0], month: d[1], year: d[2] >= 85 ? 1900 + d[2] : 2000 + d[2], hour: t[0],
                       minute: t[1], second: Double(t[2])).map { $0 + reader.startOffsetSeconds }
    }
}

/// Readers of the clinical formats; each returns the file's entries and one line per entry it cannot read.
public enum ScoringFiles {
    /// EDF+/BDF+ annotations of `path` (the recording itself, or a separate annotation file such as a
    /// Sleep-EDF hypnogram, shifted by the difference of the two start times).
    public static func edfAnnotations(path: String, clock: RecordingClock) throws -> [ScoredItem] {
        let reader = try EDFReader(path: path)
        guard reader.header.isPlus else {
            throw LabelsError(description: "\(path): a plain EDF file holds no annotations (EDF+ does); give the "
                              + "scoring with --labels")
        }
        var shift = 0.0
        if let own = RecordingClock.edfStart(reader), let start = clock.startSeconds { shift = own - start }
        return try reader.allAnnotations().annotations.enumerated().map { i, a in
            ScoredItem(label: a.text, onset: a.onsetSeconds + shift, duration: a.durationSeconds ?? 0,
                       place: "annotation \(i + 1) (\(secondsText(a.onsetSeconds)) s)")
        }
    }

    /// Text of a UTF-16 (with BOM) or UTF-8 file.
    static func text(_ bytes: [UInt8]) -> String {
        let le = bytes.starts(with: [0xFF, 0xFE]), be = bytes.starts(with: [0xFE, 0xFF])
        guard le || be else {
            let s = String(decoding: bytes, as: UTF8.self)
            return s.hasPrefix("\u{FEFF}") ? String(s.dropFirst()) : s
        }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var i = 2
        while i + 1 < bytes.count {
            let (a, b) = (UInt16(bytes[i]), UInt16(bytes[i + 1]))
            units.append(le ? a | b << 8 : a << 8 | b)
            i += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    /// Fields of one CSV line split at `separator`, double quotes honoured.
    static func fields(_ line: Substring, separator: Character) -> [String] {
        var out: [String] = [], current = "", quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle() } else if ch == separator && !quoted {
                out.append(current.trimmingCharacters(in: .whitespaces)); current = ""
            } else { current.append(ch) }
        }
        out.append(current.trimmingCharacters(in: .whitespaces))
        return out
    }

    /// `dd/mm/yyyy hh:mm:ss[.fff]` as `RecordingClock` seconds.
    static func clockTime(_ s: String) -> Double? {
        let parts = s.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let d = parts[0].split(separator: "/").compactMap { Int($0) }
        let t = parts[1].split(separator: ":")
        guard d.count == 3, t.count == 3, let h = Int(t[0]), let m = Int(t[1]),
              let sec = Double(t[2].replacingOccurrences(of: ",", with: ".")) else { return nil }
        return RecordingClock.seconds(day: d[0], month: d[1], year: d[2], hour: h, minute: m, second: sec)
    }
}
