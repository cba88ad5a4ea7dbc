import ArgumentParser
import Evaluation
import Foundation
import Ingest
import NightAnalysis
import Recordings

/// `replay --hypnogram FILE`: a sleep lab's scoring kept apart from the recording (an EDF+ hypnogram such as
/// Sleep-EDF's `*-Hypnogram.edf`, an NSRR XML, a Noxturnal CSV export) gives the night its sleep and wake, as stages
/// inside the recording do. The file is read as `validate --labels` reads it — the same formats, vocabulary, label
/// map and checks — so the two never disagree on what a lab scored.
struct LabStagesOptions: ParsableArguments {
    @Option(name: .customLong("hypnogram"),
            help: ArgumentHelp("A sleep lab's scoring of this night, apart from the recording (an EDF+ hypnogram such "
                               + "as Sleep-EDF's *-Hypnogram.edf, an NSRR XML, a Noxturnal CSV export): the night's "
                               + "sleep and wake come from its 30-s stages instead of the accelerometer.",
                               valueName: "file"))
    var hypnogram: String?
    @Option(name: .customLong("label-map"),
            help: ArgumentHelp("With --hypnogram: meanings for stage words the built-in vocabulary does not know, "
                               + "`label = meaning` a line (as for validate).", valueName: "file"))
    var labelMap: String?

    func validate() throws {
        if labelMap != nil && hypnogram == nil {
            throw ValidationError("--label-map gives meanings to a scoring's words; it goes with --hypnogram FILE.")
        }
    }

    /// The scoring to read, with its label map; nil without --hypnogram.
    func lab(wakeMinSeconds: Double) throws -> LabHypnogram? {
        guard let hypnogram else { return nil }
        var map = LabelMap()
        if let labelMap {
            try map.add(fileText: try TextFile.read(path: labelMap, what: "the label map"), path: labelMap)
        }
        return LabHypnogram(path: hypnogram, map: map, wakeMinSeconds: wakeMinSeconds)
    }
}

/// A sleep lab's scoring file as the night's hypnogram.
struct LabHypnogram {
    let path: String
    let map: LabelMap
    let wakeMinSeconds: Double

    /// Reads the scoring before an EDF/BDF recording is replayed, whose header says when it started and how long it
    /// lasts: a file that cannot give this night's sleep (unreadable, no stages, stages that overlap, entries outside
    /// the recording) is refused before anything is written. Other recordings are checked once replayed, still
    /// before the journal is touched.
    func check(recording: String) throws {
        // A file left unclosed (record count -1) or discontinuous (EDF+D) says its length only once read.
        guard let reader = try? EDFReader(path: recording), reader.header.recordCount > 0,
              !reader.header.isDiscontinuous else { return }
        let h = reader.header
        let seconds = Double(max(0, h.recordCount)) * h.recordDurationSeconds
        _ = try stages(recording: recording, clock: RecordingClock(durationSeconds: seconds,
                                                                    startSeconds: RecordingClock.edfStart(reader)))
    }

    /// The night with the scoring's stages as its sleep, the scoring placed by the recording's start: an EDF/BDF
    /// header's, else `startedAt` (a capture's kept times, or --start) as local clock time.
    func apply(to result: NightResult, startedAt: Date?) throws -> NightResult {
        let header = Validator.startSeconds(result.format, path: result.path)
        let local = startedAt.map { $0.timeIntervalSince1970 + Double(TimeZone.current.secondsFromGMT(for: $0)) }
        let clock = RecordingClock(durationSeconds: result.durationSeconds, startSeconds: header ?? local)
        return result.with(hypnogram: try stages(recording: result.path, clock: clock), from: path)
    }

    func stages(recording: String, clock: RecordingClock) throws -> Hypnogram {
        let scoring: ReferenceScoring
        do {
            scoring = try ReferenceScoring.load(labelsPath: path, recordingPath: recording, clock: clock, map: map,
                                                wakeMinSeconds: wakeMinSeconds)
        } catch let e as LabelsError {
            throw LabelsError(description: Self.oneLine(e.description))
        }
        guard let hypnogram = scoring.hypnogram, !hypnogram.sleep.isEmpty else {
            let found = scoring.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            throw LabelsError(description: "\(path): no sleep stage in this scoring (\(scoring.format.rawValue); "
                              + (found.isEmpty ? "nothing with a known meaning" : found.joined(separator: ", "))
                              + "), so it cannot give the night's sleep. A hypnogram has 30-s epochs such as "
                              + "\"Sleep stage W\", \"N2\" or \"Éveil\"; name other words with --label-map FILE"
                              + (scoring.unmappedLine.map { " — \($0)" } ?? ""))
        }
        return hypnogram
    }

    /// `validate` lists up to 20 entries that do not fit the recording, a line each; `replay` says one line: the
    /// first entry, how many more there are, and where the scoring lies against the recording.
    static func oneLine(_ description: String) -> String {
        let lines = description.split(separator: "\n").map(String.init)
        guard lines.count > 2, let first = lines.first, let last = lines.last else {
            return lines.joined(separator: "; ")
        }
        let listed = lines.dropFirst().dropLast().filter { !$0.hasPrefix("… and ") }.count
        let beyond = lines.first { $0.hasPrefix("… and ") }
            .flatMap { Int($0.split(separator: " ").dropFirst(2).first ?? "") } ?? 0
        return "\(first) (and \(listed + beyond) more entries like it); \(last)"
    }
}
