import Foundation
import TestSupport
import Testing

/// The `replay --json` contract as docs/formats.md documents it ("`replay --json`: a contract"): every documented key,
/// in every nested object, with its type. Fields may be added, never renamed or removed, so the check is that
/// each documented key is there, not that nothing else is.
enum ReplayJSONContract {
    static let top: Set = ["night_id", "journal", "recording", "device", "detector", "summary", "events", "started_at",
                           "start_source"]
    static let startSources: Set = ["device", "monitor", "user", "recording_header", "file_time", "unknown"]
    static let recording: Set = ["path", "format", "bytes", "truncated_at_byte"]
    static let device: Set = [
        "serial", "firmware", "emg_channels", "emg_rate_hz", "accel_axes", "accel_rate_hz", "mains_hz",
    ]
    static let detector: Set = ["hash", "configuration"]
    /// Numbers (null for the EMG figures of a night without EMG), and `emg_measured`.
    static let summary: Set = [
        "duration_s", "cramps", "cramp_s", "longest_cramp_s", "cramps_that_woke", "leg_movements",
        "periodic_leg_movements", "plm_index_per_h", "sleep_interruptions", "wake_s", "artifacts", "artifact_s", "gaps",
        "gap_s", "frames_lost", "corrupt_frames",
    ]
    /// Every event has these; the kinds below add their own.
    static let event: Set = ["kind", "onset_s", "offset_s", "duration_s"]
    static let eventByKind: [String: Set<String>] = [
        "cramp": ["channel", "peak_uv", "mean_uv", "accel_activity_g", "confidence", "woke"],
        "artifact": ["cause"],
        "gap": ["frames_lost"],
        "leg_movement": [],
        "sleep_interruption": [],
    ]
    static let causes: Set = ["clipping", "flat_line", "mains"]

    /// The keys of `expected` missing from `object`, named with `path`.
    static func missing(_ expected: Set<String>, in object: [String: Any], at path: String) -> [String] {
        expected.subtracting(object.keys).sorted().map { path.isEmpty ? $0 : "\(path).\($0)" }
    }

    /// Checks one `replay --json` output against the contract; `journaled` says whether it was saved (night_id and
    /// journal are there only then). Returns the parsed object.
    @discardableResult
    static func check(_ r: ProcessResult, journaled: Bool, configurationKeys: Set<String>,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        try #require(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
        let object = try #require(try JSONSerialization.jsonObject(with: r.output) as? [String: Any],
                                  sourceLocation: sourceLocation)
        let top = journaled ? Self.top : Self.top.subtracting(["night_id", "journal"])
        #expect(missing(top, in: object, at: "") == [], sourceLocation: sourceLocation)
        if journaled {
            #expect(object["night_id"] is Int && object["journal"] is String, sourceLocation: sourceLocation)
        }
        // The start: a time with its offset, or null with a note saying what to do.
        #expect(startSources.contains(object["start_source"] as? String ?? ""), sourceLocation: sourceLocation)
        if object["started_at"] is NSNull {
            #expect(object["start_source"] as? String == "unknown"
                    && object["start_note"] as? String == "start time unknown — give --start",
                    sourceLocation: sourceLocation)
        } else {
            let at = object["started_at"] as? String ?? ""
            #expect(ISO8601DateFormatter().date(from: at) != nil && object["start_note"] == nil, "\(at)",
                    sourceLocation: sourceLocation)
        }
        try checkRecording(object, sourceLocation: sourceLocation)
        try checkDevice(object, sourceLocation: sourceLocation)
        let detector = try #require(object["detector"] as? [String: Any], sourceLocation: sourceLocation)
        #expect(missing(Self.detector, in: detector, at: "detector") == [], sourceLocation: sourceLocation)
        let hash = detector["hash"] as? String ?? ""
        #expect(hash.count == 64 && hash.allSatisfy { $0.isHexDigit && !$0.isUppercase }, "\(hash)",
                sourceLocation: sourceLocation)
        // "…every threshold…": the same settings `config show --json` lists.
        let configuration = try #require(detector["configuration"] as? [String: Any], sourceLocation: sourceLocation)
        #expect(Set(configuration.keys) == configurationKeys, sourceLocation: sourceLocation)
        try checkSummaryAndEvents(object, sourceLocation: sourceLocation)
        return object
    }

    static func checkRecording(_ object: [String: Any], sourceLocation: SourceLocation) throws {
        let recording = try #require(object["recording"] as? [String: Any], sourceLocation: sourceLocation)
        let always = Self.recording.subtracting(["truncated_at_byte"])
        #expect(missing(always, in: recording, at: "recording") == [], sourceLocation: sourceLocation)
        #expect(recording["path"] is String && recording["format"] is String && recording["bytes"] is Int,
                sourceLocation: sourceLocation)
        // docs/formats.md: the key appears only when the recording ends inside a frame.
        if let truncated = recording["truncated_at_byte"] {
            #expect(truncated is Int, sourceLocation: sourceLocation)
        }
    }

    static func checkDevice(_ object: [String: Any], sourceLocation: SourceLocation) throws {
        let device = try #require(object["device"] as? [String: Any], sourceLocation: sourceLocation)
        #expect(missing(Self.device, in: device, at: "device") == [], sourceLocation: sourceLocation)
        #expect(device["serial"] is String && device["firmware"] is String, sourceLocation: sourceLocation)
        for key in Self.device.subtracting(["serial", "firmware"]) {
            #expect(device[key] is Int, "device.\(key)", sourceLocation: sourceLocation)
        }
    }

    /// The summary's documented keys, each event's keys by kind, and the summary's counts agreeing with the events.
    static func checkSummaryAndEvents(_ object: [String: Any], sourceLocation: SourceLocation) throws {
        let summary = try #require(object["summary"] as? [String: Any], sourceLocation: sourceLocation)
        #expect(missing(Self.summary.union(["emg_measured"]), in: summary, at: "summary") == [],
                sourceLocation: sourceLocation)
        #expect(summary["emg_measured"] as? Bool == true, sourceLocation: sourceLocation)
        for key in Self.summary {
            #expect(summary[key] is NSNumber, "summary.\(key)", sourceLocation: sourceLocation)
        }
        let events = try #require(object["events"] as? [[String: Any]], sourceLocation: sourceLocation)
        for (i, e) in events.enumerated() {
            let kind = e["kind"] as? String ?? "?"
            let expected = try #require(Self.eventByKind[kind], "events[\(i)]: unknown kind \(kind)",
                                        sourceLocation: sourceLocation)
            #expect(missing(Self.event.union(expected), in: e, at: "events[\(i)]") == [],
                    sourceLocation: sourceLocation)
            let onset = e["onset_s"] as? Double ?? .nan, offset = e["offset_s"] as? Double ?? .nan
            #expect(onset <= offset, "events[\(i)]", sourceLocation: sourceLocation)
            // Each time is rounded to the millisecond.
            #expect(abs((e["duration_s"] as? Double ?? .nan) - (offset - onset)) < 0.0015, "events[\(i)]",
                    sourceLocation: sourceLocation)
            if kind == "cramp" { #expect(e["woke"] is Bool && e["channel"] is Int, sourceLocation: sourceLocation) }
            if kind == "artifact" {
                #expect(causes.contains(e["cause"] as? String ?? ""), sourceLocation: sourceLocation)
            }
            if kind == "gap" { #expect((e["frames_lost"] as? Int ?? 0) > 0, sourceLocation: sourceLocation) }
        }
        let onsets = events.map { $0["onset_s"] as? Double ?? .nan }
        #expect(onsets == onsets.sorted(), "events are sorted by onset_s", sourceLocation: sourceLocation)
        func of(_ kind: String) -> [[String: Any]] { events.filter { $0["kind"] as? String == kind } }
        func total(_ kind: String, _ key: String) -> Double { of(kind).reduce(0) { $0 + ($1[key] as? Double ?? 0) } }
        let counts = ["cramps": "cramp", "leg_movements": "leg_movement", "sleep_interruptions": "sleep_interruption",
                      "artifacts": "artifact", "gaps": "gap"]
        for (key, kind) in counts {
            #expect(summary[key] as? Int == of(kind).count, "summary.\(key)", sourceLocation: sourceLocation)
        }
        #expect(summary["frames_lost"] as? Int == of("gap").reduce(0) { $0 + ($1["frames_lost"] as? Int ?? 0) },
                sourceLocation: sourceLocation)
        #expect(summary["cramps_that_woke"] as? Int == of("cramp").filter { $0["woke"] as? Bool == true }.count,
                sourceLocation: sourceLocation)
        let cramps = Double(of("cramp").count)
        #expect(abs((summary["cramp_s"] as? Double ?? .nan) - total("cramp", "duration_s")) <= 0.001 * cramps + 1e-9,
                sourceLocation: sourceLocation)
        let longest = of("cramp").map { $0["duration_s"] as? Double ?? 0 }.max() ?? 0
        #expect(abs((summary["longest_cramp_s"] as? Double ?? .nan) - longest) <= 0.001, sourceLocation: sourceLocation)
    }

    /// The settings `crampwatch config show --json` lists.
    static func configurationKeys() async throws -> Set<String> {
        let show = try await CLI.run(["config", "show", "--json"])
        let settings = try #require(
            try JSONSerialization.jsonObject(with: show.output) as? [String: Any], "\(show.stderr)")
        #expect(settings.count >= 30, "\(settings.keys.sorted())")
        return Set(settings.keys)
    }
}
