import ArgumentParser
import DeviceIO
import DeviceProtocol
import Foundation
import Journal
import Pipeline
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
        @OptionGroup var detector: DetectorOptions

        func validate() throws {
            if !(1...32).contains(transfers) { throw ValidationError("--transfers must be between 1 and 32.") }
            if let s = stopAfterIdle, s <= 0 { throw ValidationError("--stop-after-idle must be a positive number of seconds.") }
            if silenceWarning <= 0 { throw ValidationError("--silence-warning must be a positive number of seconds.") }
            if fsyncInterval <= 0 { throw ValidationError("--fsync-interval must be a positive number of seconds.") }
        }

        func log(_ line: String) {
            let f = DateFormatter()
            f.dateFormat = "HH:mm:ss"
            let text = "\(f.string(from: Date())) \(line)\n"
            if json { FileHandle.standardError.write(Data(text.utf8)) } else { FileHandle.standardOutput.write(Data(text.utf8)) }
        }

        func run() throws {
            // First thing: from here on Ctrl-C or SIGTERM ends the night cleanly instead of killing the process.
            signal(SIGINT) { _ in stopSignal = 1 }
            signal(SIGTERM) { _ in stopSignal = 1 }
            // A parent may have started us with these signals blocked (a thread pool's mask is inherited through
            // fork and exec): unblock them, or SIGTERM would stay pending all night and never stop us.
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, SIGINT)
            sigaddset(&unblock, SIGTERM)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
            let config: DetectorConfiguration
            do { config = try detector.resolve(journalPath: journal.resolvedPath) } catch {
                complain("\(error)")
                throw Exit.failure
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

            let address: DeviceAddress = serial.map { .serial(path: $0) } ?? .usb(serial: deviceSerial, productID: ProtocolV1.usbTestProductID)
            let reader = DeviceReader(address: address)
            reader.transfers = transfers
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
            run.onEvent = { e in
                let t = clock(e.onsetSeconds, startedAt)
                if e.isProvisional {
                    log("cramp started (provisional) at \(t) on channel \(e.channel + 1)")
                } else {
                    log("\(e.kind.rawValue) \(t), \(duration(e.durationSeconds))\(e.kind == .cramp ? ", peak \(Int(e.peakAboveRestMicrovolts)) µV above rest" : "")")
                }
            }
            var written: UInt64 = 0
            var lastSync = Date()
            var warnedSilence = false
            var lastLost = 0
            var failure: String?
            func record(_ bytes: [UInt8]) -> Bool {
                var off = 0
                while off < bytes.count {
                    let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = "\(capturePath): writing the capture failed: \(String(cString: strerror(errno))) (disk full?)"
                        return false
                    }
                    off += n
                }
                written += UInt64(bytes.count)
                do { try bytes.withUnsafeBytes { try run.feed($0) } } catch {
                    failure = "\(error)"
                    return false
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
                    log("reconnected (attempt \(reader.reconnects)); the night continues")
                    // A leading 0x00 ends any partial frame from before the unplug (PROTOCOL.md section 1).
                    guard record([0]) else { break loop }
                case .log(let line):
                    log(line)
                }
                if Date().timeIntervalSince(lastSync) >= fsyncInterval {
                    fsync(fd)
                    lastSync = Date()
                }
            }
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
            var nightID: Int64?
            if !noJournal {
                do {
                    let j = try Journal(path: journal.resolvedPath)
                    nightID = try NightStore.save(result, to: j, source: "monitor", startedAt: startedAt, startSource: "monitor")
                } catch {
                    complain("\(error)")
                    complain("the night was NOT saved; replay \(capturePath) later to save it.")
                }
            }
            if json {
                try printJSON(NightJSON(result: result, nightID: nightID, journalPath: noJournal ? nil : journal.resolvedPath))
            } else {
                var replay = try Replay.parse([capturePath])
                replay.journal = journal
                replay.printNight(result, nightID: nightID, startedAt: startedAt)
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
