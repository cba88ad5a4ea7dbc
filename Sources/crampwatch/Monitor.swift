import ArgumentParser
import DeviceIO
import DeviceProtocol
import Foundation
import Journal
import CrampwatchJSON
import Exports
import Ingest
import NightAnalysis
import Sessions
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
                flushed, the night saved to the journal and its summary printed, and the exit status is 0.

                With --wait-for-device (as the nightly service runs it) a device not yet plugged in is waited for \
                (with --cyton: its dongle's port, and the board's answer), however long it takes, instead of \
                ending with status 1; a stop before it arrives records nothing and also exits with 0.
                """
        )

        @OptionGroup var cyton: CytonOptions
        @Option(help: ArgumentHelp("Read a CDC-ACM serial device instead of USB bulk.",
                                   valueName: "path")) var serial: String?
        @Option(name: .customLong("device-serial"), help: ArgumentHelp("Only the USB device with this serial number.",
                                                                       valueName: "serial")) var deviceSerial: String?
        @Option(help: ArgumentHelp("Where to write the raw capture (created 0600). Default: "
                                   + "crampwatch-<date-time>.cwcap here. Its wall-clock times (the host's clock at the "
                                   + "start, its zone, the device clock's fit) go beside it in <file>.times.json.",
                                   valueName: "file")) var capture: String?
        @OptionGroup var journal: JournalOptions
        @OptionGroup var minimumNight: MinimumNightOption
        @Flag(name: .customLong("no-journal"),
              help: "Detect and print only; do not save the night.") var noJournal = false
        @Flag(help: "Print the night as one JSON object at the end (live notices go to stderr).") var json = false
        @Flag(name: .customLong("wait-for-device"),
              help: ArgumentHelp("If no device is plugged in, wait for one (libusb hotplug, polling underneath; "
                                 + "with --cyton, polling the port) instead of stopping with status 1."))
        var waitForDevice = false
        @Option(help: ArgumentHelp("Bulk-IN transfers kept in flight (1 to 32).", valueName: "count")) var transfers = 4
        @Option(name: .customLong("stop-after-idle"),
                help: ArgumentHelp("Stop when no data arrived for this long (end of a recording). Default: never.",
                                   valueName: "seconds")) var stopAfterIdle: Double?
        @Option(name: .customLong("silence-warning"),
                help: ArgumentHelp("Log a line when the device has sent nothing for this long.",
                                   valueName: "seconds")) var silenceWarning = 5.0
        @Option(name: .customLong("fsync-interval"), help: ArgumentHelp("How often the capture is forced to disk.",
                                                                        valueName: "seconds")) var fsyncInterval = 10.0
        // For tests: a night killed before the first two-minute rewrite would not show that the times file is kept.
        @Option(name: .customLong("times-interval"),
                help: ArgumentHelp("How often the capture's times file is rewritten.", valueName: "seconds",
                                   visibility: .hidden)) var timesInterval = 120.0
        @Option(name: .customLong("write-edf"),
                help: ArgumentHelp("Also record the night as EDF+ (16-bit, mode 0600) with each event as an "
                                   + "annotation, written as it streams; a killed night is repaired with `crampwatch "
                                   + "repair`.", valueName: "path")) var writeEDF: String?
        @Option(name: .customLong("write-bdf"),
                help: ArgumentHelp("The same as --write-edf, as 24-bit BDF+.", valueName: "path")) var writeBDF: String?
        @Flag(name: .customLong("no-status"),
              help: "On a terminal, do not show the one-line live status (log lines only).") var noStatus = false
        @Option(name: .customLong("emg-rate"),
                help: ArgumentHelp("Ask the device to sample EMG at this rate (CONFIGURE; 250 to 4000 Hz). Default: "
                                   + "its own.", valueName: "Hz")) var emgRate: Int?
        @Option(name: .customLong("accel-rate"),
                help: ArgumentHelp("Ask the device to sample its accelerometer at this rate (25 to 200 Hz).",
                                   valueName: "Hz")) var accelRate: Int?
        @Option(name: .customLong("mains"), help: ArgumentHelp("Tell the device the mains frequency here: 50, 60, or 0 "
                                                               + "to detect it.", valueName: "Hz")) var mains: Int?
        @Option(name: .customLong("emg-channels"),
                help: ArgumentHelp("Ask the device to record this many EMG channels (1 to 4).",
                                   valueName: "count")) var emgChannels: Int?

        var deviceSettings: DeviceSettings { DeviceSettings(emgRateHz: emgRate, accelRateHz: accelRate, mainsHz: mains,
                                                            emgChannels: emgChannels) }
        @OptionGroup var detector: DetectorOptions

        func validate() throws {
            if !(1...32).contains(transfers) { throw ValidationError("--transfers must be between 1 and 32.") }
            if let s = stopAfterIdle, s <= 0 {
                throw ValidationError("--stop-after-idle must be a positive number of seconds.")
            }
            if silenceWarning <= 0 { throw ValidationError("--silence-warning must be a positive number of seconds.") }
            if fsyncInterval <= 0 { throw ValidationError("--fsync-interval must be a positive number of seconds.") }
            if !(timesInterval >= 1 && timesInterval <= 3600) {
                throw ValidationError("--times-interval must be between 1 and 3600 seconds.")
            }
            if writeEDF != nil && writeBDF != nil {
                throw ValidationError("Give --write-edf or --write-bdf, not both.")
            }
            if let problem = deviceSettings.problem { throw ValidationError("The device cannot do that: \(problem).") }
            if cyton.cyton != nil {
                _ = try cyton.settings
                if serial != nil || deviceSerial != nil || !deviceSettings.isEmpty {
                    throw ValidationError("--cyton reads an OpenBCI board: --serial, --device-serial, --emg-rate, "
                                          + "--accel-rate, --mains and --emg-channels are for the Crampwatch device.")
                }
            }
        }

        func run() throws {
            installStopSignals()
            let console = LiveConsole(statusLine: !json && !noStatus && isatty(STDOUT_FILENO) == 1, linesToStderr: json)
            let config: DetectorConfiguration
            do { config = try detector.resolve(journalPath: journal.resolvedPath) } catch {
                complain(error)
                throw Exit.failure
            }
            let liveJournal = try openJournal(console)
            let capture: CaptureFile
            do { capture = try CaptureFile(path: capturePath(Date()), fsyncIntervalSeconds: fsyncInterval) } catch {
                complain(error)
                throw Exit.failure
            }
            guard let reader = try cyton.cyton != nil
                    ? connectCyton(capturePath: capture.path, console: console, onFailure: capture.discard)
                    : connect(capturePath: capture.path, console: console, onFailure: capture.discard)
            else {
                capture.discard()
                console.log("stopping (signal) before a device was plugged in: nothing was recorded")
                return
            }
            // The night begins when the device does: with --wait-for-device that may be hours after the launch.
            let startedAt = Date()
            let recorder = liveJournal.map { LiveNightRecorder(journal: $0, capturePath: capture.path,
                                                               configuration: config, startedAt: startedAt) }
            let exporter = (writeEDF ?? writeBDF).map {
                EDFNightWriter(path: $0, bdf: writeBDF != nil,
                               start: EDFStartTime(unixSeconds: startedAt.timeIntervalSince1970.rounded(.down)))
            }
            let session = LiveSession(reader: reader, capture: capture, configuration: config, recorder: recorder,
                                      observers: exporter.map { [$0] } ?? [], console: console, startedAt: startedAt,
                                      settings: .init(silenceWarningSeconds: silenceWarning,
                                                      stopAfterIdleSeconds: stopAfterIdle,
                                                      timesIntervalSeconds: timesInterval,
                                                      minimumNight: minimumNight.rule),
                                      cyton: cyton.cyton != nil)
            session.record(until: { stopSignal != 0 })
            if stopSignal != 0 { console.log("stopping (signal)") }
            let outcome: LiveSession.Outcome
            do { outcome = try session.finish() } catch {
                complain(error)
                throw Exit.failure
            }
            if let exporter, exporter.writer != nil {
                console.log("EDF+ recording: \(exporter.path) (\(exporter.annotations) annotations)")
            }
            if let why = outcome.saveFailure { complain(why) }
            try report(outcome)
        }

        /// From here on Ctrl-C or SIGTERM ends the night cleanly instead of killing the process.
        private func installStopSignals() {
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
        }

        /// The journal, with nights left unfinished by a killed monitor finished from their captures first.
        private func openJournal(_ console: LiveConsole) throws -> Journal? {
            guard !noJournal else { return nil }
            do {
                let j = try Journal(path: journal.resolvedPath)
                for outcome in try LiveNightRecovery.recover(journal: j, minimum: minimumNight.rule) {
                    console.log(outcome.message)
                }
                return j
            } catch {
                complain(error)
                complain("cannot use the journal, so nothing would be saved. Fix the problem above, or run with "
                         + "--no-journal to record the capture only.")
                throw Exit.failure
            }
        }

        /// Absolute, so that whatever stores it (the journal, even when it saves the night only at the end) names
        /// the file for a command run elsewhere (`captures prune` in the morning has another working directory).
        private func capturePath(_ startedAt: Date) -> String {
            let path = capture ?? "crampwatch-\(Words.date(startedAt, "yyyyMMdd-HHmmss")).cwcap"
            return path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        }

        /// The reader, streaming; nil when a stop signal came while waiting for the device.
        private func connect(capturePath: String, console: LiveConsole, onFailure: () -> Void) throws -> LiveReader? {
            let address: DeviceAddress = serial.map { .serial(path: $0) }
                ?? .usb(serial: deviceSerial, productID: ProtocolV1.usbTestProductID)
            let reader = DeviceReader(address: address)
            reader.transfers = transfers
            reader.settings = deviceSettings
            do {
                let connected: DeviceInfo?
                if waitForDevice {
                    guard case .connected(let info, let waited, let hotplug) = waitForTheDevice(reader, console)
                    else { return nil }
                    if waited > 0 {
                        console.log("the device was plugged in after \(String(format: "%.1f", waited)) s of waiting"
                                    + (hotplug ? " (hotplug: the device announced itself)" : ""))
                    }
                    connected = info
                } else {
                    connected = try reader.connect()
                }
                if let info = connected {
                    console.log("connected to \(info.serial), firmware \(info.firmwareString), \(info.emgChannels) EMG "
                                + "channel\(info.emgChannels == 1 ? "" : "s") at \(info.emgRateHz) Hz, accelerometer "
                                + "at \(info.accelRateHz) Hz; recording to \(capturePath)")
                } else {
                    console.log("opened \(serial ?? "?"); recording to \(capturePath)")
                }
            } catch {
                onFailure()
                complain(error, "cannot start monitoring")
                throw Exit.failure
            }
            return reader
        }

        /// The Cyton's reader, set up and streaming; a board that cannot be used ends the command with what to do.
        private func connectCyton(capturePath: String, console: LiveConsole, onFailure: () -> Void) throws
            -> LiveReader? {
            guard let port = cyton.cyton else { return nil }
            let settings = try cyton.settings
            let reader = CytonReader(path: port, settings: settings)
            do {
                let board: Cyton.BoardText
                if waitForDevice {
                    guard case .connected(let text, let waited) = waitForTheCyton(reader, console) else { return nil }
                    if waited > 0 {
                        console.log("the Cyton answered after \(String(format: "%.1f", waited)) s of waiting")
                    }
                    board = text
                } else {
                    board = try reader.connect()
                }
                console.log("connected to an OpenBCI Cyton on \(port) (firmware \(board.firmware ?? "unknown")), "
                            + "EMG on channel\(settings.channels.count == 1 ? "" : "s") "
                            + "\(settings.channels.map(String.init).joined(separator: ", ")) at gain \(settings.gain), "
                            + "250 Hz, accelerometer 25 Hz; recording to \(capturePath)")
            } catch {
                onFailure()
                complain(error, "cannot start monitoring")
                throw Exit.failure
            }
            return reader
        }

        /// As `waitForTheDevice`, for the Cyton's dongle: its port may not exist yet, or the board be switched off.
        private func waitForTheCyton(_ reader: CytonReader, _ console: LiveConsole) -> CytonReader.Arrival {
            var first = true
            return reader.connectWhenPresent(until: { stopSignal != 0 }, waiting: { error in
                let why = (error as? SerialError)?.errno == ENOENT ? "" : " (\(error))"
                console.log(first ? "waiting for the Cyton's dongle at \(reader.path) to be plugged in\(why); Ctrl-C "
                                  + "or SIGTERM ends the wait" : "still waiting: \(error)")
                first = false
            })
        }

        /// Says once that it waits, and again only for a new reason (a device there that cannot be used yet).
        private func waitForTheDevice(_ reader: DeviceReader, _ console: LiveConsole) -> DeviceReader.Arrival {
            var first = true
            return reader.connectWhenPresent(until: { stopSignal != 0 }, waiting: { error in
                let absent = (error as? USBError)?.isNotFound == true || (error as? SerialError)?.errno == ENOENT
                let device = serial
                    ?? "a Crampwatch device (USB 1209:c4a3\(deviceSerial.map { ", serial \($0)" } ?? ""))"
                let why = absent ? "" : " (\(error))"
                console.log(first ? "waiting for \(device) to be plugged in\(why); Ctrl-C or SIGTERM ends the wait"
                                  : "still waiting: \(error)")
                first = false
            })
        }

        private func report(_ o: LiveSession.Outcome) throws {
            if json {
                var out = NightJSON(result: o.result, nightID: o.nightID,
                                    journalPath: noJournal ? nil : journal.resolvedPath, startedAt: o.start,
                                    startSource: o.startSource)
                if let fit = o.clock {
                    out.clock = .init(offset_s: fit.offsetSeconds, drift_ppm: fit.driftPPM, windows: fit.points,
                                      median_residual_ms: fit.medianResidualMs)
                }
                try printJSON(out)
            } else {
                print(NightText.lines(o.result, nightID: o.nightID, startedAt: o.start,
                                      journalPath: journal.resolvedPath, startSource: o.startSource)
                          .joined(separator: "\n"))
            }
        }
    }

    struct Devices: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists attached Crampwatch USB devices with serial, "
                                                                  + "firmware, channels and rates, and OpenBCI "
                                                                  + "dongles with their serial port.")
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            var lines: [String] = []
            let found = Attached.look { ctx, d in
                var line = "\(d)"
                if let dev = try? ctx.open(serial: d.serial),
                   let info = try? { defer { dev.close() }; return try dev.readInfo() }() {
                    line += "  firmware \(info.firmwareString), \(info.emgChannels) EMG ch at \(info.emgRateHz) "
                            + "Hz, accel \(info.accelAxes) axes at \(info.accelRateHz) Hz, mains \(info.mainsHz) Hz"
                }
                lines.append(line)
            }
            // OpenBCI Cyton dongles first: they need no libusb (`monitor --cyton <port>` reads them).
            for d in found.dongles { print("\(d)  (crampwatch monitor --cyton \(d.port))") }
            if let problem = found.usbProblem, found.dongles.isEmpty {
                complain("\(problem)")
                throw Exit.failure
            }
            if found.usb.isEmpty && found.dongles.isEmpty {
                complain("no Crampwatch device (USB 1209:c4a3) and no OpenBCI dongle (FTDI 0403:6015) is "
                         + "attached. Check the cable (and the dongle's switch); without permission to open it, "
                         + "install the udev rule from the README.")
                throw Exit.failure
            }
            for line in lines { print(line) }
        }
    }
}
