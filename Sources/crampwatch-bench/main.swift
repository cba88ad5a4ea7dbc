// crampwatch-bench: the hot paths measured, side by side with the NumPy/SciPy reference in the same run.
// Usage: crampwatch-bench [--data DIR] [--hours H] [--reference Benchmarks/reference.py] [--json]
// (`make bench` builds in release mode and runs it.)
import CAllocCounter
import DeviceProtocol
import Foundation
import Journal
import NightSimulator
import CrampwatchJSON
import Exports
import Ingest
import NightAnalysis
import Sessions
import SignalCore
import Studies

struct Options {
    var data = ".build-bench-data"
    var hours = 8.0
    var reference = "Benchmarks/reference.py"
    var json = false
    var binary = ""
    var accuracyNights = 0
}

var options = Options()
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--data": options.data = args.popFirst()!
    case "--hours": options.hours = Double(args.popFirst()!)!
    case "--reference": options.reference = args.popFirst()!
    case "--json": options.json = true
    case "--crampwatch": options.binary = args.popFirst()!
    case "--accuracy": options.accuracyNights = Int(args.popFirst()!)!
    default:
        FileHandle.standardError.write(Data(("usage: crampwatch-bench [--data DIR] [--hours H] [--reference FILE] "
                                             + "[--crampwatch BINARY] [--json]\n").utf8))
        exit(64)
    }
}
if options.binary.isEmpty {
    options.binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("crampwatch").path
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
        + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}
func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

/// A simulated night, made once and kept in the data folder.
@MainActor func night(hours: Double, seed: UInt64) throws -> String {
    let dir = "\(options.data)/night-\(seed)-\(hours)h"
    let path = dir + "/night.cwcap"
    if FileManager.default.fileExists(atPath: path) { return path }
    note("simulating a \(hours)-hour night into \(dir) (once)…")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var o = SimulationOptions()
    o.seed = seed
    o.hours = hours
    FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    _ = try NightSimulator(options: o).run { handle.write(Data($0)) }
    try handle.close()
    return path
}

/// Decoded samples of a capture, in memory (for the stage measurements).
struct Decoded {
    var info: DeviceInfo
    var emg: [Float] = []
    var accel: [Float] = []
    var blocks: [(emg: Int, accel: Int)] = []  // values per block, to replay block by block
}

func decode(_ path: String) throws -> Decoded {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let decoder = FrameDecoder()
    var result: Decoded?
    bytes.withUnsafeBytes { raw in
        decoder.feed(raw) { event in
            guard case .frame(let v) = event else { return }
            if v.type == .deviceInfo, case .deviceInfo(let d) = v.message(), result == nil { result = Decoded(info: d) }
            if v.type == .sampleBlock, result != nil {
                let b = v.sampleBlock
                let e = b.emgCount * b.emgChannels, a = b.accelCount * b.accelAxes
                let e0 = result!.emg.count, a0 = result!.accel.count
                result!.emg += [Float](repeating: 0, count: e)
                result!.accel += [Float](repeating: 0, count: a)
                let uv = result!.info.emgMicrovoltsPerLSB, g = result!.info.accelGPerLSB
                result!.emg.withUnsafeMutableBufferPointer { b.convertEMG(into: $0.baseAddress! + e0, scale: uv) }
                result!.accel.withUnsafeMutableBufferPointer { b.convertAccel(into: $0.baseAddress! + a0, scale: g) }
                result!.blocks.append((e, a))
            }
        }
    }
    return result!
}

/// Runs the detector over decoded samples, block by block as they arrived.
func detect(_ d: Decoded, countAllocationsAfterBlocks warmup: Int? = nil,
            logTicks: Bool = false) throws -> (seconds: Double, allocations: UInt64, blocksCounted: Int,
                                               log: TickLog?) {
    let detector = try NightDetector(configuration: DetectorConfiguration(), sampleRateHz: d.info.emgRateHz,
                                     emgChannels: d.info.emgChannels,
                                     accelRateHz: d.info.accelRateHz, accelAxes: d.info.accelAxes)
    if logTicks { detector.startTickLog() }
    var events = EventBuffer(capacity: 4096)
    var e0 = 0, a0 = 0
    let t0 = now()
    cw_alloc_reset()
    d.emg.withUnsafeBufferPointer { emg in
        d.accel.withUnsafeBufferPointer { accel in
            for (i, b) in d.blocks.enumerated() {
                if i == warmup { cw_alloc_counting(1) }
                detector.process(emg: UnsafeBufferPointer(rebasing: emg[e0..<(e0 + b.emg)]),
                                 accel: UnsafeBufferPointer(rebasing: accel[a0..<(a0 + b.accel)]), into: &events)
                // Draining events is part of the loop: their storage is reserved up front.
                events.removeAll()
                e0 += b.emg
                a0 += b.accel
            }
        }
    }
    cw_alloc_counting(0)
    detector.finish(into: &events)
    return (now() - t0, cw_alloc_count(), warmup.map { d.blocks.count - $0 } ?? 0, detector.tickLog)
}

/// Runs `crampwatch` with these arguments in a child process (stdout to /dev/null), spawned and reaped here:
/// its exit status and its resource usage.
@MainActor func runCrampwatch(_ arguments: [String]) throws -> (status: Int32, usage: rusage) {
    var cargs = ([options.binary] + arguments).map { strdup($0) } + [nil]
    defer { for a in cargs { free(a) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, options.binary, &actions, nil, &cargs, environ)
    posix_spawn_file_actions_destroy(&actions)
    guard rc == 0 else {
        throw NSError(domain: "bench", code: Int(rc),
                      userInfo: [NSLocalizedDescriptionKey: "cannot start \(options.binary)"])
    }
    var status: Int32 = 0
    var usage = rusage()
    _ = wait4(pid, &status, 0, &usage)
    return (status, usage)
}

/// Peak resident memory of `crampwatch replay` on a file, from the child's rusage.
@MainActor func peakMemoryKB(_ path: String) throws -> Int {
    try runCrampwatch(["replay", path, "--no-journal", "--json"]).usage.ru_maxrss
}

// Accuracy mode: N unseen simulated nights of --hours each, metrics per event kind.
if options.accuracyNights > 0 {
    let seeds = (0..<options.accuracyNights).map { UInt64(1000 + $0) }
    note("simulating and replaying \(seeds.count) nights of \(options.hours) h (seeds 1000…), on every core…")
    let t0 = now()
    let study = try AccuracyStudy.run(seeds: seeds, hours: options.hours)
    print("Accuracy on \(seeds.count) simulated \(options.hours)-hour nights (seeds \(seeds.first!)–\(seeds.last!), "
          + "never used for tuning; \(String(format: "%.0f", now() - t0)) s):\n")
    print("| event | labelled | detected | sensitivity | precision | F1 | false per night | median onset error |")
    print("|---|---|---|---|---|---|---|---|")
    for k in study {
        print("| \(k.kind.rawValue) | \(k.match.referenceCount) | \(k.match.detectionCount) | "
              + "\(String(format: "%.3f", k.match.sensitivity)) | \(String(format: "%.3f", k.match.precision)) | "
              + "\(String(format: "%.3f", k.match.f1)) | \(String(format: "%.2f", k.falsePerNight)) | "
              + "\(String(format: "%.2f s", k.medianAbsoluteOnsetError)) |")
    }
    exit(0)
}

var results: [String: Double] = [:]
var rows: [(String, String, String)] = []
@MainActor func row(_ what: String, _ ours: String, _ reference: String = "") { rows.append((what, ours, reference)) }

do {
    let full = try night(hours: options.hours, seed: 100)
    let hour = try night(hours: 1, seed: 101)

    // Peak memory first, while this process is still small: Linux folds the parent's high-water mark
    // into a vforked child's ru_maxrss, so measuring later would report our own size.
    let rss1 = try peakMemoryKB(hour), rss8 = try peakMemoryKB(full)
    results["peak_rss_mb_1h"] = Double(rss1) / 1024
    results["peak_rss_mb_night"] = Double(rss8) / 1024
    row("peak memory, 1-hour night", String(format: "%.1f MB", Double(rss1) / 1024))
    row("peak memory, \(Int(options.hours))-hour night", String(format: "%.1f MB", Double(rss8) / 1024))

    // 1. Whole-night replay from the raw capture, exactly as `crampwatch replay` does it.
    func replayBestOf3(_ path: String) throws -> (seconds: Double, night: NightResult) {
        var best = Double.infinity
        var result: NightResult?
        for _ in 0..<3 {
            let t0 = now()
            result = try Replayer().replay(path: path)
            best = min(best, now() - t0)
        }
        return (best, result!)
    }
    let (best, night) = try replayBestOf3(full)
    let nightSeconds = night.durationSeconds
    let info = night.deviceInfo
    let emgSamples = nightSeconds * Double(info.emgRateHz) * Double(info.emgChannels)
    let accelSamples = nightSeconds * Double(info.accelRateHz) * Double(info.accelAxes)
    results["replay_raw_s"] = best
    results["replay_raw_x_realtime"] = nightSeconds / best
    results["replay_raw_msamples_per_s"] = (emgSamples + accelSamples) / best / 1e6
    row("replay \(Int(options.hours)) h night from raw capture (wall, best of 3)", String(format: "%.2f s", best))
    row("  × real time", String(format: "%.0f×", nightSeconds / best))
    row("  million samples/s (EMG + accel)", String(format: "%.1f", (emgSamples + accelSamples) / best / 1e6))

    // 1b. The same night from EDF+ (16-bit, 1-s records, events as annotations), written once by `crampwatch replay`.
    let edf = (full as NSString).deletingLastPathComponent + "/night.edf"
    if !FileManager.default.fileExists(atPath: edf) {
        note("writing the night as EDF+ (once)…")
        guard try runCrampwatch(["replay", full, "--no-journal", "--write-edf", edf]).status == 0 else {
            throw NSError(domain: "bench", code: 1,
                          userInfo: [NSLocalizedDescriptionKey: "crampwatch replay --write-edf failed"])
        }
    }
    let (bestEDF, edfNight) = try replayBestOf3(edf)
    let sameKinds = { (r: NightResult) in Dictionary(grouping: r.events, by: { "\($0.kind)" }).mapValues(\.count) }
    results["replay_edf_s"] = bestEDF
    results["replay_edf_x_realtime"] = nightSeconds / bestEDF
    row("replay \(Int(options.hours)) h night from EDF+ (wall, best of 3)", String(format: "%.2f s", bestEDF))
    row("  × real time", String(format: "%.0f×", nightSeconds / bestEDF))
    row("  events found, EDF+ vs raw capture", "\(edfNight.events.count) vs \(night.events.count)"
        + (sameKinds(edfNight) == sameKinds(night) ? " (same kinds and counts)" : " (they differ)"))

    // 2. Stages, per EMG sample (one channel's sample).
    let captureBytes = try Data(contentsOf: URL(fileURLWithPath: full))
    let decoder = FrameDecoder()
    var frames = 0
    let t0 = now()
    captureBytes.withUnsafeBytes { decoder.feed($0) { if case .frame = $0 { frames += 1 } } }
    let decodeSeconds = now() - t0
    results["ns_per_sample_decode"] = decodeSeconds / emgSamples * 1e9
    row("frame decoding (COBS, CRC-32C, checks)", String(format: "%.2f ns/sample", decodeSeconds / emgSamples * 1e9))

    note("decoding the night into memory for the stage measurements…")
    let decoded = try decode(full)
    let run = try detect(decoded, logTicks: true)
    let ticks = try detect(decoded)  // the same again without the log, for the timing
    let coreSeconds = min(run.seconds, ticks.seconds)
    let t1 = now()
    let events = run.log!.detect(with: DetectorConfiguration())
    let machinesSeconds = now() - t1
    results["ns_per_sample_signal_core"] = coreSeconds / emgSamples * 1e9
    results["ns_per_sample_filters_envelope"] = (coreSeconds - machinesSeconds) / emgSamples * 1e9
    results["ns_per_sample_baseline_detectors"] = machinesSeconds / emgSamples * 1e9
    row("filters + tick energy + RMS envelope (per sample)",
        String(format: "%.2f ns/sample", (coreSeconds - machinesSeconds) / emgSamples * 1e9))
    row("baselines + detectors (per 10-ms tick, per sample)",
        String(format: "%.2f ns/sample", machinesSeconds / emgSamples * 1e9))
    row("signal core in all", String(format: "%.2f ns/sample", coreSeconds / emgSamples * 1e9))

    let journalPath = NSTemporaryDirectory() + "cw-bench-\(getpid()).sqlite"
    let journal = try Journal(path: journalPath)
    let t2 = now()
    try NightStore.save(night, to: journal)
    let journalSeconds = now() - t2
    try? FileManager.default.removeItem(atPath: journalPath)
    results["journal_write_ms"] = journalSeconds * 1000
    results["ns_per_sample_journal"] = journalSeconds / emgSamples * 1e9
    row("journal write of the night (\(night.events.count) events)",
        String(format: "%.1f ms (%.3f ns/sample)", journalSeconds * 1000, journalSeconds / emgSamples * 1e9))

    // 3. Allocations in the sample loop, steady state (after the first minute).
    let oneHour = try decode(hour)
    let warmup = oneHour.blocks.count / 60
    let counted = try detect(oneHour, countAllocationsAfterBlocks: warmup)
    results["allocations_per_block_signal_core"] = Double(counted.allocations) / Double(counted.blocksCounted)
    row("allocations per sample block, signal core (\(counted.blocksCounted) blocks)", "\(counted.allocations) in all")
    // The whole replay path: decoder + scaling + detector, per frame.
    let hourBytes = try Data(contentsOf: URL(fileURLWithPath: hour))
    let capture = CaptureRun(path: hour, configuration: DetectorConfiguration())
    let split = hourBytes.count / 60
    try hourBytes.withUnsafeBytes { raw in
        try capture.feed(UnsafeRawBufferPointer(rebasing: raw[0..<split]))
        cw_alloc_reset()
        cw_alloc_counting(1)
        try capture.feed(UnsafeRawBufferPointer(rebasing: raw[split..<raw.count]))
        cw_alloc_counting(0)
    }
    let replayAllocations = cw_alloc_count()
    let hourResult = try capture.finish(sizeBytes: UInt64(hourBytes.count))
    results["allocations_replay_path_steady"] = Double(replayAllocations)
    row("allocations in the whole replay path after minute 1 (\(hourResult.stats.frames) frames)",
        "\(replayAllocations) in all (events and gaps are stored as they occur)")

    // 5. CPU of live monitoring: the monitor's path fed 512-byte USB packets, per hour of device data.
    let live = CaptureRun(path: hour, configuration: DetectorConfiguration())
    let c0 = cpuSeconds()
    try hourBytes.withUnsafeBytes { raw in
        var i = 0
        while i < raw.count {
            let n = min(512, raw.count - i)
            try live.feed(UnsafeRawBufferPointer(rebasing: raw[i..<(i + n)]))
            i += n
        }
    }
    _ = try live.finish(sizeBytes: UInt64(hourBytes.count))
    let cpuPerHour = cpuSeconds() - c0
    results["live_cpu_s_per_hour"] = cpuPerHour
    row("CPU for live monitoring, per hour of device data (512-byte packets)",
        String(format: "%.2f s (%.3f %% of a core)", cpuPerHour, cpuPerHour / 36))

    // 6. The SciPy reference on the same night's EMG.
    let dump = "\(options.data)/emg-\(Int(options.hours))h.f32"
    if !FileManager.default.fileExists(atPath: dump) {
        try decoded.emg.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: dump)) }
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", options.reference, "--emg", dump, "--fs", "\(info.emgRateHz)", "--channels",
                   "\(info.emgChannels)", "--mains", "\(info.mainsHz)"]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    if p.terminationStatus == 0, let ref = try JSONSerialization.jsonObject(with: out) as? [String: Double] {
        let refDSP = ref["dsp_s"]!, refTotal = ref["total_s"]!
        results["reference_dsp_s"] = refDSP
        results["reference_total_s"] = refTotal
        results["speedup_dsp"] = refDSP / coreSeconds
        results["speedup_end_to_end"] = refTotal / best
        row("signal core on the decoded night vs SciPy sosfilt + RMS + hysteresis",
            String(format: "%.2f s", coreSeconds),
            String(format: "%.2f s (ours %.1f× faster)", refDSP, refDSP / coreSeconds))
        row("end to end: our replay from raw capture vs SciPy from a float32 file", String(format: "%.2f s", best),
            String(format: "%.2f s (ours %.1f× faster)", refTotal, refTotal / best))
        results["speedup_end_to_end_edf"] = refTotal / bestEDF
        row("end to end from a sample file: our replay from EDF+ vs SciPy from a float32 file",
            String(format: "%.2f s", bestEDF),
            String(format: "%.2f s (ours %.1f× faster)", refTotal, refTotal / bestEDF))
        row("  reference detections (cramp-length episodes / leg-movement-length)",
            "\(events.filter { $0.kind == .cramp }.count) / \(events.filter { $0.kind == .legMovement }.count)",
            String(format: "%.0f / %.0f", ref["long_episodes"] ?? -1, ref["short_episodes"] ?? -1))
    } else {
        row("SciPy reference", "", "failed (exit \(p.terminationStatus)); is scipy installed?")
    }
} catch {
    note("crampwatch-bench: \(error)")
    exit(1)
}

if options.json {
    let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys, .prettyPrinted])
    FileHandle.standardOutput.write(data)
    print("")
} else {
    var uts = utsname()
    uname(&uts)
    let machine = withUnsafePointer(to: &uts.machine) { $0.withMemoryRebound(to: CChar.self,
                                                                             capacity: 65) { String(cString: $0) } }
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
        .first { $0.hasPrefix("model "
                              + "name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? machine
    print("Machine: \(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores; one core used.\n")
    print("| measurement | Crampwatch | NumPy/SciPy reference |")
    print("|---|---|---|")
    for r in rows { print("| \(r.0) | \(r.1) | \(r.2) |") }
}
