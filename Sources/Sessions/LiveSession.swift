import DeviceIO
import DeviceProtocol
import Exports
import Foundation
import Ingest
import NightAnalysis
import SignalCore

/// One night recorded live: bytes from the device reader go to the capture file and, in 4-KiB slices, through
/// the night runner (detector, EDF+ export, live journal, event log); the device clock is fitted to the host's;
/// the status line and the journal's totals are refreshed once a second. `monitor` only wires its options to this.
public final class LiveSession {
    public struct Settings: Sendable {
        public var silenceWarningSeconds: Double
        public var stopAfterIdleSeconds: Double?
        /// How often the capture's times file is rewritten with the clock fit so far (and once at the end).
        public var timesIntervalSeconds: Double
        /// A shorter recording is taken out of the journal when it ends; its capture stays.
        public var minimumNight: MinimumNight
        public init(silenceWarningSeconds: Double, stopAfterIdleSeconds: Double?, timesIntervalSeconds: Double = 120,
                    minimumNight: MinimumNight = MinimumNight()) {
            self.silenceWarningSeconds = silenceWarningSeconds
            self.stopAfterIdleSeconds = stopAfterIdleSeconds
            self.timesIntervalSeconds = timesIntervalSeconds
            self.minimumNight = minimumNight
        }
    }

    /// What the night came to.
    public struct Outcome {
        public var result: NightResult
        public var nightID: Int64?
        public var clock: ClockFit.Result?
        /// The night's wall-clock start: from the device clock once the fit has two windows, else when monitoring
        /// began.
        public var start: Date
        public var startSource: String
        /// Set when the night could not be saved in the journal: why, and what to do.
        public var saveFailure: String?
    }

    let reader: DeviceReader
    public let capture: CaptureFile
    let run: CaptureRun
    let recorder: LiveNightRecorder?
    let console: LiveConsole
    let eventLog: LiveEventLog
    let settings: Settings
    let startedAt: Date
    var clockFit = ClockFit()
    var lastDeviceMicros: UInt64?
    var received: UInt64 = 0
    var failure: String?
    var warnedSilence = false
    var lastLost = 0
    var journalFailuresLogged = 0
    var lastProgress = Date()
    /// The capture's wall-clock times (`<capture>.times.json`), rewritten every few minutes and at the end.
    var times: CaptureTimes
    var lastTimesWrite = Date.distantPast
    var timesFailed = false
    /// The start the first line gave, kept when the device clock later jumps: the lines fitted after a jump place the
    /// device times after it, not the night's first sample (an hour's step would move the start by an hour).
    var startBeforeJump: Date?

    /// - observers: told of the night before the journal and the log are (e.g. an EDF+ export).
    public init(reader: DeviceReader, capture: CaptureFile, configuration: DetectorConfiguration,
                recorder: LiveNightRecorder?,
                observers: [NightObserver], console: LiveConsole, startedAt: Date, settings: Settings) {
        self.reader = reader
        self.capture = capture
        self.recorder = recorder
        self.console = console
        self.settings = settings
        self.startedAt = startedAt
        eventLog = LiveEventLog(console: console, startedAt: startedAt)
        times = CaptureTimes(capturePath: capture.path, startedAt: startedAt)
        let journalNotice = JournalNotice(recorder: recorder, console: console)
        run = CaptureRun(path: capture.path, configuration: configuration,
                         observers: observers + ([recorder, journalNotice] as [NightObserver?])
                             .compactMap { $0 } + [eventLog])
    }

    /// Reads the device until `stop()` says so, the device stays silent past `stopAfterIdleSeconds`, or the bytes
    /// cannot be used. Returns false in that last case (see `finish`).
    public func record(until stop: () -> Bool) {
        writeTimes()
        loop: while !stop() {
            switch reader.next(timeoutSeconds: 0.25) {
            case .bytes(let b):
                if warnedSilence { console.log("data flowing again"); warnedSilence = false }
                guard take(b) else { break loop }
                reportLostFrames()
            case .idle(let seconds):
                if idle(seconds) { break loop }
            case .disconnected(let why):
                console.log("device lost: \(why); reconnecting")
            case .connected:
                console.log("reconnected (attempt \(reader.reconnects)) after "
                            + "\(String(format: "%.1f", reader.lastOutageSeconds)) s"
                            + "\(reader.lastReconnectByHotplug ? " (hotplug: the device announced itself)" : ""); the "
                            + "night continues")
                // A leading 0x00 ends any partial frame from before the unplug (PROTOCOL.md section 1).
                guard take([0]) else { break loop }
            case .log(let line):
                console.log(line)
            }
            capture.syncIfDue()
            refreshOncePerSecond()
            if Date().timeIntervalSince(lastTimesWrite) >= settings.timesIntervalSeconds { writeTimes() }
        }
        console.clearStatus()
    }

    /// Writes `bytes` to the capture and feeds them to the runner in slices of 4 KiB, so however much arrived at
    /// once, the capture is never more than a slice ahead of the EDF+ file and the journal if the process is killed.
    private func take(_ bytes: [UInt8]) -> Bool {
        received += UInt64(bytes.count)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + 4096)
            let wasRecording = capture.stoppedAt == nil
            capture.write(bytes[start..<end])
            if wasRecording, let why = capture.failure { console.log(why) }
            do { try bytes[start..<end].withUnsafeBytes { try run.feed($0) } } catch {
                failure = "\(error)"
                return false
            }
            start = end
        }
        fitClock()
        return true
    }

    private func fitClock() {
        guard let device = run.newestSampleDeviceMicros, device != lastDeviceMicros else { return }
        lastDeviceMicros = device
        let before = clockFit
        clockFit.add(deviceSeconds: Double(device) / 1e6, hostSeconds: Date().timeIntervalSince1970)
        if clockFit.resets > before.resets {
            if before.resets == 0 { startBeforeJump = Self.deviceStart(before, run.firstSampleDeviceMicros) }
            console.log("the device clock jumped (the device restarted or its clock was reset); fitting it to the host "
                        + "clock again from here")
        }
    }

    /// The night's wall-clock start as known now: the first sample's device time placed on the host's clock by the
    /// line fitted through it (once it has two windows), else when monitoring began.
    private func nightStart() -> (Date, String) {
        if let start = clockFit.resets == 0 ? Self.deviceStart(clockFit, run.firstSampleDeviceMicros)
                                            : startBeforeJump {
            return (start, "device")
        }
        return (startedAt, "monitor")
    }

    static func deviceStart(_ fit: ClockFit, _ firstSampleMicros: UInt64?) -> Date? {
        guard let line = fit.result, line.points >= 2, let first = firstSampleMicros else { return nil }
        return Date(timeIntervalSince1970: line.hostSeconds(device: Double(first) / 1e6))
    }

    /// Writes the capture's times file with the clock fit so far; says once if it cannot (the night goes on, but a
    /// later replay of the capture will not know when it was).
    private func writeTimes(complete: Bool = false) {
        lastTimesWrite = Date()
        let (start, source) = nightStart()
        times.firstSampleDeviceMicros = run.firstSampleDeviceMicros
        times.clockFit = clockFit.points.isEmpty ? nil : CaptureTimes.Fit(clockFit)
        times.nightStart = CaptureTimes.Start(start, source: source)
        times.captureBytes = capture.written
        times.complete = complete
        times.writtenAt = CaptureTimes.HostClock(lastTimesWrite).utc
        do { try times.write(capturePath: capture.path) } catch {
            guard !timesFailed else { return }
            timesFailed = true
            console.log("cannot keep the capture's times: \(error). The night is recorded, but a later replay of the "
                        + "capture will not know when it began (give it --start).")
        }
    }

    private func reportLostFrames() {
        let lost = run.statsSoFar.framesLost
        guard lost > lastLost else { return }
        console.log("\(lost - lastLost) frame\(lost - lastLost == 1 ? "" : "s") lost (gap recorded; \(lost) in all)")
        lastLost = lost
    }

    /// True when the session should stop.
    private func idle(_ seconds: Double) -> Bool {
        if seconds >= settings.silenceWarningSeconds && !warnedSilence {
            warnedSilence = true
            console.log("no data from the device for \(Int(seconds)) s (stalled, asleep or out of range?); still "
                        + "listening")
        }
        if let limit = settings.stopAfterIdleSeconds, seconds >= limit {
            console.log("no data for \(Int(seconds)) s: stopping")
            return true
        }
        return false
    }

    private func refreshOncePerSecond() {
        let now = Date()
        guard now.timeIntervalSince(lastProgress) >= 1 else { return }
        lastProgress = now
        recorder?.progress(seconds: run.secondsSoFar, stats: run.statsSoFar)
        if let r = recorder, r.failures > journalFailuresLogged {
            journalFailuresLogged = r.failures
            console.log("could not write to the journal: \(r.lastFailure ?? "?"). The capture keeps everything; the "
                        + "night is saved at the end if possible, or replay the capture later.")
        }
        let levels = run.lastSecondLevels
        console.status.show(StatusLine.Figures(seconds: run.secondsSoFar, emgAboveRest: levels?.emgAboveRestMicrovolts,
                                               activity: levels?.activityG, counts: eventLog.counts,
                                               framesLost: run.statsSoFar.framesLost,
                                               recording: capture.stoppedAt == nil))
    }

    /// Stops the reader, closes the capture, finishes the night and saves it. Throws `SessionError` with what to do.
    public func finish() throws -> Outcome {
        let usb = reader.usbStats
        reader.stop()
        capture.close()
        if let failure {
            throw SessionError("\(failure)\ncrampwatch: the capture \(capture.path) holds everything received; replay "
                               + "it with `crampwatch replay \(capture.path)`.")
        }
        if let usb, usb.stalls + usb.overflows > 0 {
            console.log("USB: \(usb.stalls) stall\(usb.stalls == 1 ? "" : "s") cleared, \(usb.overflows) "
                        + "overflow\(usb.overflows == 1 ? "" : "s")")
        }
        let result: NightResult
        do { result = try run.finish(sizeBytes: capture.written) } catch {
            throw SessionError("\(error)\ncrampwatch: nothing usable was received; the capture is \(capture.path).")
        }
        let (start, startSource) = nightStart()
        var outcome = Outcome(result: result, nightID: nil, clock: clockFit.result, start: start,
                              startSource: startSource)
        writeTimes(complete: true)
        if let fit = outcome.clock, startSource == "device" {
            console.log(String(format: "device clock: %+.1f ppm against the host over %d windows, arrivals within %.1f "
                                       + "ms of the fit (median)",
                               fit.driftPPM, fit.points, fit.medianResidualMs))
        }
        if let stoppedAt = capture.stoppedAt {
            console.log("the capture \(capture.path) stopped at byte \(stoppedAt) of \(received) received (disk full); "
                        + "the night below was detected from all of them.")
        }
        if let recorder { save(result, with: recorder, into: &outcome) }
        return outcome
    }

    /// Finishes the night the recorder began, or takes it out again when it was too short to be a night.
    private func save(_ result: NightResult, with recorder: LiveNightRecorder, into outcome: inout Outcome) {
        do {
            guard settings.minimumNight.admits(result.durationSeconds) else {
                try recorder.discard()
                console.log("\(settings.minimumNight.shortfall(recordedSeconds: result.durationSeconds)), so it was "
                            + "not kept in the journal; the capture \(capture.path) stays (`crampwatch replay "
                            + "\(capture.path) --min-night 0` saves it)")
                return
            }
            outcome.nightID = try recorder.complete(result, clock: outcome.clock, startedAt: outcome.start,
                                                    startSource: outcome.startSource)
        } catch {
            outcome.saveFailure = "\(error)\ncrampwatch: the night was NOT saved; replay \(capture.path) later to "
                                  + "save it."
        }
    }
}

/// Says once, when the night opens, that the journal cannot be written (the night is then saved at the end).
final class JournalNotice: NightObserver {
    let recorder: LiveNightRecorder?
    let console: LiveConsole
    init(recorder: LiveNightRecorder?, console: LiveConsole) {
        self.recorder = recorder
        self.console = console
    }

    func nightStarted(_ info: DeviceInfo) throws {
        if let r = recorder, r.nightID == nil, let why = r.lastFailure {
            console.log("the journal cannot be written (\(why)); the night will be saved at the end if it can")
        }
    }
}
