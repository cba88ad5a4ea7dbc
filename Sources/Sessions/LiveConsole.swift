import Foundation
import DeviceProtocol
import Exports
import NightAnalysis
import Recordings
import SignalCore

/// The monitor's voice on a terminal: timestamped log lines, and a one-line live status redrawn in place
/// once a second. With `--json` the lines go to stderr, so stdout holds only the JSON.
public final class LiveConsole {
    let status: StatusLine
    let linesToStderr: Bool

    public init(statusLine: Bool, linesToStderr: Bool) {
        status = StatusLine(enabled: statusLine)
        self.linesToStderr = linesToStderr
    }

    public func log(_ line: String) {
        status.clear()
        let text = "\(Words.date(Date(), "HH:mm:ss")) \(line)\n"
        (linesToStderr ? FileHandle.standardError : FileHandle.standardOutput).write(Data(text.utf8))
    }

    public func clearStatus() { status.clear() }
}

/// Logs each event as the detector emits it and counts them for the status line.
final class LiveEventLog: NightObserver {
    let console: LiveConsole
    let startedAt: Date
    private(set) var counts: [EventKind: Int] = [:]

    init(console: LiveConsole, startedAt: Date) {
        self.console = console
        self.startedAt = startedAt
    }

    func event(_ e: DetectedEvent) throws {
        let t = Words.clock(e.onsetSeconds, startedAt)
        if e.isProvisional {
            console.log("cramp started (provisional) at \(t) on channel \(e.channel + 1)")
            return
        }
        counts[e.kind, default: 0] += 1
        let peak = e.kind == .cramp ? ", peak \(Words.whole(e.peakAboveRestMicrovolts)) µV above rest" : ""
        console.log("\(e.kind.rawValue) \(t), \(Words.duration(e.durationSeconds))\(peak)")
    }
}

/// The one-line live status, redrawn in place once a second: how long it has recorded, the EMG level above rest
/// and the movement, events so far, frames lost.
final class StatusLine {
    let enabled: Bool
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    func clear() {
        guard enabled, shown else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }

    struct Figures {
        var seconds: Double
        var emgAboveRest: Float?, activity: Float?
        var counts: [EventKind: Int]
        var framesLost: Int
        var recording: Bool
    }

    func show(_ f: Figures) {
        guard enabled else { return }
        let s = f.seconds.isFinite ? Int(min(max(0, f.seconds), 1e9)) : 0
        var parts = [String(format: "%d:%02d:%02d recorded", s / 3600, s / 60 % 60, s % 60)]
        if let e = f.emgAboveRest, e.isFinite { parts.append("EMG \(Words.whole(e)) µV above rest") }
        if let a = f.activity, a.isFinite { parts.append(String(format: "motion %.2f g", a)) }
        parts.append("cramps \(f.counts[.cramp, default: 0])")
        parts.append("leg movements \(f.counts[.legMovement, default: 0])")
        parts.append("awake \(f.counts[.sleepInterruption, default: 0])×")
        parts.append("frames lost \(f.framesLost)")
        if !f.recording { parts.append("CAPTURE STOPPED (disk full)") }
        FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + parts.joined(separator: " · ")).utf8))
        shown = true
    }
}
