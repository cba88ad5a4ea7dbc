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
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss"
        status.clear()
        let text = "\(f.string(from: Date())) \(line)\n"
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

/// Times and durations in words, the same in every line a person reads.
public enum Words {
    /// A figure as a whole number ("347"); one no night can have (not finite, or beyond ±1e15, e.g. a row changed
    /// by hand in the journal) is shown as what it is ("infinity", "NaN", "1e300"), never a trap.
    public static func whole(_ v: Double) -> String {
        v.isFinite && abs(v) < 1e15 ? String(Int(v.rounded())) : InputBounds.readable(v)
    }

    public static func whole(_ v: Float) -> String { whole(Double(v)) }

    /// A fraction as a whole percentage ("66 %").
    public static func percent(_ fraction: Double) -> String { "\(whole(fraction * 100)) %" }

    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e12 else { return "\(InputBounds.readable(seconds)) s" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return s % 60 == 0 ? "\(s / 60) min" : "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \((s % 3600) / 60) min"
    }

    /// A moment of the night: the clock time when the start is known, else the time since the start.
    public static func clock(_ offset: Double, _ start: Date?) -> String {
        // No night lasts a billion seconds: such a time is shown as the number it is.
        guard offset.isFinite, abs(offset) < 1e9 else { return "+\(InputBounds.readable(offset)) s" }
        if let start {
            let f = DateFormatter()
            f.dateFormat = "HH:mm:ss"
            return f.string(from: start.addingTimeInterval(offset))
        }
        let s = Int(offset)
        return String(format: "+%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60)
    }
}
