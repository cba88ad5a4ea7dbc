import DeviceProtocol
import Foundation
import Ingest
import NightAnalysis
import SignalCore

/// The stable JSON shape of `replay --json` (documented in docs/formats.md, pinned by GoldenReplayTests).
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
        /// Cramps and leg movements: largest accelerometer activity from 1 s before onset to the end of the
        /// onset allowance (g) — whether the leg moved as it began (WASM counts the movement either way).
        public var onset_activity_g: Double? = nil
        /// Cramps and leg movements: share of the time after the onset allowance in which the leg moved.
        public var moving_fraction: Double? = nil
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
        /// The sleep lab's scoring file the night's sleep stages came from (`replay --hypnogram`); absent otherwise.
        public var hypnogram: String? = nil
    }
    public struct Detector: Codable, Sendable {
        public var hash: String
        public var configuration: DetectorConfiguration
    }

    /// Live nights: the device clock fitted to the host's (host Unix time = offset_s + (1 + drift_ppm/1e6) × device
    /// time).
    public struct Clock: Codable, Sendable {
        public var offset_s: Double
        public var drift_ppm: Double
        public var windows: Int
        public var median_residual_ms: Double
        public init(offset_s: Double, drift_ppm: Double, windows: Int, median_residual_ms: Double) {
            self.offset_s = offset_s; self.drift_ppm = drift_ppm; self.windows = windows
            self.median_residual_ms = median_residual_ms
        }
    }

    public var night_id: Int64?
    public var journal: String?
    /// When the night began (the CLI writes it in ISO 8601 with the local offset, "2026-11-24T23:10:00+01:00");
    /// `null` when nobody knows.
    public var started_at: Nullable<Date>
    /// How the start is known: "device", "monitor", "user", "recording_header", "file_time" or "unknown".
    public var start_source: String
    /// Set when the start is unknown: what to do about it.
    public var start_note: String?
    public var clock: Clock?
    public var recording: Recording
    public var device: Device
    public var detector: Detector
    public var summary: NightSummary
    public var events: [Event]

    public init(result r: NightResult, nightID: Int64?, journalPath: String?, startedAt: Date? = nil,
                startSource: String = "unknown") {
        night_id = nightID
        journal = journalPath
        started_at = Nullable(startedAt)
        start_source = startedAt == nil ? "unknown" : startSource
        start_note = startedAt == nil ? Words.startUnknown : nil
        recording = Recording(path: r.path, format: r.format.rawValue, bytes: r.sizeBytes,
                              truncated_at_byte: r.truncatedAt)
        recording.hypnogram = r.hypnogramFile
        let d = r.deviceInfo
        device = Device(serial: d.serial, firmware: d.firmwareString, emg_channels: d.emgChannels,
                        emg_rate_hz: d.emgRateHz,
                        accel_axes: d.accelAxes, accel_rate_hz: d.accelRateHz, mains_hz: d.mainsHz)
        detector = Detector(hash: ConfigurationIdentity.hash(r.configuration),
                            configuration: ConfigurationIdentity.identified(r.configuration))
        summary = r.summary
        func muscle(_ e: DetectedEvent) -> Bool { e.kind == .cramp || e.kind == .legMovement }
        var list = r.events.map { e in
            Event(kind: e.kind.rawValue, onset_s: e.onsetSeconds.rounded3, offset_s: e.offsetSeconds.rounded3,
                  duration_s: e.durationSeconds.rounded3,
                  channel: e.channel >= 0 ? e.channel : nil,
                  peak_uv: e.kind == .cramp
                      || e.kind == .legMovement ? Double(e.peakAboveRestMicrovolts).rounded3 : nil,
                  mean_uv: e.kind == .cramp
                      || e.kind == .legMovement ? Double(e.meanAboveRestMicrovolts).rounded3 : nil,
                  accel_activity_g: Double(e.accelActivityG).rounded3, confidence: Double(e.confidence).rounded3,
                  woke: r.woke(e),
                  cause: e.kind == .artifact ? e.artifactCause.name : nil, frames_lost: nil,
                  median_frequency_hz: e.kind == .cramp
                      || e.kind == .legMovement ? Double(e.medianFrequencyHz).rounded3 : nil,
                  accel_activity_after_g: e.kind == .cramp ? Double(e.accelActivityAfterG).rounded3 : nil,
                  onset_activity_g: muscle(e) ? Double(e.onsetActivityG).rounded3 : nil,
                  moving_fraction: muscle(e) ? Double(e.movingFraction).rounded3 : nil)
        }
        list += r.gaps.map { g in
            Event(kind: "gap", onset_s: g.onsetSeconds.rounded3, offset_s: g.offsetSeconds.rounded3,
                  duration_s: (g.offsetSeconds - g.onsetSeconds).rounded3,
                  channel: nil, peak_uv: nil, mean_uv: nil, accel_activity_g: nil, confidence: nil, woke: nil,
                  cause: nil, frames_lost: g.framesLost)
        }
        list.sort { ($0.onset_s, $0.kind) < ($1.onset_s, $1.kind) }
        events = list
    }
}

/// A value written as JSON `null` when absent rather than left out, so a script always finds the key.
public struct Nullable<Wrapped: Codable & Sendable>: Codable, Sendable {
    public var value: Wrapped?

    public init(_ value: Wrapped?) { self.value = value }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        value = c.decodeNil() ? nil : try c.decode(Wrapped.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let value { try c.encode(value) } else { try c.encodeNil() }
    }
}

extension Double {
    public var rounded3: Double { (self * 1000).rounded() / 1000 }
}
