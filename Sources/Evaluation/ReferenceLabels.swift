/// A reference (labelled) event.
public struct ReferenceLabel: Sendable, Equatable {
    public var kind: String
    public var interval: Interval
    public var line: Int

    public init(kind: String, interval: Interval, line: Int) {
        self.kind = kind
        self.interval = interval
        self.line = line
    }
}

/// A problem in a labels file, with the file and line.
public struct LabelsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(description: String) { self.description = description }
}

/// Reads a labels CSV `kind,onset_s,offset_s` (header optional, `#` comments allowed).
public enum ReferenceLabels {
    static func trim(_ s: Substring, _ junk: Set<Character>) -> String {
        var t = s
        while let f = t.first, junk.contains(f) { t = t.dropFirst() }
        while let l = t.last, junk.contains(l) { t = t.dropLast() }
        return String(t)
    }

    public static let knownKinds: Set<String> = ["cramp", "leg_movement", "sleep_interruption", "artifact",
                                                 "voluntary_movement", "gap", "muscle_activity"]

    public static func parse(_ text: String, path: String, recordingSeconds: Double?) throws -> [ReferenceLabel] {
        var labels: [ReferenceLabel] = []
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = trim(raw, [" ", "\t", "\r"])
            let number = i + 1
            if line.isEmpty || line.hasPrefix("#") || (i == 0 && line.lowercased().hasPrefix("kind")) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { trim($0, [" ", "\t", "\""]) }
            guard fields.count >= 3 else {
                throw LabelsError(description: "\(path) line \(number): expected kind,onset_s,offset_s but found "
                                               + "\"\(line)\"")
            }
            let kind = fields[0]
            guard knownKinds.contains(kind) else {
                throw LabelsError(description: "\(path) line \(number): unknown kind \"\(kind)\"; known kinds: "
                                               + "\(knownKinds.sorted().joined(separator: ", "))")
            }
            guard let onset = Double(fields[1]), let offset = Double(fields[2]), onset.isFinite, offset.isFinite else {
                throw LabelsError(description: "\(path) line \(number): onset and offset must be numbers of seconds, "
                                               + "found \"\(fields[1])\" and \"\(fields[2])\"")
            }
            guard onset >= 0, offset >= onset else {
                throw LabelsError(description: "\(path) line \(number): the label ends (\(offset) s) before it starts "
                                               + "(\(onset) s), or starts before 0")
            }
            if let limit = recordingSeconds, onset >= limit + 1 {
                throw LabelsError(description: "\(path) line \(number): \(kind) at \(onset)–\(offset) s lies outside "
                                               + "the recording, which lasts \(Int(limit)) s. Is this the right labels "
                                               + "file?")
            }
            labels.append(ReferenceLabel(kind: kind, interval: Interval(onset, offset), line: number))
        }
        for kind in Set(labels.map(\.kind)) {
            let same = labels.filter { $0.kind == kind }.sorted { $0.interval.onset < $1.interval.onset }
            for (a, b) in zip(same, same.dropFirst()) where b.interval.onset < a.interval.offset {
                throw LabelsError(description: "\(path) lines \(a.line) and \(b.line): two \(kind) labels overlap "
                                               + "(\(a.interval.onset)–\(a.interval.offset) s and "
                                               + "\(b.interval.onset)–\(b.interval.offset) s); merge them or fix one")
            }
        }
        return labels
    }
}
