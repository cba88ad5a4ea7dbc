import DeviceProtocol
import Foundation
import Journal
import SignalCore

/// The stable JSON shape of `replay --json` (documented in the README; keep it stable).
public struct NightJSON: Codable, Sendable {
    public struct Event: Codable, Sendable, Equatable {
        public var kind: String
        public var onset_s: Double
        public var offset_s: Double
        public var duration_s: Double
        public var channel: Int?
        public var peak_uv: Double?
        public var mean_uv: Double?
        public var accel_activity_g: Double?
        public var confidence: Double?
        /// Cramps: whether a sleep interruption began during it or within a minute after.
        public var woke: Bool?
        /// Artifacts: clipping, flat_line, mains.
        public var cause: String?
        /// Gaps: frames lost.
        public var frames_lost: Int?
        /// Cramps and leg movements: median frequency of the EMG during the event (Hz).
        public var median_frequency_hz: Double? = nil
        /// Cramps: largest accelerometer activity in the 10 s after it (g): stretching or getting up.
        public var accel_activity_after_g: Double? = nil
    }
    public struct Device: Codable, Sendable {
        public var serial: String
        public var firmware: String
        public var emg_channels: Int
        public var emg_rate_hz: Int
        public var accel_axes: Int
        public var accel_rate_hz: Int
        public var mains_hz: Int
    }
    public struct Recording: Codable, Sendable {
        public var path: String
        public var format: String
        public var bytes: UInt64
        public var truncated_at_byte: UInt64?
    }
    public struct Detector: Codable, Sendable {
        public var hash: String
        public var configuration: DetectorConfiguration
    }

    /// Live nights: the device clock fitted to the host's (host Unix time = offset_s + (1 + drift_ppm/1e6) × device time).
    public struct Clock: Codable, Sendable {
        public var offset_s: Double
        public var drift_ppm: Double
        public var windows: Int
        public var median_residual_ms: Double
        public init(offset_s: Double, drift_ppm: Double, windows: Int, median_residual_ms: Double) {
            self.offset_s = offset_s; self.drift_ppm = drift_ppm; self.windows = windows; self.median_residual_ms = median_residual_ms
        }
    }

    public var night_id: Int64?
    public var journal: String?
    public var clock: Clock?
    public var recording: Recording
    public var device: Device
    public var detector: Detector
    public var summary: NightSummary
    public var events: [Event]

    public init(result r: NightResult, nightID: Int64?, journalPath: String?) {
        night_id = nightID
        journal = journalPath
        recording = Recording(path: r.path, format: r.format.rawValue, bytes: r.sizeBytes, truncated_at_byte: r.truncatedAt)
        let d = r.deviceInfo
        device = Device(serial: d.serial, firmware: d.firmwareString, emg_channels: d.emgChannels, emg_rate_hz: d.emgRateHz,
                        accel_axes: d.accelAxes, accel_rate_hz: d.accelRateHz, mains_hz: d.mainsHz)
        detector = Detector(hash: ConfigurationIdentity.hash(r.configuration), configuration: r.configuration)
        summary = r.summary
        let wakes = r.events.filter { $0.kind == .sleepInterruption }
        var list = r.events.map { e in
            Event(kind: e.kind.rawValue, onset_s: e.onsetSeconds.rounded3, offset_s: e.offsetSeconds.rounded3, duration_s: e.durationSeconds.rounded3,
                  channel: e.channel >= 0 ? e.channel : nil,
                  peak_uv: e.kind == .cramp || e.kind == .legMovement ? Double(e.peakAboveRestMicrovolts).rounded3 : nil,
                  mean_uv: e.kind == .cramp || e.kind == .legMovement ? Double(e.meanAboveRestMicrovolts).rounded3 : nil,
                  accel_activity_g: Double(e.accelActivityG).rounded3, confidence: Double(e.confidence).rounded3,
                  woke: e.kind == .cramp ? NightSummary.woke(e, wakes) : nil,
                  cause: e.kind == .artifact ? e.artifactCause.name : nil, frames_lost: nil,
                  median_frequency_hz: e.kind == .cramp || e.kind == .legMovement ? Double(e.medianFrequencyHz).rounded3 : nil,
                  accel_activity_after_g: e.kind == .cramp ? Double(e.accelActivityAfterG).rounded3 : nil)
        }
        list += r.gaps.map { g in
            Event(kind: "gap", onset_s: g.onsetSeconds.rounded3, offset_s: g.offsetSeconds.rounded3, duration_s: (g.offsetSeconds - g.onsetSeconds).rounded3,
                  channel: nil, peak_uv: nil, mean_uv: nil, accel_activity_g: nil, confidence: nil, woke: nil, cause: nil, frames_lost: g.framesLost)
        }
        list.sort { ($0.onset_s, $0.kind) < ($1.onset_s, $1.kind) }
        events = list
    }
}

extension Double {
    var rounded3: Double { (self * 1000).rounded() / 1000 }
}

extension NightResult {
    public var summary: NightSummary {
        NightSummary(events: events, gaps: gaps, durationSeconds: durationSeconds, framesLost: stats.framesLost, corruptFrames: stats.corruptFrames,
                     zAngleEpochs: zAngleEpochs, epochSeconds: Double(NightDetector.epochSeconds))
    }
}

/// How a configuration is identified: SHA-256 of its canonical JSON (sorted keys).
public enum ConfigurationIdentity {
    public static func canonicalJSON(_ c: DetectorConfiguration) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(c)) ?? Data(), as: UTF8.self)
    }

    public static func hash(_ c: DetectorConfiguration) -> String {
        SHA256.hex(Array(canonicalJSON(c).utf8))
    }
}

/// Writes a replayed or live night into the journal.
public enum NightStore {
    @discardableResult
    public static func save(_ r: NightResult, to journal: Journal, source: String = "replay", startedAt: Date? = nil, startSource: String = "unknown") throws -> Int64 {
        let configID = try journal.configurationID(json: ConfigurationIdentity.canonicalJSON(r.configuration), hash: ConfigurationIdentity.hash(r.configuration))
        let night = nightRecord(r, configID: configID, source: source, startedAt: startedAt, startSource: startSource)
        let id = try journal.saveNight(night, device: deviceRecord(r.deviceInfo), recording: recordingRecord(path: r.path, format: r.format.rawValue, size: r.sizeBytes),
                                       events: eventRecords(r), gaps: r.gaps.map(gapRecord))
        try journal.saveTrace(NightTrace(nightId: id, secondsPerPoint: 1, envelope: r.traceEnvelope, activity: r.traceActivity))
        return id
    }

    static func nightRecord(_ r: NightResult, configID: Int64?, source: String, startedAt: Date?, startSource: String) -> NightRecord {
        NightRecord(deviceId: nil, recordingId: nil, detectorConfigId: configID, startedAt: startedAt, startSource: startSource,
                    durationSeconds: r.durationSeconds, source: source, framesReceived: r.stats.frames, framesLost: r.stats.framesLost,
                    corruptFrames: r.stats.corruptFrames, truncatedAtByte: r.truncatedAt.map { Int64($0) }, createdAt: Date())
    }

    static func deviceRecord(_ d: DeviceInfo) -> DeviceRecord {
        DeviceRecord(serial: d.serial, firmware: d.firmwareString, emgChannels: d.emgChannels, accelAxes: d.accelAxes,
                     emgRateHz: d.emgRateHz, accelRateHz: d.accelRateHz, mainsHz: d.mainsHz, firstSeen: Date())
    }

    static func recordingRecord(path: String, format: String, size: UInt64) -> RecordingRecord {
        RecordingRecord(path: path, format: format, sizeBytes: Int64(size), importedAt: Date())
    }

    static func eventRecords(_ r: NightResult) -> [EventRecord] {
        let wakes = r.events.filter { $0.kind == .sleepInterruption }
        return r.events.map { eventRecord($0, woke: $0.kind == .cramp ? NightSummary.woke($0, wakes) : nil) }
    }

    /// One event as the journal stores it. `woke` is known only once the night's sleep interruptions are (nil live).
    static func eventRecord(_ e: DetectedEvent, woke: Bool?) -> EventRecord {
        var features: [String: String] = [:]
        if e.kind == .artifact { features["cause"] = e.artifactCause.name }
        if e.kind == .cramp && !e.isProvisional {
            if let woke { features["woke"] = woke ? "true" : "false" }
            features["accel_activity_after_g"] = String(format: "%.4f", e.accelActivityAfterG)
        }
        if (e.kind == .cramp || e.kind == .legMovement) && !e.isProvisional { features["median_frequency_hz"] = String(format: "%.1f", e.medianFrequencyHz) }
        let json = features.isEmpty ? nil : String(decoding: (try? JSONSerialization.data(withJSONObject: features, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        let emg = e.kind == .cramp || e.kind == .legMovement
        var record = EventRecord(kind: e.kind.rawValue, onsetSeconds: e.onsetSeconds, offsetSeconds: e.isProvisional ? e.onsetSeconds : e.offsetSeconds,
                                 channel: e.channel >= 0 ? e.channel : nil,
                                 peakMicrovolts: emg ? Double(e.peakAboveRestMicrovolts) : nil, meanMicrovolts: emg ? Double(e.meanAboveRestMicrovolts) : nil,
                                 accelActivityG: Double(e.accelActivityG), confidence: Double(e.confidence), featuresJSON: json)
        record.provisional = e.isProvisional
        return record
    }

    static func gapRecord(_ g: NightGap) -> GapRecord {
        GapRecord(onsetSeconds: g.onsetSeconds, offsetSeconds: g.offsetSeconds, framesLost: g.framesLost,
                  firstLostSequence: g.firstLostSequence.map { Int64($0) }, emgSamplesLost: g.emgSamplesLost, reason: g.reason)
    }
}
