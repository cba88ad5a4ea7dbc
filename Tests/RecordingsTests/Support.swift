import Foundation
import Recordings
import TestSupport
import Testing

enum Paths {
    static let checker = Repository.tests.appendingPathComponent("RecordingsTests/edf_check.py").path
    /// The shared EDF samples (../shared/data/edf_format_samples; `CRAMPWATCH_EDF_SAMPLES` overrides).
    static let edfSamples: URL = {
        if let env = ProcessInfo.processInfo.environment["CRAMPWATCH_EDF_SAMPLES"] { return URL(fileURLWithPath: env) }
        return Repository.sharedData.appendingPathComponent("edf_format_samples")
    }()
}

struct CheckerFailure: Error, CustomStringConvertible { let description: String }

/// Runs Tests/RecordingsTests/edf_check.py; a missing Python package fails the test with the checker's message.
func checker(_ command: String, _ file: String, _ dump: URL) async throws -> [String: Any] {
    let r = try await Python.run([Paths.checker, command, file, dump.path])
    guard r.status == 0 else {
        throw CheckerFailure(description: "edf_check.py \(command) \(file) exited \(r.status): \(r.stderr)")
    }
    guard let json = try JSONSerialization.jsonObject(with: r.output) as? [String: Any] else {
        throw CheckerFailure(description: "edf_check.py printed no JSON: \(r.stdout) \(r.stderr)")
    }
    return json
}

/// An EDF (not BDF) writer of one signal from -`range` to `range` in 1-s records, started 2026-01-02 03:04:05,
/// with the format's whole digital range (0…0 asks the writer for it): the tests that write a recording with a
/// jump in time (EDF+D) need nothing more particular than this.
func oneSignalEDFWriter(path: String, label: String, dimension: String, range: Double,
                        samplesPerRecord: Int) throws -> EDFWriter {
    try EDFWriter(path: path, bdf: false,
                  signals: [EDFSignal(label: label, physicalDimension: dimension, physicalMinimum: -range,
                                      physicalMaximum: range, digitalMinimum: 0, digitalMaximum: 0,
                                      samplesPerRecord: samplesPerRecord)],
                  recordDurationSeconds: 1,
                  start: EDFStartTime(year: 2026, month: 1, day: 2, hour: 3, minute: 4, second: 5))
}

/// Writes the signals (physical values, one .f64 file each) and annotations as the checker's manifest.json.
func writeManifest(_ values: [[Double]], signals: [EDFSignal], annotations: [EDFAnnotation], to dir: URL) throws {
    var manifest: [[String: Any]] = []
    for (j, v) in values.enumerated() {
        let file = "sig\(j).f64"
        try v.withUnsafeBytes { Data($0) }.write(to: dir.appendingPathComponent(file))
        let s = signals[j]
        manifest.append(["label": s.label, "file": file, "pmin": s.physicalMinimum, "pmax": s.physicalMaximum,
                         "dmin": s.digitalMinimum, "dmax": s.digitalMaximum, "dimension": s.physicalDimension])
    }
    let anns: [[String: Any]] = annotations.map { a in
        var d: [String: Any] = ["onset": a.onsetSeconds, "text": a.text]
        if let dur = a.durationSeconds { d["duration"] = dur }
        return d
    }
    let json = try JSONSerialization.data(withJSONObject: ["signals": manifest, "annotations": anns])
    try json.write(to: dir.appendingPathComponent("manifest.json"))
}

/// Writes what our reader reads (physical values of every data signal, and every annotation) for the checker.
func dumpWithOurReader(_ path: String, to dir: URL) throws -> (signals: Int, samples: Int,
                                                               annotations: [EDFAnnotation]) {
    let reader = try EDFReader(path: path)
    let h = reader.header
    let data = h.signals.indices.filter { !h.signals[$0].isAnnotations }
    var values = Array(repeating: [Double](), count: data.count)
    var digital: [Int32] = []
    for r in 0..<reader.recordCount {
        try reader.load(record: r)
        for (j, s) in data.enumerated() {
            digital.removeAll(keepingCapacity: true)
            reader.appendDigital(signal: s, to: &digital)
            let sig = h.signals[s]
            for d in digital { values[j].append(sig.physical(d)) }
        }
    }
    let annotations = try reader.allAnnotations().annotations
    try writeManifest(values, signals: data.map { h.signals[$0] }, annotations: annotations, to: dir)
    return (data.count, values.reduce(0) { $0 + $1.count }, annotations)
}

/// Largest difference in digital steps reported by the checker for one reader, and the sample counts' agreement.
func worstSteps(_ result: [String: Any], _ reader: String) -> (steps: Double, countsAgree: Bool, signals: Int)? {
    guard let r = result[reader] as? [String: Any], let sigs = r["signals"] as? [[String: Any]] else { return nil }
    var worst = 0.0
    var agree = true
    for s in sigs {
        worst = max(worst, (s["max_diff_steps"] as? Double) ?? .infinity)
        if (s["n_swift"] as? Int) != (s["n_\(reader)"] as? Int) { agree = false }
    }
    return (worst, agree, sigs.count)
}
