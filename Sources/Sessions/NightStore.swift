import DeviceProtocol
import Foundation
import Ingest
import Journal
import NightAnalysis
import SignalCore

/// Writes a replayed or live night into the journal.
public enum NightStore {
    /// Saves the night, or with `replacing`, re-analyses that saved night in place (its number kept).
    /// - Parameter contentSHA256: the recording's identity (`RecordingIdentity.sha256`), nil if not known.
    @discardableResult
    public static func save(_ r: NightResult, to journal: Journal, source: String = "replay", startedAt: Date? = nil,
                            startSource: String = "unknown", contentSHA256: String? = nil,
                            replacing: Int64? = nil) throws -> Int64 {
        let configID = try journal.configurationID(json: ConfigurationIdentity.canonicalJSON(r.configuration),
                                                   hash: ConfigurationIdentity.hash(r.configuration))
        let night = nightRecord(r, configID: configID, source: source, startedAt: startedAt, startSource: startSource)
        var recording = recordingRecord(path: absolute(r.path), format: r.format.rawValue, size: r.sizeBytes)
        recording.contentSHA256 = contentSHA256
        let id: Int64
        if let replacing {
            try journal.replaceNight(replacing, with: night, device: deviceRecord(r.deviceInfo), recording: recording,
                                     events: eventRecords(r), gaps: r.gaps.map(gapRecord))
            id = replacing
        } else {
            id = try journal.saveNight(night, device: deviceRecord(r.deviceInfo), recording: recording,
                                       events: eventRecords(r), gaps: r.gaps.map(gapRecord))
        }
        try journal.saveTrace(NightTrace(nightId: id, secondsPerPoint: 1, envelope: r.traceEnvelope,
                                         activity: r.traceActivity,
                                         stages: r.hypnogram.map { (sleep: $0.sleep, wake: $0.wake) }))
        try journal.saveFigures(figuresRecord(r.summary, night: id))
        return id
    }

    /// Once a live capture is closed, what it holds becomes its identity: a later `replay` of it (or of a copy)
    /// finds this night instead of saving a twin. A capture that cannot be read now keeps no identity.
    static func recordContent(of path: String, night: Int64, in journal: Journal) throws {
        guard let sha = try? RecordingIdentity.sha256(path: path),
              let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int else { return }
        try journal.setRecordingContent(night: night, sha256: sha, sizeBytes: Int64(size))
    }

    static func nightRecord(_ r: NightResult, configID: Int64?, source: String, startedAt: Date?,
                            startSource: String) -> NightRecord {
        NightRecord(deviceId: nil, recordingId: nil, detectorConfigId: configID, startedAt: startedAt,
                    startSource: startSource,
                    durationSeconds: r.durationSeconds, source: source, framesReceived: r.stats.frames,
                    framesLost: r.stats.framesLost,
                    corruptFrames: r.stats.corruptFrames, truncatedAtByte: r.truncatedAt.map { Int64($0) },
                    createdAt: Date(), mainsHz: r.deviceInfo.mainsHz > 0 ? r.deviceInfo.mainsHz : nil)
    }

    static func deviceRecord(_ d: DeviceInfo) -> DeviceRecord {
        DeviceRecord(serial: d.serial, firmware: d.firmwareString, emgChannels: d.emgChannels, accelAxes: d.accelAxes,
                     emgRateHz: d.emgRateHz, accelRateHz: d.accelRateHz, mainsHz: d.mainsHz, firstSeen: Date())
    }

    static func recordingRecord(path: String, format: String, size: UInt64) -> RecordingRecord {
        RecordingRecord(path: path, format: format, sizeBytes: Int64(size), importedAt: Date())
    }

    static func eventRecords(_ r: NightResult) -> [EventRecord] {
        r.events.map { eventRecord($0, woke: r.woke($0)) }
    }

    /// One event as the journal stores it. `woke` is known only once the night's sleep interruptions are (nil live).
    static func eventRecord(_ e: DetectedEvent, woke: Bool?) -> EventRecord {
        let emg = e.kind == .cramp || e.kind == .legMovement
        let cramp = e.kind == .cramp && !e.isProvisional
        var record = EventRecord(kind: e.kind.rawValue, onsetSeconds: e.onsetSeconds,
                                 offsetSeconds: e.isProvisional ? e.onsetSeconds : e.offsetSeconds,
                                 channel: e.channel >= 0 ? e.channel : nil,
                                 peakMicrovolts: emg ? Double(e.peakAboveRestMicrovolts) : nil,
                                 meanMicrovolts: emg ? Double(e.meanAboveRestMicrovolts) : nil,
                                 accelActivityG: Double(e.accelActivityG), confidence: Double(e.confidence),
                                 woke: cramp ? woke : nil,
                                 accelActivityAfterG: cramp ? Double(e.accelActivityAfterG) : nil,
                                 medianFrequencyHz: emg && !e.isProvisional ? Double(e.medianFrequencyHz) : nil,
                                 artifactCause: e.kind == .artifact ? e.artifactCause.name : nil)
        record.provisional = e.isProvisional
        return record
    }

    static func gapRecord(_ g: NightGap) -> GapRecord {
        GapRecord(onsetSeconds: g.onsetSeconds, offsetSeconds: g.offsetSeconds, framesLost: g.framesLost,
                  firstLostSequence: g.firstLostSequence.map { Int64($0) }, emgSamplesLost: g.emgSamplesLost,
                  reason: g.reason)
    }
}
