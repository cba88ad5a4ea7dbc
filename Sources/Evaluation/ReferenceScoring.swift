import Foundation
import NightAnalysis
import Recordings

/// A recording's reference, from any of the four formats, ready to score against.
public struct ReferenceScoring: Sendable {
    public var format: ScoringFormat
    public var path: String
    /// Events to score: cramp, leg_movement, sleep_interruption, artifact.
    public var labels: [ReferenceLabel]
    /// Wake in the sleep period from sleep-stage epochs, for the 30-s epoch agreement; nil without stages.
    public var stageWake: [Interval]?
    /// First sleep epoch's onset to last sleep epoch's end; the epoch agreement is counted inside it.
    public var sleepPeriod: Interval?
    /// The scoring's sleep stages as the night's sleep and wake (`replay --hypnogram`); nil without stages.
    public var hypnogram: Hypnogram? = nil
    /// How many entries had each meaning (stages counted as epochs or runs as the file gives them).
    public var counts: [String: Int]
    /// Labels the map does not know, with how many times each occurs: listed, never dropped silently.
    public var unmapped: [String: Int]
    /// What was combined or derived, in words (bilateral movements, wake bouts, PLM series).
    public var notes: [String]
}

extension ReferenceScoring {
    /// Longest leg movement (WASM 2016); a "PLM" label longer than this is a series, not one movement.
    static let longestLegMovement = 10.0

    /// Turns a clinical scoring's entries into a reference; throws one line per entry that disagrees with
    /// the recording (outside it, overlapping stages), at most 20 lines and a count.
    public static func build(_ items: [ScoredItem], problems read: [String], format: ScoringFormat, path: String,
                             map: LabelMap, clock: RecordingClock, wakeMinSeconds: Double) throws -> ReferenceScoring {
        var problems = read
        var counts: [String: Int] = [:], unmapped: [String: Int] = [:]
        var events: [String: [(Interval, String)]] = [:], stages: [(Interval, Bool, String)] = []
        for item in items {
            guard var meaning = map.meaning(of: item.label) else { unmapped[item.label, default: 0] += 1; continue }
            if meaning == .legMovement && item.duration > longestLegMovement
                && ["plm", "periodic"].contains(where: LabelMap.key(item.label).contains) {
                meaning = .plmSeries
            }
            counts[meaning.rawValue, default: 0] += 1
            if meaning == .ignore || meaning == .plmSeries { continue }
            if let problem = outside(item, clock: clock, path: path) { problems.append(problem); continue }
            let end = min(clock.durationSeconds, item.onset + item.duration)
            let interval = Interval(max(0, item.onset), max(max(0, item.onset), end))
            switch meaning {
            case .wake, .sleep: stages.append((interval, meaning == .wake, item.place))
            default: events[meaning.rawValue, default: []].append((interval, item.place))
            }
        }
        problems += overlappingStages(stages, path: path)
        try refuse(problems, path: path, items: items, clock: clock)
        var scoring = ReferenceScoring(format: format, path: path, labels: [], stageWake: nil, sleepPeriod: nil,
                                       counts: counts, unmapped: unmapped, notes: [])
        for (kind, list) in events.sorted(by: { $0.key < $1.key }) { scoring.addCombined(kind, list) }
        if !stages.isEmpty { scoring.addStages(stages.map { ($0.0, $0.1) }, wakeMinSeconds: wakeMinSeconds) }
        if let series = counts["plm_series"] {
            scoring.notes.append("\(series) PLM series in the scoring (counted, not scored event by event)")
        }
        return scoring
    }

    /// One line when an entry starts before the recording or after its end.
    static func outside(_ item: ScoredItem, clock: RecordingClock, path: String) -> String? {
        guard item.onset < -0.5 || item.onset >= clock.durationSeconds + 1 else { return nil }
        return "\(path) \(item.place): \"\(item.label)\" at \(offsetWords(item.onset)) lies outside the recording "
            + "(0–\(secondsText(clock.durationSeconds.rounded())) s); delete the entry or check the file is this "
            + "night's"
    }

    /// One line for each stage epoch that begins before the previous one ends.
    static func overlappingStages(_ stages: [(Interval, Bool, String)], path: String) -> [String] {
        let sorted = stages.sorted { $0.0.onset < $1.0.onset }
        return zip(sorted, sorted.dropFirst()).compactMap { a, b in
            b.0.onset < a.0.offset - 1e-6
                ? "\(path) \(b.2): a sleep stage starting at \(secondsText(b.0.onset)) s overlaps the one at "
                    + "\(a.2) (until \(secondsText(a.0.offset)) s); each epoch needs one stage, fix one"
                : nil
        }
    }

    /// Throws the problems, if any: the first 20 lines, how many more, and where the scoring lies in time.
    static func refuse(_ problems: [String], path: String, items: [ScoredItem], clock: RecordingClock) throws {
        guard !problems.isEmpty else { return }
        var lines = Array(problems.prefix(20))
        if problems.count > 20 { lines.append("… and \(problems.count - 20) more problems like these") }
        if let first = items.map(\.onset).min(), let last = items.map({ $0.onset + $0.duration }).max() {
            lines.append("\(path): the scoring spans \(offsetWords(first))–\(offsetWords(last)) from the "
                         + "recording's start, and the recording lasts \(secondsText(clock.durationSeconds.rounded())) "
                         + "s: is it the scoring of this recording?")
        }
        throw LabelsError(description: lines.joined(separator: "\n"))
    }

    /// Adds a kind's events, overlapping ones (left and right leg) combined into one, as WASM combines
    /// bilateral movements.
    mutating func addCombined(_ kind: String, _ list: [(Interval, String)]) {
        var merged: [(Interval, String)] = []
        var combined = 0
        for (interval, place) in list.sorted(by: { $0.0.onset < $1.0.onset }) {
            if let last = merged.last, interval.onset < last.0.offset {
                merged[merged.count - 1].0.offset = max(last.0.offset, interval.offset)
                combined += 1
            } else {
                merged.append((interval, place))
            }
        }
        if combined > 0 {
            notes.append("\(combined) overlapping \(kind) entries (left and right leg) combined: "
                         + "\(list.count) entries, \(merged.count) events")
        }
        labels += merged.enumerated().map { ReferenceLabel(kind: kind, interval: $1.0, line: $0 + 1) }
    }

    /// Wake epochs inside the sleep period become the epoch reference; their bouts of at least
    /// `wakeMinSeconds` become the sleep interruptions.
    mutating func addStages(_ stages: [(Interval, Bool)], wakeMinSeconds: Double) {
        hypnogram = Hypnogram(epochs: stages.map { (onset: $0.0.onset, offset: $0.0.offset, asleep: !$0.1) })
        let sleep = stages.filter { !$0.1 }.map(\.0)
        guard let first = sleep.map(\.onset).min(), let last = sleep.map(\.offset).max() else {
            notes.append("the stages hold no sleep epoch: no sleep period, so no sleep interruption to score")
            sleepPeriod = nil
            stageWake = []
            return
        }
        sleepPeriod = Interval(first, last)
        let wake = stages.filter { $0.1 }.map(\.0).sorted { $0.onset < $1.onset }
            .filter { $0.onset >= first && $0.offset <= last }
        // Joined as the night's own wake runs are (NightAnalysis), so a replay and `validate` count the same bouts.
        let bouts = Hypnogram.runs(wake.map { $0.onset..<$0.offset }).map { Interval($0.onset, $0.offset) }
        stageWake = bouts
        let interruptions = bouts.filter { $0.duration >= wakeMinSeconds - 1e-6 }
        labels += interruptions.enumerated().map {
            ReferenceLabel(kind: "sleep_interruption", interval: $1, line: $0 + 1)
        }
        notes.append("sleep stages: sleep period \(secondsText(first))–\(secondsText(last)) s, "
                     + "\(bouts.count) wake bouts in it, \(interruptions.count) of at least "
                     + "\(secondsText(wakeMinSeconds)) s scored as sleep interruptions")
    }
}

/// Seconds for a message: whole numbers plain, else up to three decimals.
func secondsText(_ v: Double) -> String {
    guard v.isFinite else { return "\(v)" }
    if v == v.rounded() && abs(v) < 1e15 { return "\(Int(v))" }
    var s = String(format: "%.3f", v)
    while s.hasSuffix("0") { s.removeLast() }
    return s
}

extension ReferenceScoring {
    /// The reference for a recording: `labelsPath`'s file in whichever of the four formats it is, or, with
    /// no path, the EDF+ annotations inside the recording.
    public static func load(labelsPath: String?, recordingPath: String, clock: RecordingClock, map: LabelMap,
                            wakeMinSeconds: Double) throws -> ReferenceScoring {
        guard let path = labelsPath else {
            let items = try ScoringFiles.edfAnnotations(path: recordingPath, clock: clock)
            guard !items.isEmpty else {
                throw LabelsError(description: "\(recordingPath): its EDF+ annotations hold no scored event (only "
                                  + "time-keeping), so there is no reference; give the scoring with --labels FILE")
            }
            return try build(items, problems: [], format: .edfAnnotations, path: recordingPath, map: map,
                             clock: clock, wakeMinSeconds: wakeMinSeconds)
        }
        let bytes = try TextFile.bytes(path: path, what: "the scoring file")
        let format = ScoringFormat.detect(bytes)
        let read: (items: [ScoredItem], problems: [String])
        switch format {
        case .labelsCSV:
            let text = try TextFile.read(path: path, what: "the labels file")
            let labels = try ReferenceLabels.parse(text, path: path, recordingSeconds: clock.durationSeconds)
            var counts: [String: Int] = [:]
            for l in labels { counts[l.kind, default: 0] += 1 }
            return ReferenceScoring(format: .labelsCSV, path: path, labels: labels, stageWake: nil, sleepPeriod: nil,
                                    counts: counts, unmapped: [:], notes: [])
        case .edfAnnotations: read = (try ScoringFiles.edfAnnotations(path: path, clock: clock), [])
        case .nsrrXML: read = try ScoringFiles.nsrr(bytes: bytes, path: path)
        case .noxturnalCSV: read = try ScoringFiles.noxturnal(bytes: bytes, path: path, clock: clock)
        }
        guard !read.items.isEmpty || !read.problems.isEmpty else {
            throw LabelsError(description: "\(path): the \(format.rawValue) scoring holds no entry, so there is no "
                              + "reference; is it the right file?")
        }
        return try build(read.items, problems: read.problems, format: format, path: path, map: map, clock: clock,
                         wakeMinSeconds: wakeMinSeconds)
    }

    /// The unmapped labels in one line, most frequent first ("Désat ×120, Dos ×12").
    public var unmappedLine: String? {
        guard !unmapped.isEmpty else { return nil }
        let sorted = unmapped.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        return "not scored, no meaning known for: "
            + sorted.map { "\"\($0.key)\" ×\($0.value)" }.joined(separator: ", ")
            + " (give them one with --label-map FILE: `label = meaning`)"
    }
}

/// An offset from the recording's start for a message: seconds, or days when it is far off.
func offsetWords(_ s: Double) -> String {
    abs(s) < 2 * 86400 ? "\(secondsText(s.rounded())) s"
        : "\(Int(abs(s) / 86400)) days \(s > 0 ? "after" : "before") its start"
}
