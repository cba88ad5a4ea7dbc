import ArgumentParser
import Foundation
import Journal
import CrampwatchJSON
import Evaluation
import Exports
import Ingest
import NightAnalysis
import Recordings
import Sessions
import SignalCore
import StudySync

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measures how well a detector configuration finds the events in annotated recordings, and sweeps "
                  + "thresholds.",
        discussion: """
            Each recording is paired with a reference scoring given with --labels in the same order as the \
            recordings: labels.csv (kind,onset_s,offset_s), an NSRR XML scoring, a Noxturnal CSV export or an \
            EDF+ annotation file, told apart by content. Without --labels: labels.csv in the recording's folder, \
            else the EDF+ annotations inside the recording. --label-map FILE (`label = meaning` lines) names \
            labels the built-in AASM/NSRR/Noxturnal vocabulary does not know; unknown labels are listed with \
            their counts. Sleep stages become the wake reference. Metrics follow the \
            definitions of the timescoring package (any overlap, with --tolerance on both sides); onset latency \
            and duration error come from one-to-one matches. Sleep interruptions are also compared in 30-s epochs.

            Sweeps: --sweep crampMinSeconds=6:20:2 --sweep crampMinMeanAboveRestMicrovolts=10:30:5 scores every \
            combination (filtering is computed once per recording and reused), writes sweep.csv, sweep.json and \
            sweep.svg into --out, and recommends one by --pick. --save NAME stores the recommended (or, without a \
            sweep, the given) configuration in the journal for `replay --config NAME`.
            """
    )

    @Argument(help: ArgumentHelp("Recordings to validate on.", valueName: "recording")) var recordings: [String] = []
    @Option(name: .customLong("postgres"),
            help: ArgumentHelp("Instead of recordings: every scored night in this study database (the events each hub "
                               + "stored against its reference labels). See `crampwatch study --help`.",
                               valueName: "url"))
    var postgres: String?
    @Option(name: .customLong("password-file"),
            help: ArgumentHelp("With --postgres: a file whose first line is the database password.",
                               valueName: "path"))
    var passwordFile: String?
    @Option(name: .customLong("labels"), help: ArgumentHelp("Labels file for each recording, in order (default: "
                                                            + "labels.csv beside it).", valueName: "path"))
    var labels: [String] = []
    @Option(name: .customLong("label-map"), help: ArgumentHelp("Meanings for other labels: `label = meaning` a line "
                                                               + "(meanings: cramp, leg_movement, wake, sleep, "
                                                               + "artifact, plm_series, ignore, …).",
                                                               valueName: "path"))
    var labelMap: String?
    @Option(help: ArgumentHelp("Tolerance around each labelled event.", valueName: "seconds")) var tolerance: Double = 0
    @Option(help: ArgumentHelp("Event kind the sweep optimises: cramp, leg_movement, sleep_interruption or artifact.",
                               valueName: "kind")) var kind = "cramp"
    @Option(name: .customLong("sweep"), help: ArgumentHelp("A threshold to vary, NAME=FROM:TO:STEP (repeatable).",
                                                           valueName: "spec")) var sweeps: [String] = []
    @Option(help: ArgumentHelp("How to recommend: max-f1, or sensitivity (the most sensitive with at most "
                               + "--max-false-alarms).", valueName: "rule")) var pick = "max-f1"
    @Option(name: .customLong("max-false-alarms"),
            help: ArgumentHelp("With --pick sensitivity: false alarms allowed per night.",
                               valueName: "n")) var maxFalseAlarms: Double = 0.5
    @Option(help: ArgumentHelp("Folder for sweep.csv, sweep.json and sweep.svg.", valueName: "folder")) var out = "."
    @Option(help: ArgumentHelp("Save the recommended configuration in the journal under this name.",
                               valueName: "name")) var save: String?
    @Flag(help: "With --save, replace a configuration of that name.") var replace = false
    @OptionGroup var detector: DetectorOptions
    @OptionGroup var journal: JournalOptions
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if postgres != nil {
            guard recordings.isEmpty && sweeps.isEmpty && save == nil else {
                throw ValidationError("--postgres validates the study's stored nights: give no recordings, --sweep "
                                      + "or --save with it.")
            }
        } else if recordings.isEmpty {
            throw ValidationError("give the recordings to validate on, or --postgres URL for a study's nights.")
        }
        guard tolerance >= 0 && tolerance <= 600 else {
            throw ValidationError("--tolerance must be between 0 and 600 seconds.")
        }
        guard labels.isEmpty || labels.count == recordings.count else {
            throw ValidationError("give one --labels per recording (\(recordings.count)), in the same order, or none "
                                  + "to use labels.csv beside each.")
        }
        guard Validator.kinds.contains(kind) else {
            throw ValidationError("--kind must be one of \(Validator.kinds.joined(separator: ", ")).")
        }
        guard pick == "max-f1" || pick == "sensitivity" else {
            throw ValidationError("--pick must be max-f1 or sensitivity.")
        }
    }

    /// Each recording with its reference: --labels, else labels.csv beside it, else its own EDF+ annotations.
    func inputs() throws -> [ValidationInput] {
        var map = LabelMap()
        if let labelMap {
            try map.add(fileText: try TextFile.read(path: labelMap, what: "the label map"), path: labelMap)
        }
        return try recordings.enumerated().map { i, r in
            if !labels.isEmpty { return ValidationInput(recordingPath: r, labelsPath: labels[i], labelMap: map) }
            let beside = (r as NSString).deletingLastPathComponent.appending("/labels.csv")
                .replacingOccurrences(of: "^/labels.csv", with: "labels.csv", options: .regularExpression)
            if FileManager.default.fileExists(atPath: beside) {
                return ValidationInput(recordingPath: r, labelsPath: beside, labelMap: map)
            }
            // The default is a guess: when neither is there, say how to give one.
            guard (try? EDFReader(path: r))?.header.isPlus == true else {
                throw ReplayError("\(r): no labels.csv beside it (looked for \(beside)) and no EDF+ annotations in it; "
                                  + "give the reference scoring with --labels FILE")
            }
            return ValidationInput(recordingPath: r, labelsPath: nil, labelMap: map)
        }
    }

    func run() throws {
        if let postgres {
            let target = try studyTarget(url: postgres, passwordFile: passwordFile)
            let tolerance = tolerance
            let report = try runStudy {
                Validator.evaluate(StudyCohort.scoredNights(try await StudyCohort.load(target, scoredOnly: true)),
                                   toleranceSeconds: tolerance)
            }
            if json { try printJSON(report) } else { printReport(report, configuration: nil) }
            return
        }
        do {
            let inputs = try inputs()
            let base = try detector.resolve(journalPath: journal.resolvedPath)
            if sweeps.isEmpty {
                let prepared = try Validator.prepare(inputs, configuration: base)
                let report = Validator.evaluate(prepared, configuration: base, toleranceSeconds: tolerance)
                if let save { try saveConfiguration(base, as: save) }
                if json { try printJSON(report) } else { printReport(report, configuration: base) }
                return
            }
            let axes = try sweeps.map(Sweep.axis)
            let grid = try Sweep.grid(axes, base: base)
            let tty = !json && stderrIsTerminal
            let started = Date()
            let report: (@Sendable (Int, Int) -> Void) = { done, total in
                FileHandle.standardError.write(Data("\rsweeping: \(done)/\(total) configurations".utf8))
            }
            let reports = try Sweep.run(inputs, grid: grid, toleranceSeconds: tolerance, progress: tty ? report : nil)
            if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            let names = axes.map(\.name)
            var rows: [SweepRow] = []
            for (g, r) in zip(grid, reports) {
                rows.append(SweepRow(values: Dictionary(uniqueKeysWithValues: zip(names, g.values)),
                                     metrics: r.metrics(kind)!, configuration: g.configuration))
            }
            guard let best = recommend(rows) else {
                complain("no configuration has at most \(maxFalseAlarms) false alarms per night; raise "
                         + "--max-false-alarms or widen the sweep.")
                throw Exit.failure
            }
            try writeSweep(rows, axes: axes.map(\.name), best: best)
            if let save { try saveConfiguration(rows[best].configuration, as: save) }
            let result = SweepResult(kind: kind, tolerance_s: tolerance, configurations: rows.count, seconds: Date()
                                         .timeIntervalSince(started),
                                     recommended: rows[best].values, recommended_metrics: rows[best].metrics,
                                     rule: pick == "max-f1" ? "max-f1" : "sensitivity with at most \(maxFalseAlarms) "
                                                                         + "false alarms per night",
                                     saved_as: save,
                                     files: ["\(out)/sweep.csv", "\(out)/sweep.json", "\(out)/sweep.svg"])
            if json { try printJSON(result) } else {
                let m = rows[best].metrics
                print("Swept \(rows.count) configurations over \(recordings.count) "
                      + "recording\(recordings.count == 1 ? "" : "s") in \(format1(result.seconds)) s.")
                print("Recommended (\(result.rule)): "
                      + rows[best].values.sorted { $0.key < $1.key }.map { "\($0.key)=\(trimmed($0.value))" }
                          .joined(separator: " "))
                print("  \(kind): sensitivity \(pct(m.sensitivity)), precision \(pct(m.precision)), F1 \(pct(m.f1)), "
                      + "\(format2(m.false_alarms_per_night)) false alarms per night")
                print("Tables and plot: "
                      + "\(result.files.joined(separator: ", "))" + (save.map { "\nSaved as \"\($0)\"; use it with "
                                                                                + "`crampwatch replay FILE --config "
                                                                                + "\($0)`." } ?? ""))
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            // A scoring file's problems come one a line (file, place, what, what to do): keep them apart.
            for line in words(for: error).split(whereSeparator: \.isNewline) { complain(String(line)) }
            throw Exit.failure
        }
    }

    struct SweepRow {
        var values: [String: Double]
        var metrics: KindMetrics
        var configuration: DetectorConfiguration
    }

    struct SweepResult: Encodable {
        var kind: String
        var tolerance_s: Double
        var configurations: Int
        var seconds: Double
        var recommended: [String: Double]
        var recommended_metrics: KindMetrics
        var rule: String
        var saved_as: String?
        var files: [String]
    }

    func recommend(_ rows: [SweepRow]) -> Int? {
        let indices = rows.indices
        if pick == "max-f1" {
            return indices.max { a, b in
                let fa = rows[a].metrics.f1 ?? -1, fb = rows[b].metrics.f1 ?? -1
                return fa != fb
                    ? fa < fb : rows[a].metrics.false_alarms_per_night > rows[b].metrics.false_alarms_per_night
            }
        }
        return indices.filter { rows[$0].metrics.false_alarms_per_night <= maxFalseAlarms }.max { a, b in
            let sa = rows[a].metrics.sensitivity ?? -1, sb = rows[b].metrics.sensitivity ?? -1
            return sa != sb ? sa < sb : (rows[a].metrics.precision ?? -1) < (rows[b].metrics.precision ?? -1)
        }
    }

    func saveConfiguration(_ c: DetectorConfiguration, as name: String) throws {
        let j = try Journal(path: journal.resolvedPath)
        try j.saveConfiguration(name: name, json: ConfigurationIdentity.canonicalJSON(c),
                                hash: ConfigurationIdentity.hash(c), replace: replace)
    }

    func writeSweep(_ rows: [SweepRow], axes: [String], best: Int) throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var csv = (axes + ["reference", "detected", "true_positives", "false_positives", "sensitivity", "precision",
                           "f1", "false_alarms_per_night", "onset_latency_median_s", "recommended"])
                               .joined(separator: ",") + "\n"
        for (i, r) in rows.enumerated() {
            let m = r.metrics
            csv += (axes.map { trimmed(r.values[$0]!) } + ["\(m.reference)", "\(m.detected)", "\(m.true_positives)",
                                                           "\(m.false_positives)",
                     m.sensitivity.map { "\($0)" } ?? "", m.precision.map { "\($0)" } ?? "", m.f1.map { "\($0)" } ?? "",
                     "\(m.false_alarms_per_night)",
                     m.onset_latency_median_s.map { "\($0)" } ?? "", i == best ? "yes" : ""])
                         .joined(separator: ",") + "\n"
        }
        try PrivateFile.write(path: "\(out)/sweep.csv", Data(csv.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        struct Row: Encodable { var settings: [String: Double]; var metrics: KindMetrics; var recommended: Bool }
        try PrivateFile.write(path: "\(out)/sweep.json",
                              try encoder.encode(rows.enumerated().map { Row(settings: $1.values, metrics: $1.metrics,
                                                                             recommended: $0 == best) }))
        try PrivateFile.write(path: "\(out)/sweep.svg", Data(svg(rows, best: best).utf8))
    }

    /// False alarms per night against sensitivity, one point per configuration; the recommended one ringed.
    func svg(_ rows: [SweepRow], best: Int) -> String {
        let w = 640.0, h = 420.0, left = 70.0, bottom = 360.0, top = 40.0, right = 610.0
        let maxFA = max(0.5, rows.map(\.metrics.false_alarms_per_night).max() ?? 1)
        func x(_ fa: Double) -> Double { left + (right - left) * fa / maxFA }
        func y(_ s: Double) -> Double { bottom - (bottom - top) * s }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 "
                  + "\(Int(w)) \(Int(h))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(left)\" y=\"22\" font-size=\"15\">\(kind): sensitivity against false alarms per night "
               + "(\(rows.count) configurations)</text>\n"
        out += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"black\"/><line "
               + "x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
        for k in 0...4 {
            let s = Double(k) / 4, fa = maxFA * Double(k) / 4
            out += "<text x=\"\(left - 8)\" y=\"\(y(s) + 4)\" text-anchor=\"end\">\(Int(s * 100)) %</text>\n"
            out += "<text x=\"\(x(fa))\" y=\"\(bottom + 18)\" text-anchor=\"middle\">\(format2(fa))</text>\n"
        }
        out += "<text x=\"\((left + right) / 2)\" y=\"\(bottom + 40)\" text-anchor=\"middle\">false alarms per "
               + "night</text>\n"
        out += "<text x=\"18\" y=\"\((top + bottom) / 2)\" transform=\"rotate(-90 18 \((top + bottom) / 2))\" "
               + "text-anchor=\"middle\">sensitivity</text>\n"
        for r in rows {
            out += "<circle cx=\"\(x(r.metrics.false_alarms_per_night))\" cy=\"\(y(r.metrics.sensitivity ?? 0))\" "
                   + "r=\"3.5\" fill=\"#3a6ea5\" fill-opacity=\"0.6\"/>\n"
        }
        let b = rows[best].metrics
        out += "<circle cx=\"\(x(b.false_alarms_per_night))\" cy=\"\(y(b.sensitivity ?? 0))\" r=\"9\" fill=\"none\" "
               + "stroke=\"#c0392b\" stroke-width=\"2.5\"/>\n"
        out += "<text x=\"\(x(b.false_alarms_per_night) + 12)\" y=\"\(y(b.sensitivity ?? 0) - 10)\" "
               + "fill=\"#c0392b\">recommended</text>\n</svg>\n"
        return out
    }

    /// `configuration` nil: a study's stored nights, each detected with its hub's own configuration.
    func printReport(_ r: ValidationReport, configuration: DetectorConfiguration?) {
        if let configuration {
            let hash = ConfigurationIdentity.hash(configuration).prefix(12)
            print("Validation on \(r.nights) recording\(r.nights == 1 ? "" : "s"), "
                  + "tolerance \(trimmed(r.tolerance_s)) s, configuration \(hash)")
        } else {
            print("Validation on \(r.nights) scored night\(r.nights == 1 ? "" : "s") of the study, tolerance "
                  + "\(trimmed(r.tolerance_s)) s, the events each hub stored")
        }
        print([pad("event", 19), pad("labelled", 8, right: true), pad("found", 6, right: true),
               pad("false", 6, right: true), pad("sensitivity", 11, right: true),
               pad("precision", 9, right: true), pad("F1", 6, right: true), pad("FA/night", 8, right: true),
               pad("onset med/p90", 14, right: true)].joined(separator: "  "))
        for m in r.pooled {
            print([pad(m.kind, 19), pad("\(m.reference)", 8, right: true), pad("\(m.true_positives)", 6, right: true),
                   pad("\(m.false_positives)", 6, right: true),
                   pad(pct(m.sensitivity), 11, right: true), pad(pct(m.precision), 9, right: true),
                   pad(pct(m.f1), 6, right: true),
                   pad(format2(m.false_alarms_per_night), 8, right: true),
                   pad("\(m.onset_latency_median_s.map(format2) ?? "–")/\(m.onset_latency_p90_s.map(format2) ?? "–") s",
                       14, right: true)].joined(separator: "  "))
        }
        for m in r.recordings { printReference(m) }
        let w = r.pooled_wake_epochs
        let withoutEMG = r.recordings.filter { !$0.emg_measured }.count
        if withoutEMG > 0 {
            print("\(withoutEMG) recording\(withoutEMG == 1 ? "" : "s") without EMG (no EMG: cramps and leg movements "
                  + "were not measured): "
                  + "only sleep interruptions are scored there; its other labels count neither as found nor as missed.")
        }
        let withoutAccel = r.recordings.filter { !$0.accel_measured }.count
        if withoutAccel > 0 {
            print("\(withoutAccel) recording\(withoutAccel == 1 ? "" : "s") without an accelerometer: sleep "
                  + "interruptions were not measured (wake is read from the leg's movement, and leg EMG alone does not "
                  + "show quiet wake); their interruption labels count neither as found nor as missed.")
        }
        print("Sleep interruptions in 30-s epochs: sensitivity \(pct(w.sensitivity)), specificity "
              + "\(pct(w.specificity)), Cohen's kappa \(w.kappa.map(format2) ?? "–") (\(w.epochs) epochs)")
    }
}

extension Validate {
    /// Where one recording's reference came from, what it held, and what was not scored.
    func printReference(_ m: RecordingMetrics) {
        for note in m.channel_notes ?? [] { print("\(m.recording): \(note)") }
        guard let ref = m.reference, ref.format != "labels.csv" || !ref.unmapped.isEmpty else { return }
        let counts = ref.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        print("Reference for \(m.recording): \(ref.format) \(ref.file == m.recording ? "in the recording" : ref.file)"
              + (counts.isEmpty ? ", no entry with a known meaning" : ": \(counts)"))
        for note in ref.notes { print("  \(note)") }
        if !ref.unmapped.isEmpty {
            let sorted = ref.unmapped.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            print("  not scored, no meaning known (--label-map FILE gives one): "
                  + sorted.map { "\"\($0.key)\" ×\($0.value)" }.joined(separator: ", "))
        }
    }
}

func pct(_ x: Double?) -> String { x.map(Words.percent) ?? "–" }
func format2(_ x: Double) -> String { String(format: "%.2f", x) }
func trimmed(_ x: Double) -> String { x == x.rounded() ? Words.whole(x) : "\(x)" }
