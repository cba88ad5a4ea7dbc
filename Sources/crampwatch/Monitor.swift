import ArgumentParser
import DeviceIO
import DeviceProtocol
import Foundation
import Journal
import Pipeline
import Recordings
import SignalCore

/// Set from the signal handler; read by the monitor loop.
nonisolated(unsafe) private var stopSignal: sig_atomic_t = 0

extension Crampwatch {
    struct Monitor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Streams from the device all night, detects live, records the raw capture and saves the night.",
            discussion: """
                Reads the Crampwatch device over USB (libusb; the first attached device, or --device-serial) or a \
                CDC-ACM serial port (--serial /dev/ttyACM0). The bytes go through the same decoder and detector as \
                `replay`, so replaying the capture it writes gives the same events. It survives unplugging: it \
                reconnects by itself and records the gap. Stop it with Ctrl-C (SIGINT) or SIGTERM: the capture is \
                flushed, the night saved to the journal and its summary printed.
                """
        )

        @Option(help: ArgumentHelp("Read a CDC-ACM serial device instead of USB bulk.", valueName: "path")) var serial: String?
        @Option(name: .customLong("device-serial"), help: ArgumentHelp("Only the USB device with this serial number.", valueName: "serial")) var deviceSerial: String?
        @Option(help: ArgumentHelp("Where to write the raw capture (created 0600). Default: crampwatch-<date-time>.cwcap here.", valueName: "file")) var capture: String?
        @OptionGroup var journal: JournalOptions
        @Flag(name: .customLong("no-journal"), help: "Detect and print only; do not save the night.") var noJournal = false
        @Flag(help: "Print the night as one JSON object at the end (live notices go to stderr).") var json = false
        @Option(help: ArgumentHelp("Bulk-IN transfers kept in flight (1 to 32).", valueName: "count")) var transfers = 4
        @Option(name: .customLong("stop-after-idle"), help: ArgumentHelp("Stop when no data arrived for this long (end of a recording). Default: never.", valueName: "seconds")) var stopAfterIdle: Double?
        @Option(name: .customLong("silence-warning"), help: ArgumentHelp("Log a line when the device has sent nothing for this long.", valueName: "seconds")) var silenceWarning = 5.0
        @Option(name: .customLong("fsync-interval"), help: ArgumentHelp("How often the capture is forced to disk.", valueName: "seconds")) var fsyncInterval = 10.0
        @Option(name: .customLong("write-edf"), help: ArgumentHelp("Also record the night as EDF+ (16-bit, mode 0600) with each event as an annotation, written as it streams; a killed night is repaired with `crampwatch repair`.", valueName: "path")) var writeEDF: String?
        @Option(name: .customLong("write-bdf"), help: ArgumentHelp("The same as --write-edf, as 24-bit BDF+.", valueName: "path")) var writeBDF: String?
        @Flag(name: .customLong("no-status"), help: "On a terminal, do not show the one-line live status (log lines only).") var noStatus = false
        @Option(name: .customLong("emg-rate"), help: ArgumentHelp("Ask the device to sample EMG at this rate (CONFIGURE; 250 to 4000 Hz). Default: its own.", valueName: "Hz")) var emgRate: Int?
        @Option(name: .customLong("accel-rate"), help: ArgumentHelp("Ask the device to sample its accelerometer at this rate (25 to 200 Hz).", valueName: "Hz")) var accelRate: Int?
        @Option(name: .customLong("mains"), help: ArgumentHelp("Tell the device the mains frequency here: 50, 60, or 0 to detect it.", valueName: "Hz")) var mains: Int?
        @Option(name: .customLong("emg-channels"), help: ArgumentHelp("Ask the device to record this many EMG channels (1 to 4).", valueName: "count")) var emgChannels: Int?

        var deviceSettings: DeviceSettings { DeviceSettings(emgRateHz: emgRate, accelRateHz: accelRate, mainsHz: mains, emgChannels: emgChannels) }
        @OptionGroup var detector: DetectorOptions

        func validate() throws {
            if !(1...32).contains(transfers) { throw ValidationError("--transfers must be between 1 and 32.") }
            if let s = stopAfterIdle, s <= 0 { throw ValidationError("--stop-after-idle must be a positive number of seconds.") }
            if silenceWarning <= 0 { throw ValidationError("--silence-warning must be a positive number of seconds.") }
            if fsyncInterval <= 0 { throw ValidationError("--fsync-interval must be a positive number of seconds.") }
            if writeEDF != nil && writeBDF != nil { throw ValidationError("Give --write-edf or --write-bdf, not both.") }
            if let problem = deviceSettings.problem { throw ValidationError("The device cannot do that: \(problem).") }
        }

        func run() throws {
            // First thing: from here on Ctrl-C or SIGTERM ends the night cleanly instead of killing the process.
            signal(SIGINT) { _ in stopSignal = 1 }
            signal(SIGTERM) { _ in stopSignal = 1 }
            // A file-size limit (ulimit -f) must give a write error we can report, not kill us with SIGXFSZ.
            signal(SIGXFSZ, SIG_IGN)
            // A parent may have started us with these signals blocked (a thread pool's mask is inherited through
            // fork and exec): unblock them, or SIGTERM would stay pending all night and never stop us.
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, SIGINT)
            sigaddset(&unblock, SIGTERM)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)

            let status = StatusLine(enabled: !json && !noStatus && isatty(STDOUT_FILENO) == 1)
            func log(_ line: String) {
                let f = DateFormatter()
                f.dateFormat = "HH:mm:ss"
                status.clear()
                let text = "\(f.string(from: Date())) \(line)\n"
                if json { FileHandle.standardError.write(Data(text.utf8)) } else { FileHandle.standardOutput.write(Data(text.utf8)) }
            }

            let config: DetectorConfiguration
            do { config = try detector.resolve(journalPath: journal.resolvedPath) } catch {
                complain("\(error)")
                throw Exit.failure
            }
            var liveJournal: Journal?
            if !noJournal {
                do {
                    let j = try Journal(path: journal.resolvedPath)
                    liveJournal = j
                    // A night left unfinished by a monitor that was killed is finished from its capture first.
                    for outcome in try LiveNightRecovery.recover(journal: j) { log(outcome.message) }
                } catch {
                    complain("\(error)")
                    complain("cannot use the journal, so nothing would be saved. Fix the problem above, or run with --no-journal to record the capture only.")
                    throw Exit.failure
                }
            }
            let startedAt = Date()
            let capturePath = capture ?? {
                let f = DateFormatter()
                f.dateFormat = "yyyyMMdd-HHmmss"
                return "crampwatch-\(f.string(from: startedAt)).cwcap"
            }()
            let fd = open(capturePath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            if fd < 0 {
                complain("\(capturePath): cannot create the capture file: \(String(cString: strerror(errno))). Choose another place with --capture.")
                throw Exit.failure
            }
            fchmod(fd, 0o600)
            // Held until we exit (however we exit): tells `journal recover` this night is still being recorded.
            _ = CaptureLock.lock(fd: fd)

            let address: DeviceAddress = serial.map { .serial(path: $0) } ?? .usb(serial: deviceSerial, productID: ProtocolV1.usbTestProductID)
            let reader = DeviceReader(address: address)
            reader.transfers = transfers
            reader.settings = deviceSettings
            do {
                let info = try reader.connect()
                if let info {
                    log("connected to \(info.serial), firmware \(info.firmwareString), \(info.emgChannels) EMG channel\(info.emgChannels == 1 ? "" : "s") at \(info.emgRateHz) Hz, accelerometer at \(info.accelRateHz) Hz; recording to \(capturePath)")
                } else {
                    log("opened \(serial ?? "?"); recording to \(capturePath)")
                }
            } catch {
                close(fd)
                unlink(capturePath)
                complain("cannot start monitoring: \(error)")
                throw Exit.failure
            }

            let run = CaptureRun(path: capturePath, configuration: config)
            let recorder = liveJournal.map { LiveNightRecorder(journal: $0, capturePath: capturePath, configuration: config, startedAt: startedAt) }
            var exporter: EDFNightWriter?
            if let out = writeEDF ?? writeBDF {
                exporter = EDFNightWriter(path: out, bdf: writeBDF != nil, start: EDFStartTime(unixSeconds: startedAt.timeIntervalSince1970.rounded(.down)))
                run.sink = exporter
            }
            var counts: [EventKind: Int] = [:]
            run.onStart = { d in
                recorder?.begin(d)
                if let r = recorder, r.nightID == nil, let why = r.lastFailure { log("the journal cannot be written (\(why)); the night will be saved at the end if it can") }
            }
            run.onGap = { g in recorder?.gap(g) }
            run.onEvent = { e in
                let t = clock(e.onsetSeconds, startedAt)
                if e.isProvisional {
                    log("cramp started (provisional) at \(t) on channel \(e.channel + 1)")
                } else {
                    counts[e.kind, default: 0] += 1
                    log("\(e.kind.rawValue) \(t), \(duration(e.durationSeconds))\(e.kind == .cramp ? ", peak \(Int(e.peakAboveRestMicrovolts)) µV above rest" : "")")
                }
                recorder?.event(e)
            }
            var clockFit = ClockFit()
            var lastDeviceMicros: UInt64?
            var written: UInt64 = 0
            var received: UInt64 = 0
            var lastSync = Date()
            var lastProgress = Date()
            var warnedSilence = false
            var lastLost = 0
            var journalFailuresLogged = 0
            var failure: String?
            /// Set when the capture could not be written (disk full): detection and journaling go on without it.
            var captureStoppedAt: UInt64?
            /// Writes `bytes` to the capture and feeds them to the detector (and the EDF+ recording) in slices of
            /// 4 KiB, so however much arrived at once, the capture is never more than a slice ahead of the EDF+
            /// file and the journal if the process is killed.
            func record(_ bytes: [UInt8]) -> Bool {
                received += UInt64(bytes.count)
                var start = 0
                while start < bytes.count {
                    let end = min(bytes.count, start + 4096)
                    var off = start
                    while captureStoppedAt == nil && off < end {
                        let n = bytes[off..<end].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                        if n < 0 {
                            if errno == EINTR { continue }
                            let why = String(cString: strerror(errno))
                            let full = errno == ENOSPC || errno == EFBIG || errno == EDQUOT
                            captureStoppedAt = written
                            fsync(fd)
                            log("\(capturePath): writing the capture failed at byte \(written): \(why)\(full ? " — the disk (or this file's size limit) is full" : ""). " +
                                "The \(written) bytes already written are kept; detection and the journal go on, but the rest of the night is not recorded. Free some space for the next night.")
                            break
                        }
                        off += n
                        written += UInt64(n)
                    }
                    do { try bytes[start..<end].withUnsafeBytes { try run.feed($0) } } catch {
                        failure = "\(error)"
                        return false
                    }
                    start = end
                }
                if let device = run.newestSampleDeviceMicros, device != lastDeviceMicros {
                    lastDeviceMicros = device
                    let resets = clockFit.resets
                    clockFit.add(deviceSeconds: Double(device) / 1e6, hostSeconds: Date().timeIntervalSince1970)
                    if clockFit.resets > resets { log("the device clock jumped (the device restarted or its clock was reset); fitting it to the host clock again from here") }
                }
                return true
            }

            loop: while stopSignal == 0 {
                switch reader.next(timeoutSeconds: 0.25) {
                case .bytes(let b):
                    if warnedSilence { log("data flowing again"); warnedSilence = false }
                    guard record(b) else { break loop }
                    let lost = run.statsSoFar.framesLost
                    if lost > lastLost { log("\(lost - lastLost) frame\(lost - lastLost == 1 ? "" : "s") lost (gap recorded; \(lost) in all)"); lastLost = lost }
                case .idle(let seconds):
                    if seconds >= silenceWarning && !warnedSilence {
                        warnedSilence = true
                        log("no data from the device for \(Int(seconds)) s (stalled, asleep or out of range?); still listening")
                    }
                    if let stopAfterIdle, seconds >= stopAfterIdle { log("no data for \(Int(seconds)) s: stopping"); break loop }
                case .disconnected(let why):
                    log("device lost: \(why); reconnecting")
                case .connected(_, _):
                    log("reconnected (attempt \(reader.reconnects)) after \(String(format: "%.1f", reader.lastOutageSeconds)) s\(reader.lastReconnectByHotplug ? " (hotplug: the device announced itself)" : ""); the night continues")
                    // A leading 0x00 ends any partial frame from before the unplug (PROTOCOL.md section 1).
                    guard record([0]) else { break loop }
                case .log(let line):
                    log(line)
                }
                let now = Date()
                if captureStoppedAt == nil && now.timeIntervalSince(lastSync) >= fsyncInterval {
                    fsync(fd)
                    lastSync = now
                }
                if now.timeIntervalSince(lastProgress) >= 1 {
                    lastProgress = now
                    recorder?.progress(seconds: run.secondsSoFar, stats: run.statsSoFar)
                    if let r = recorder, r.failures > journalFailuresLogged {
                        journalFailuresLogged = r.failures
                        log("could not write to the journal: \(r.lastFailure ?? "?"). The capture keeps everything; the night is saved at the end if possible, or replay the capture later.")
                    }
                    let levels = run.lastSecondLevels
                    status.show(seconds: run.secondsSoFar, emgAboveRest: levels?.emgAboveRestMicrovolts, activity: levels?.activityG,
                                cramps: counts[.cramp, default: 0], legMovements: counts[.legMovement, default: 0],
                                interruptions: counts[.sleepInterruption, default: 0], framesLost: run.statsSoFar.framesLost,
                                recording: captureStoppedAt == nil)
                }
            }
            status.clear()
            if stopSignal != 0 { log("stopping (signal)") }
            let usb = reader.usbStats
            reader.stop()
            fsync(fd)
            close(fd)
            if let failure {
                complain(failure)
                complain("the capture \(capturePath) holds everything received; replay it with `crampwatch replay \(capturePath)`.")
                throw Exit.failure
            }
            if let usb, usb.stalls + usb.overflows > 0 {
                log("USB: \(usb.stalls) stall\(usb.stalls == 1 ? "" : "s") cleared, \(usb.overflows) overflow\(usb.overflows == 1 ? "" : "s")")
            }
            let result: NightResult
            do { result = try run.finish(sizeBytes: written) } catch {
                complain("\(error)")
                complain("nothing usable was received; the capture is \(capturePath).")
                throw Exit.failure
            }
            if let exporter, exporter.writer != nil {
                log("EDF+ recording: \(exporter.path) (\(exporter.annotations) annotations)")
            }
            // The night's wall-clock start from the device clock, once the fit has something to go on.
            let fit = clockFit.result
            var nightStart = startedAt
            var startSource = "monitor"
            if let fit, fit.points >= 2, let first = run.firstSampleDeviceMicros {
                nightStart = Date(timeIntervalSince1970: fit.hostSeconds(device: Double(first) / 1e6))
                startSource = "device"
                log(String(format: "device clock: %+.1f ppm against the host over %d windows, arrivals within %.1f ms of the fit (median)", fit.driftPPM, fit.points, fit.medianResidualMs))
            }
            if let stoppedAt = captureStoppedAt {
                log("the capture \(capturePath) stopped at byte \(stoppedAt) of \(received) received (disk full); the night below was detected from all of them.")
            }
            var nightID: Int64?
            if let recorder {
                do {
                    nightID = try recorder.complete(result, clock: fit, startedAt: nightStart, startSource: startSource)
                } catch {
                    complain("\(error)")
                    complain("the night was NOT saved; replay \(capturePath) later to save it.")
                }
            }
            if json {
                var out = NightJSON(result: result, nightID: nightID, journalPath: noJournal ? nil : journal.resolvedPath)
                if let fit { out.clock = .init(offset_s: fit.offsetSeconds, drift_ppm: fit.driftPPM, windows: fit.points, median_residual_ms: fit.medianResidualMs) }
                try printJSON(out)
            } else {
                var replay = try Replay.parse([capturePath])
                replay.journal = journal
                replay.printNight(result, nightID: nightID, startedAt: nightStart)
            }
        }
    }

    struct Devices: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists attached Crampwatch USB devices with serial, firmware, channels and rates.")
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            do {
                let ctx = try USBContext()
                defer { ctx.close() }
                let found = try ctx.devices()
                if found.isEmpty {
                    complain("no Crampwatch device (USB 1209:c4a3) is attached. Check the cable; without permission to open it, install the udev rule from the README.")
                    throw Exit.failure
                }
                for d in found {
                    var line = "\(d)"
                    if let dev = try? ctx.open(serial: d.serial), let info = try? { defer { dev.close() }; return try dev.readInfo() }() {
                        line += "  firmware \(info.firmwareString), \(info.emgChannels) EMG ch at \(info.emgRateHz) Hz, accel \(info.accelAxes) axes at \(info.accelRateHz) Hz, mains \(info.mainsHz) Hz"
                    }
                    print(line)
                }
            } catch let e as USBError {
                complain("\(e)")
                throw Exit.failure
            }
        }
    }
}

/// The monitor's one-line live status on a terminal, redrawn in place once a second:
/// how long it has recorded, the EMG level above rest and the movement, events so far, frames lost.
final class StatusLine {
    let enabled: Bool
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    func clear() {
        guard enabled, shown else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }

    func show(seconds: Double, emgAboveRest: Float?, activity: Float?, cramps: Int, legMovements: Int, interruptions: Int, framesLost: Int, recording: Bool) {
        guard enabled else { return }
        let s = Int(seconds)
        var parts = [String(format: "%d:%02d:%02d recorded", s / 3600, s / 60 % 60, s % 60)]
        if let e = emgAboveRest, e.isFinite { parts.append("EMG \(Int(e.rounded())) µV above rest") }
        if let a = activity, a.isFinite { parts.append(String(format: "motion %.2f g", a)) }
        parts.append("cramps \(cramps)")
        parts.append("leg movements \(legMovements)")
        parts.append("awake \(interruptions)×")
        parts.append("frames lost \(framesLost)")
        if !recording { parts.append("CAPTURE STOPPED (disk full)") }
        FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + parts.joined(separator: " · ")).utf8))
        shown = true
    }
}
