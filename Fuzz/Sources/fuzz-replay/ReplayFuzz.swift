// libFuzzer target: the whole pipeline, as `crampwatch replay FILE --no-journal` runs it. The bytes are a file;
// `Replayer` tells its format by content (raw capture, EDF/EDF+/BDF/BDF+, CSV), repairs an unclosed EDF/BDF in
// place, reads it through its source into the night runner and the detector, and builds the night's events and
// summary (NightRunner.finish). The same binary serves the replay-csv, replay-edf and replay-capture runs, which
// differ only in their seeds and dictionaries; captures are mutated frame by frame (FrameMutator.swift).
//
// Arbitrary bytes must end in one of two ways:
//  * an error of Crampwatch's own (RecordingError, ReplayError) naming the file, on one line, with its byte
//    offset inside the file; an AnalysisError (a night with a figure no night can have) is a finding;
//  * a finished night whose duration is finite, from 0 to 48 h; whose events are sorted, with onsets and offsets
//    finite and inside [0, duration + 1 s] and every level finite; whose gaps lie inside the recording; whose
//    summary numbers are all finite, counts and seconds not negative, the sleep window inside the recording and
//    the sleep efficiency from 0 to 1; and whose traces hold at most one value per second of it, and its
//    accelerometer epochs one per 5 s (memory follows the night's length, and the epochs its time).
// Memory and time are bounded by libFuzzer (Fuzz/run.sh: -rss_limit_mb, -malloc_limit_mb, -timeout) for inputs
// up to 1 MiB.
import FuzzSupport
import Glibc
import Ingest
import NightAnalysis
import Recordings

/// The longest night a recording may hold (InputBounds.longestSeconds), and the slack an event end may have.
let longest = InputBounds.longestSeconds
let tickSlack = 1.0

/// CRAMPWATCH_FUZZ_VERBOSE=1 says how each input ended (to look at a seed or a finding).
let verbose = getenv("CRAMPWATCH_FUZZ_VERBOSE") != nil

func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func checkError(_ error: Error, path: String, fileSize: Int) {
    let text: String
    switch error {
    case let e as RecordingError:
        require(e.path == path, "error names \(e.path), not the file: \(e)")
        if let o = e.offset { require(o <= UInt64(fileSize), "offset \(o) beyond the \(fileSize)-byte file: \(e)") }
        text = e.description
    case let e as ReplayError:
        text = e.description
    case let e as AnalysisError:
        return require(false, "the analysis gave an impossible figure: \(e)")
    default:
        return require(false, "not an error of Crampwatch's own (\(String(reflecting: type(of: error)))): \(error)")
    }
    require(text.contains(path), "the message does not name the file: \(text)")
    require(!text.contains("\n") && !text.contains("\r"), "the message is not one line: \(text)")
}

func checkEvents(_ r: NightResult) {
    let end = r.durationSeconds + tickSlack
    var lastOnset = -Double.infinity
    for e in r.events {
        let what = "\(e.kind.rawValue) \(e.onsetSeconds)…\(e.offsetSeconds) s of a \(r.durationSeconds)-s night"
        require(e.onsetSeconds.isFinite && e.offsetSeconds.isFinite, "\(what): a time is not finite")
        require(e.onsetSeconds >= 0 && e.offsetSeconds <= end && e.onsetSeconds <= e.offsetSeconds,
                "\(what): outside the recording")
        require(e.onsetSeconds >= lastOnset, "\(what): events not sorted by onset")
        lastOnset = e.onsetSeconds
        for (name, v) in [("peak", e.peakAboveRestMicrovolts), ("mean", e.meanAboveRestMicrovolts),
                          ("activity", e.accelActivityG), ("activity after", e.accelActivityAfterG),
                          ("confidence", e.confidence)] {
            require(v.isFinite, "\(what): \(name) is \(v)")
        }
        require(e.confidence >= 0 && e.confidence <= 1, "\(what): confidence \(e.confidence)")
        require(!e.isProvisional, "\(what): a provisional event among the final ones")
    }
    for g in r.gaps {
        require(g.onsetSeconds.isFinite && g.offsetSeconds.isFinite && g.onsetSeconds >= 0
                    && g.onsetSeconds <= g.offsetSeconds && g.offsetSeconds <= end,
                "gap \(g.onsetSeconds)…\(g.offsetSeconds) s of a \(r.durationSeconds)-s night")
        require(g.framesLost >= 0 && g.emgSamplesLost >= 0, "gap at \(g.onsetSeconds) s loses \(g.framesLost) frames")
    }
}

func checkSummary(_ r: NightResult) {
    let s = r.summary, d = r.durationSeconds, end = d + tickSlack
    for case let (label?, value) in Mirror(reflecting: s).children {
        if let v = value as? Double {
            require(v.isFinite && v >= 0, "summary \(label) = \(v)")
        } else if let n = value as? Int {
            require(n >= 0, "summary \(label) = \(n)")
        }
    }
    require(s.durationSeconds == d, "summary duration \(s.durationSeconds), night \(d)")
    require(s.sleepWindowOnsetSeconds <= s.sleepWindowOffsetSeconds && s.sleepWindowOffsetSeconds <= end,
            "sleep window \(s.sleepWindowOnsetSeconds)…\(s.sleepWindowOffsetSeconds) s of a \(d)-s night")
    require(s.totalSleepSeconds <= end && s.wasoSeconds <= end && s.gapSeconds <= end,
            "total sleep \(s.totalSleepSeconds) s, WASO \(s.wasoSeconds) s, gaps \(s.gapSeconds) s of a \(d)-s night")
    require(s.sleepEfficiency <= 1 + 1e-9, "sleep efficiency \(s.sleepEfficiency)")
    require(s.cramps + s.legMovements + s.sleepInterruptions + s.artifacts <= r.events.count,
            "summary counts more events than the night has")
}

func checkNight(_ r: NightResult, fileSize: Int) {
    let d = r.durationSeconds
    require(d.isFinite && d >= 0 && d <= longest, "night of \(d) s")
    require(r.impossibleFigure == nil, "impossible figure: \(r.impossibleFigure ?? "")")
    require(r.sizeBytes <= UInt64(fileSize), "size \(r.sizeBytes) of a \(fileSize)-byte file")
    checkEvents(r)
    checkSummary(r)
    // One value per second of the night (NaN inside gaps), so memory follows the length, never a value.
    let seconds = Int(d.rounded(.up)) + 1
    require(r.traceEnvelope.count <= seconds && r.traceActivity.count <= seconds,
            "traces of \(r.traceEnvelope.count) and \(r.traceActivity.count) values for a \(d)-s night")
    require(r.zAngleEpochs.count <= seconds / 5 + 1, "\(r.zAngleEpochs.count) z-angle epochs for a \(d)-s night")
    if let t = r.truncatedAt { require(t < UInt64(fileSize), "truncated at \(t) of \(fileSize) bytes") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let path = writeScratch(bytes, name: "night")
    // What `replay --no-journal` builds with no options: the default detector and recording options.
    let replayer = Replayer()
    let result: NightResult
    do { result = try replayer.replay(path: path) } catch {
        if verbose { say("refused: \(error)") }
        checkError(error, path: path, fileSize: bytes.count)
        return 0
    }
    if verbose {
        let s = result.summary
        say("\(result.format.rawValue): \(result.durationSeconds) s, \(result.events.count) events, "
            + "\(result.gaps.count) gaps, \(s.cramps) cramps, \(s.legMovements) leg movements")
    }
    checkNight(result, fileSize: bytes.count)
    return 0
}
