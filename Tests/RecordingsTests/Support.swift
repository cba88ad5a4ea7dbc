import Foundation
import Recordings
import Testing

enum Paths {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let checker = repo.appendingPathComponent("Tests/RecordingsTests/edf_check.py").path
    /// The shared EDF samples (../shared/data/edf_format_samples from the worktree's parent).
    static let edfSamples: URL = {
        if let env = ProcessInfo.processInfo.environment["CRAMPWATCH_EDF_SAMPLES"] { return URL(fileURLWithPath: env) }
        return repo.deletingLastPathComponent().appendingPathComponent("shared/data/edf_format_samples")
    }()

    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("crampwatch-rec-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

struct CheckerFailure: Error, CustomStringConvertible { let description: String }

/// Runs a program and returns its exit status, stdout and stderr.
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Runs Tests/RecordingsTests/edf_check.py; a missing Python package fails the test with the checker's message.
func checker(_ command: String, _ file: String, _ dump: URL) throws -> [String: Any] {
    let r = try run("/usr/bin/env", ["python3", Paths.checker, command, file, dump.path])
    guard r.status == 0 else {
        throw CheckerFailure(description: "edf_check.py \(command) \(file) exited \(r.status): \(r.err)")
    }
    guard let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] else {
        throw CheckerFailure(description: "edf_check.py printed no JSON: \(r.out) \(r.err)")
    }
    return json
}

/// Writes what our reader reads (physical values of every data signal, and every annotation) for the checker.
func dumpWithOurReader(_ path: String, to dir: URL) throws -> (signals: Int, samples: Int, annotations: [EDFAnnotation]) {
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
    var manifest: [[String: Any]] = []
    for (j, s) in data.enumerated() {
        let sig = h.signals[s]
        let file = "sig\(j).f64"
        let bytes = values[j].withUnsafeBytes { Data($0) }
        try bytes.write(to: dir.appendingPathComponent(file))
        manifest.append(["label": sig.label, "file": file, "pmin": sig.physicalMinimum, "pmax": sig.physicalMaximum,
                         "dmin": sig.digitalMinimum, "dmax": sig.digitalMaximum, "dimension": sig.physicalDimension])
    }
    let anns: [[String: Any]] = annotations.map { a in
        var d: [String: Any] = ["onset": a.onsetSeconds, "text": a.text]
        if let dur = a.durationSeconds { d["duration"] = dur }
        return d
    }
    let json = try JSONSerialization.data(withJSONObject: ["signals": manifest, "annotations": anns])
    try json.write(to: dir.appendingPathComponent("manifest.json"))
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
