import DeviceProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How the Cyton's channels are set for EMG (docs/cyton.md#channel-settings): the night's channels on, the others
/// powered down, each with the ADS1299's channel-setting command `x N P G I B S2 S1 X`.
public struct CytonSettings: Sendable, Equatable {
    /// The ADS1299's input types, by the code the command takes.
    public enum Input: Int, Sendable, CaseIterable {
        case normal = 0, shorted, biasMeasure, mvdd, temperature, testSignal, biasDrp, biasDrn

        public init?(name: String) {
            guard let i = Self.allCases.first(where: { "\($0)".lowercased() == name.lowercased() }) else { return nil }
            self = i
        }
    }

    /// The board's channels (1-8) that are the night's EMG channels, in order.
    public var channels: [Int] = [1, 2]
    public var gain = 24
    public var input = Input.normal
    /// Include the channels in the bias (driven reference) derivation.
    public var bias = true
    /// SRB2 connects the channel's N input to the common reference; off for bipolar EMG (each channel is its own
    /// P-N pair over the muscle).
    public var srb2 = false
    /// SRB1 connects every N input to the common reference (a board-wide setting; off for bipolar EMG).
    public var srb1 = false

    public init() {}

    /// What is wrong with the settings, for a person; nil when they can be used.
    public var problem: String? {
        if channels.isEmpty || channels.count > 4 { return "give 1 to 4 channels (the detector takes at most 4)" }
        if !channels.allSatisfy({ (1...8).contains($0) }) { return "the Cyton's channels are 1 to 8" }
        if Set(channels).count != channels.count { return "a channel is named twice" }
        if !Cyton.gains.contains(gain) { return "the ADS1299's gains are 1, 2, 4, 6, 8, 12 and 24, not \(gain)" }
        return nil
    }

    /// The channel-setting commands: the night's channels on with these settings, the others powered down.
    public var commands: [String] {
        let g = Cyton.gains.firstIndex(of: gain) ?? 6
        return (1...8).map { ch in
            // Powered down, at the board's default gain (24), out of bias and SRB2.
            guard channels.contains(ch) else { return "x\(ch)160000X" }
            return "x\(ch)0\(g)\(input.rawValue)\(bias ? 1 : 0)\(srb2 ? 1 : 0)\(srb1 ? 1 : 0)X"
        }
    }
}

/// Keeps a Cyton streaming all night through its dongle (an FTDI serial port, 115200 8N1): the text handshake
/// (`s`, then `v` and the board's text up to `$$$`, the channel settings, `b`), then the dongle's bytes as
/// `CytonCapture` records. A hang-up is an unplug: it reconnects with backoff, handshakes again, and the gap's
/// record says for how long, by the host's clock (the board restarts its packet numbering).
public final class CytonReader {
    public let path: String
    public let settings: CytonSettings
    /// How long to wait for the board's `$$$` after `v`.
    public var handshakeSeconds = 4.0
    private var port: SerialPort?
    private var pending: [UInt8] = []
    /// When bytes last came: an outage starts there.
    private var lastBytesAt = Date()
    private var idleSince = Date()
    /// When a lost device is tried again; its delays can be set before streaming.
    public let backoff = ReconnectBackoff()
    public var reconnects: Int { backoff.reconnects }
    /// From the last bytes before the unplug to the reconnect, by the host's clock.
    public var lastOutageSeconds: Double { backoff.lastOutageSeconds }
    public let lastReconnectByHotplug = false
    /// What the board said after `v`.
    public private(set) var board: Cyton.BoardText?

    public init(path: String, settings: CytonSettings) {
        self.path = path
        self.settings = settings
    }

    /// Opens the port, sets the board up and starts it; the capture's header is the first bytes `next` returns.
    /// Throws a `DeviceError` a person can act on (no answer, a Daisy, a refused setting).
    @discardableResult
    public func connect() throws -> Cyton.BoardText {
        let p = try SerialPort(path: path, baud: speed_t(B115200))
        do {
            let text = try handshake(p)
            if board == nil {
                pending = CytonCapture.Header(port: path, channels: settings.channels, gain: settings.gain,
                                              firmware: text.firmware).bytes
            }
            board = text
            try p.write(Array("b".utf8))
            port = p
            lastBytesAt = Date()
            idleSince = Date()
            return text
        } catch {
            p.close()
            throw error
        }
    }

    /// What ``connectWhenPresent(until:waiting:)`` came to.
    public enum Arrival: Sendable, Equatable {
        /// Set up and streaming: what the board said, and how long it was waited for (0 when it was there at once).
        case connected(Cyton.BoardText, waitedSeconds: Double)
        /// `stop` said so before a board could be used.
        case stopped
    }

    /// As `connect`, but a dongle not plugged in yet (no port at `path`), or a board not answering yet (switched
    /// off), is waited for, as the nightly service does for our own device: tried again with backoff up to
    /// `backoff.maxSeconds` (a serial port has no hotplug event to wait on), saying each new reason through
    /// `waiting` once.
    public func connectWhenPresent(until stop: () -> Bool, waiting: (any Error) -> Void) -> Arrival {
        var wait = PresenceWait(backoff)
        while !stop() {
            do {
                let text = try connect()
                return .connected(text, waitedSeconds: wait.waitedSeconds)
            } catch {
                if wait.failed(error) { waiting(error) }
            }
            let absent = !FileManager.default.fileExists(atPath: path)
            let deadline = Date(timeIntervalSinceNow: wait.delaySeconds)
            while !stop() && deadline.timeIntervalSinceNow > 0 {
                // The port appearing ends the wait early: a dongle just plugged in is tried at once.
                if absent && FileManager.default.fileExists(atPath: path) { break }
                Thread.sleep(forTimeInterval: max(0, min(0.1, deadline.timeIntervalSinceNow)))
            }
            wait.waited(arrived: false)
        }
        return .stopped
    }

    private func handshake(_ p: SerialPort) throws -> Cyton.BoardText {
        // A board left streaming by a program that died would bury the answer in packets: stop it first.
        try p.write(Array("s".utf8))
        _ = read(p, untilPrompt: false, seconds: 0.2)
        try p.write(Array("v".utf8))
        let text = Cyton.BoardText(read(p, untilPrompt: true, seconds: handshakeSeconds))
        guard text.isComplete else {
            let said = text.text.isEmpty ? "nothing" : "\"\(text.text.suffix(80))\""
            throw DeviceError("\(path): the Cyton did not answer its reset (`v`; it said \(said)). Is the board "
                              + "switched on (PC), and the dongle's switch on GPIO6? Switch the board off and on, "
                              + "then try again.")
        }
        if text.hasDaisy {
            throw DeviceError("\(path): a Daisy module is attached (16 channels at 125 Hz each). Crampwatch reads "
                              + "the Cyton alone at 250 Hz, which EMG needs: take the Daisy off and try again.")
        }
        for command in settings.commands {
            try p.write(Array(command.utf8))
            let answer = read(p, untilPrompt: true, seconds: 1.5)
            if answer.contains("Failure") || !answer.hasSuffix("$$$") {
                throw DeviceError("\(path): the Cyton refused the channel setting \(command) (it said "
                                  + "\"\(answer.suffix(80))\"). Check --cyton-gain and --cyton-input; a firmware "
                                  + "older than v2 does not take channel settings.")
            }
        }
        return text
    }

    /// The board's text until `$$$` (or for `seconds` when not waiting for it).
    private func read(_ p: SerialPort, untilPrompt: Bool, seconds: Double) -> String {
        var text: [UInt8] = []
        let end = Date(timeIntervalSinceNow: seconds)
        while end.timeIntervalSinceNow > 0 {
            if case .bytes(let b) = p.next(timeoutSeconds: min(0.05, max(0, end.timeIntervalSinceNow))) {
                text += b
                if untilPrompt && text.suffix(3) == Array("$$$".utf8) { break }
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Waits up to `timeoutSeconds` and reports what happened; reconnects by itself.
    public func next(timeoutSeconds: Double) -> ReaderEvent {
        if !pending.isEmpty {
            defer { pending = [] }
            return .bytes(pending)
        }
        guard let port else { return reconnect(timeoutSeconds: timeoutSeconds) }
        switch port.next(timeoutSeconds: timeoutSeconds) {
        case .bytes(let b):
            lastBytesAt = Date()
            idleSince = lastBytesAt
            return .bytes(CytonCapture.bytesRecord(b))
        case .idle:
            return .idle(seconds: Date().timeIntervalSince(idleSince))
        case .disconnected(let why):
            port.close()
            self.port = nil
            backoff.lost(since: lastBytesAt)
            return .disconnected(why)
        }
    }

    /// A serial port has no hotplug event: the reconnect polls on ``ReconnectBackoff``'s schedule alone.
    private func reconnect(timeoutSeconds: Double) -> ReaderEvent {
        guard backoff.waitForAttempt(atMost: timeoutSeconds) else {
            return .idle(seconds: Date().timeIntervalSince(idleSince))
        }
        do {
            try connect()
            backoff.reconnected()
            return .connected(nil, reconnect: true)
        } catch {
            if backoff.failedFirstTime() { return .log("waiting for the Cyton's dongle to come back (\(error))") }
            return .idle(seconds: Date().timeIntervalSince(idleSince))
        }
    }

    /// The gap's record: from the last bytes before the unplug to the first after, by the host's clock.
    public var reconnectMarker: [UInt8] { CytonCapture.gapRecord(micros: UInt64(lastOutageSeconds * 1e6)) }

    /// Sends `s` (best effort) and closes the port.
    public func stop() {
        if let port {
            try? port.write(Array("s".utf8))
            port.close()
        }
        port = nil
    }
}
