import DeviceProtocol
import Foundation
import Ingest
import NightAnalysis
import Sessions
import SignalCore

/// A night in words, as `replay` and `monitor` print it: every figure from the night's summary.
enum NightText {
    static func lines(_ r: NightResult, nightID: Int64?, startedAt: Date?, journalPath: String,
                      startSource: String? = nil) -> [String] {
        let s = r.summary
        let d = r.deviceInfo
        var lines: [String] = []
        lines.append("Night\(nightID.map { " \($0)" } ?? "") — \(r.path): \(duration(s.durationSeconds)) from device "
                     + "\(d.serial), "
                     + (d.emgChannels > 0 ? "\(d.emgChannels) EMG channel\(d.emgChannels == 1 ? "" : "s") at "
                                            + "\(d.emgRateHz) Hz"
                                          : "accelerometer only (\(d.accelRateHz) Hz)"))
        lines.append("  " + start(startedAt, startSource))
        lines += cramps(r, s, startedAt: startedAt)
        if s.emgMeasured { lines.append(legMovements(s)) }
        if s.wakeMeasured {
            lines.append("  Sleep interruptions: \(s.sleepInterruptions), \(duration(s.wakeSeconds)) awake")
        }
        lines.append(sleep(s, startedAt: startedAt,
                           stagesIn: r.hypnogram == nil ? nil : r.hypnogramFile ?? "the recording"))
        if s.artifacts > 0 {
            lines.append("  Signal problems: \(s.artifacts) stretch\(s.artifacts == 1 ? "" : "es"), "
                         + "\(duration(s.artifactSeconds)) (electrode off, clipping or mains); no events were counted "
                         + "in them")
        }
        if s.gaps > 0 || s.corruptFrames > 0 {
            lines.append("  Data gaps: \(s.gaps) (\(s.framesLost) frame\(s.framesLost == 1 ? "" : "s") lost, "
                         + "\(duration(s.gapSeconds)) without data); \(s.corruptFrames) damaged "
                         + "frame\(s.corruptFrames == 1 ? "" : "s") skipped")
        }
        if let nightID { lines.append("Saved to \(journalPath) as night \(nightID).") }
        return lines
    }

    /// "Started 2026-11-24 23:10:00 (the monitor's clock)", or that nobody knows and the times below count from the
    /// first sample.
    static func start(_ startedAt: Date?, _ source: String?) -> String {
        guard let startedAt else {
            return sentence(Words.startUnknown) + "; the times below count from the recording's first sample."
        }
        return "Started \(Words.date(startedAt, "yyyy-MM-dd HH:mm:ss"))"
            + (source.map { " (\(Words.startSource($0)))" } ?? "")
    }

    static func cramps(_ r: NightResult, _ s: NightSummary, startedAt: Date?) -> [String] {
        let cramps = r.events.filter { $0.kind == .cramp }
        if !s.emgMeasured { return ["  Cramps and leg movements: not measured (\(NightSummary.notMeasuredNote))."] }
        if cramps.isEmpty { return ["  Cramps: none detected."] }
        var lines = ["  Cramps: \(cramps.count), \(duration(s.crampSeconds)) in all, longest "
                     + "\(duration(s.longestCrampSeconds))"
                     + (s.wakeMeasured ? "; \(s.crampsThatWoke) woke you."
                                       : " (whether they woke you was not measured).")]
        for c in cramps {
            let woke = r.woke(c) == true
            lines.append("    \(clock(c.onsetSeconds, startedAt))  \(duration(c.durationSeconds)), "
                         + "\(site(r.deviceInfo, c.channel)), peak \(Words.whole(c.peakAboveRestMicrovolts)) µV above "
                         + "rest\(woke ? " — woke you" : "")")
        }
        return lines
    }

    static func legMovements(_ s: NightSummary) -> String {
        guard s.wakeMeasured else {
            return "  Leg movements: \(s.legMovements) (periodic: \(s.periodicLegMovements), PLM index "
                + "\(format1(s.plmIndexPerHour)) per hour of recording: sleep was not measured)"
        }
        return "  Leg movements: \(s.legMovements) (periodic: \(s.periodicLegMovements) in sleep, PLMS index "
            + "\(format1(s.plmIndexPerHour)) per hour; \(s.periodicLegMovementsInWake) in wake, "
            + "PLMW index \(format1(s.plmwIndexPerHour)) per hour)"
    }

    /// The sleep figures in words, or that they were not measured (no accelerometer, no scored stages).
    /// `stagesIn`: where a lab's stages were read ("the recording", or the scoring file's path), when known.
    static func sleep(_ s: NightSummary, startedAt: Date?, stagesIn: String? = nil) -> String {
        guard s.wakeMeasured else {
            return "  Sleep and awakenings: not measured (\(NightSummary.wakeNotMeasuredNote))."
        }
        return "  Sleep: \(duration(s.totalSleepSeconds)) asleep of \(duration(s.durationSeconds)) recorded "
            + "(efficiency "
        + "\(Words.percent(s.sleepEfficiency))), "
            + "\(s.awakenings) awakening\(s.awakenings == 1 ? "" : "s"), \(duration(s.wasoSeconds)) awake after "
            + "falling asleep"
            + period(s, startedAt: startedAt, stagesIn: stagesIn)
    }

    /// Where the sleep figures come from, and the sleep period when there is one.
    static func period(_ s: NightSummary, startedAt: Date?, stagesIn: String?) -> String {
        let span = "\(clock(s.sleepWindowOnsetSeconds, startedAt))–\(clock(s.sleepWindowOffsetSeconds, startedAt))"
        switch s.sleepSource {
        case .scoredStages:
            let source = stagesIn.map { " (the stages in \($0))" } ?? ""
            return "; as the sleep lab scored it\(source), sleep period \(span)"
        case .accelerometer: return "; sleep period \(span)"
        case .wholeRecording where s.durationSeconds <= 1800:
            return " (recording too short to find the sleep period: all of it counted)"
        case .wholeRecording:
            return " (no sleep period found — no still half hour: all of it counted)"
        case .notMeasured: return ""
        }
    }
}

/// The text with its first letter a capital, to begin a line.
func sentence(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
