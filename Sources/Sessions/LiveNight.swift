import DeviceProtocol
import Exports
import Foundation
import Ingest
import Journal
import NightAnalysis
import Recordings
import SignalCore

/// Keeps the journal up to date while a night is being recorded: the night's row as soon as the device has
/// described itself, each event the moment the detector emits it (a cramp's provisional notice included, so
/// the onset is on disk within a fraction of a second of the criterion being met), gaps as they are found,
/// and the night's totals every few seconds. When the monitor stops, `complete` replaces all of that with the
/// night's final list in one transaction. If the process is killed instead, the night stays "recording"
/// and `LiveNightRecovery` finishes it from its capture.
public final class LiveNightRecorder: NightObserver {
    public let journal: Journal
    public let capturePath: String
    public let configuration: DetectorConfiguration
    public let startedAt: Date
    public private(set) var nightID: Int64?
    /// Writes that failed (the journal's disk is full, say); the capture still holds everything.
    public private(set) var failures = 0
    public private(set) var lastFailure: String?

    public init(journal: Journal, capturePath: String, configuration: DetectorConfiguration, startedAt: Date) {
        self.journal = journal
        self.capturePath = capturePath
        self.configuration = configuration
        self.startedAt = startedAt
    }

    private func attempt(_ body: () throws -> Void) {
        do { try body() } catch {
            failures += 1
            lastFailure = "\(error)"
        }
    }

    /// Opens the night (status "recording").
    public func nightStarted(_ d: DeviceInfo) {
        attempt {
            let configID = try journal.configurationID(json: ConfigurationIdentity.canonicalJSON(configuration),
                                                       hash: ConfigurationIdentity.hash(configuration))
            let night = NightRecord(deviceId: nil, recordingId: nil, detectorConfigId: configID, startedAt: startedAt,
                                    startSource: "monitor",
                                    durationSeconds: 0, source: "monitor", framesReceived: 0, framesLost: 0,
                                    corruptFrames: 0, truncatedAtByte: nil,
                                    createdAt: Date(), status: NightStatus.recording)
            nightID = try journal.beginNight(night, device: NightStore.deviceRecord(d),
                                             recording: NightStore.recordingRecord(
                                                 path: absolute(capturePath),
                                                 format: RecordingFormat.rawCapture.rawValue, size: 0))
        }
    }

    public func event(_ e: DetectedEvent) {
        guard let nightID else { return }
        attempt { try journal.appendEvent(NightStore.eventRecord(e, woke: nil), night: nightID) }
    }

    public func gap(_ g: NightGap, skippedSeconds: Double) {
        guard let nightID else { return }
        attempt { try journal.appendGap(NightStore.gapRecord(g), night: nightID) }
    }

    public func progress(seconds: Double, stats: FrameStats) {
        guard let nightID else { return }
        attempt { try journal.updateProgress(night: nightID, durationSeconds: seconds, framesReceived: stats.frames,
                                             framesLost: stats.framesLost, corruptFrames: stats.corruptFrames) }
    }

    /// Finishes the night with its final events, gaps, totals and clock fit; returns its id.
    public func complete(_ r: NightResult, clock: ClockFit.Result?, startedAt: Date?,
                         startSource: String) throws -> Int64 {
        guard let nightID else {
            // The journal was unavailable when the night began: save it whole now.
            return try NightStore.save(r, to: journal, source: "monitor", startedAt: startedAt,
                                       startSource: startSource,
                                       contentSHA256: try? RecordingIdentity.sha256(path: r.path))
        }
        var night = NightStore.nightRecord(r, configID: nil, source: "monitor", startedAt: startedAt,
                                           startSource: startSource)
        night.status = NightStatus.complete
        night.clockOffsetSeconds = clock?.offsetSeconds
        night.clockDriftPPM = clock?.driftPPM
        night.clockFitPoints = clock?.points
        night.clockResidualMs = clock?.medianResidualMs
        try journal.completeNight(nightID, night, events: NightStore.eventRecords(r),
                                  gaps: r.gaps.map(NightStore.gapRecord), recordingSizeBytes: Int64(r.sizeBytes))
        try journal.saveTrace(NightTrace(nightId: nightID, secondsPerPoint: 1, envelope: r.traceEnvelope,
                                         activity: r.traceActivity))
        try journal.saveFigures(NightStore.figuresRecord(r.summary, night: nightID))
        try NightStore.recordContent(of: r.path, night: nightID, in: journal)
        return nightID
    }
}

extension LiveNightRecorder {
    /// Takes the night out of the journal again (too short to be a night: `MinimumNight`); the capture stays.
    public func discard() throws {
        guard let id = nightID else { return }
        _ = try journal.deleteNight(id)
        nightID = nil
    }
}

func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}

/// A capture being written by a live monitor is locked (flock) for as long as the monitor runs; the kernel
/// releases the lock when the process ends, however it ends. So a night whose capture can be locked is not
/// being recorded any more.
public enum CaptureLock {
    /// Takes the lock on an open capture; false if another process holds it.
    public static func lock(fd: Int32) -> Bool { flock(fd, LOCK_EX | LOCK_NB) == 0 }

    /// Whether some process is still recording into `path`.
    public static func isRecording(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_SH | LOCK_NB) != 0
    }
}

/// Finishes nights left "recording" by a monitor that was killed (power cut, SIGKILL, crash): each is replayed
/// from its capture — everything up to the last whole frame — with the configuration it was recorded with, and
/// its events and gaps replaced by the replay's, so none is duplicated and none is left provisional.
public enum LiveNightRecovery {
    public struct Outcome: Sendable, Equatable {
        public var nightID: Int64
        public var capturePath: String?
        public var recovered: Bool
        /// What happened, for a log line.
        public var message: String
    }

    /// Finishes every unfinished night whose capture is not being recorded; one that turns out shorter than
    /// `minimum` is taken out of the journal (its capture stays), as the monitor would have done.
    public static func recover(journal: Journal, minimum: MinimumNight = MinimumNight()) throws -> [Outcome] {
        var outcomes: [Outcome] = []
        for (night, recording) in try journal.unfinishedNights() {
            let id = night.id!
            guard let path = recording?.path else {
                outcomes.append(Outcome(nightID: id, capturePath: nil, recovered: false,
                                        message: "night \(id) has no recording to recover from; left as it is"))
                continue
            }
            if CaptureLock.isRecording(path: path) {
                outcomes.append(Outcome(nightID: id, capturePath: path, recovered: false,
                                        message: "night \(id) is still being recorded (\(path)); left alone"))
                continue
            }
            guard FileManager.default.fileExists(atPath: path) else {
                var n = night
                n.status = NightStatus.recovered
                try journal.completeNight(id, n, events: try journal.events(night: id).filter { !$0.provisional },
                                          gaps: try journal.gaps(night: id), recordingSizeBytes: nil)
                outcomes.append(Outcome(nightID: id, capturePath: path, recovered: false,
                                        message: "night \(id): its capture \(path) is gone; kept the "
                                                 + "\(try journal.events(night: id).count) events stored live"))
                continue
            }
            var configuration = DetectorConfiguration()
            if let cid = night.detectorConfigId, let stored = try journal.configuration(id: cid) {
                configuration = (try? JSONDecoder()
                                     .decode(DetectorConfiguration.self, from: Data(stored.json.utf8))) ?? configuration
            }
            let result: NightResult
            do {
                result = try Replayer(configuration: configuration).replay(path: path)
            } catch {
                outcomes.append(Outcome(nightID: id, capturePath: path, recovered: false,
                                        message: "night \(id): cannot replay \(path): \(error)"))
                continue
            }
            guard minimum.admits(result.durationSeconds) else {
                _ = try journal.deleteNight(id)
                let short = minimum.shortfall(recordedSeconds: result.durationSeconds)
                outcomes.append(Outcome(nightID: id, capturePath: path, recovered: false,
                                        message: "night \(id): \(short) in \(path), so it was taken out of the "
                                                 + "journal; the capture stays"))
                continue
            }
            // The capture's times file holds the start the monitor would have saved (the clock fit so far).
            let start = (try? CaptureTimes.read(capturePath: path))?.nightStart
            var n = NightStore.nightRecord(result, configID: night.detectorConfigId, source: night.source,
                                           startedAt: start?.date ?? night.startedAt,
                                           startSource: start?.source ?? night.startSource)
            n.status = NightStatus.recovered
            try journal.completeNight(id, n, events: NightStore.eventRecords(result),
                                      gaps: result.gaps.map(NightStore.gapRecord),
                                      recordingSizeBytes: Int64(result.sizeBytes))
            try journal.saveTrace(NightTrace(nightId: id, secondsPerPoint: 1, envelope: result.traceEnvelope,
                                             activity: result.traceActivity))
            try journal.saveFigures(NightStore.figuresRecord(result.summary, night: id))
            try NightStore.recordContent(of: path, night: id, in: journal)
            let tail = result.truncatedAt.map { " (its last \(result.sizeBytes - $0) bytes were a partial "
                                                + "frame)" } ?? ""
            outcomes.append(Outcome(nightID: id, capturePath: path, recovered: true,
                                    message: "night \(id): recovered \(Words.whole(result.durationSeconds)) s and "
                                             + "\(result.events.count) events from \(path)\(tail)"))
        }
        return outcomes
    }
}
