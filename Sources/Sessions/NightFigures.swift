import Foundation
import Journal
import NightAnalysis
import SignalCore

/// Stores the night analysis's figures with each night, so every reader shows the same numbers.
extension NightStore {
    /// The figures of a summary as the journal keeps them (EMG figures NULL when EMG was not measured; sleep and
    /// wake figures NULL when neither was).
    public static func figuresRecord(_ s: NightSummary, night: Int64,
                                     computedFrom: String = "saved") -> NightFiguresRecord {
        let emg = s.emgMeasured, wake = s.wakeMeasured
        return NightFiguresRecord(
            nightId: night, emgMeasured: emg, durationSeconds: s.durationSeconds,
            cramps: emg ? s.cramps : nil, crampSeconds: emg ? s.crampSeconds : nil,
            longestCrampSeconds: emg ? s.longestCrampSeconds : nil,
            crampsThatWoke: emg && wake ? s.crampsThatWoke : nil, legMovements: emg ? s.legMovements : nil,
            periodicLegMovements: emg ? s.periodicLegMovements : nil, plmIndexPerHour: emg ? s.plmIndexPerHour : nil,
            artifacts: emg ? s.artifacts : nil, artifactSeconds: emg ? s.artifactSeconds : nil,
            sleepInterruptions: wake ? s.sleepInterruptions : nil, wakeSeconds: wake ? s.wakeSeconds : nil,
            gaps: s.gaps,
            gapSeconds: s.gapSeconds,
            framesLost: s.framesLost, corruptFrames: s.corruptFrames,
            sleepWindowOnsetSeconds: wake ? s.sleepWindowOnsetSeconds : nil,
            sleepWindowOffsetSeconds: wake ? s.sleepWindowOffsetSeconds : nil,
            sleepWindowDetected: s.sleepWindowDetected, totalSleepSeconds: wake ? s.totalSleepSeconds : nil,
            wasoSeconds: wake ? s.wasoSeconds : nil, sleepEfficiency: wake ? s.sleepEfficiency : nil,
            awakenings: wake ? s.awakenings : nil, computedFrom: computedFrom,
            periodicLegMovementsInWake: emg && wake ? s.periodicLegMovementsInWake : nil,
            plmwIndexPerHour: emg && wake ? s.plmwIndexPerHour : nil, sleepSource: s.sleepSource.rawValue)
    }

    /// Nights saved by an older Crampwatch have events and gaps but no figures: the night analysis computes them
    /// from those rows (without the accelerometer's angles the sleep period is the whole recording) and they are
    /// stored, once. Returns how many nights were filled in.
    @discardableResult
    public static func fillMissingFigures(in journal: Journal) throws -> Int {
        let nights = try journal.nightsWithoutFigures()
        for n in nights {
            guard let id = n.id else { continue }
            let device = try n.deviceId.flatMap { try journal.device(id: $0) }
            let summary = NightSummary(events: try journal.events(night: id)
                                           .filter { !$0.provisional }.map(detectedEvent),
                                       gaps: try journal.gaps(night: id).map(nightGap),
                                       durationSeconds: n.durationSeconds,
                                       framesLost: n.framesLost, corruptFrames: n.corruptFrames,
                                       emgMeasured: device.map { $0.emgChannels > 0 } ?? true,
                                       accelMeasured: device.map { $0.accelAxes == 3 } ?? true)
            try journal.saveFigures(figuresRecord(summary, night: id, computedFrom: "rows"))
        }
        return nights.count
    }

    static func detectedEvent(_ e: EventRecord) -> DetectedEvent {
        DetectedEvent(kind: EventKind(rawValue: e.kind) ?? .muscleActivity, onsetSeconds: e.onsetSeconds,
                      offsetSeconds: e.offsetSeconds,
                      channel: e.channel ?? -1)
    }

    static func nightGap(_ g: GapRecord) -> NightGap {
        NightGap(onsetSeconds: g.onsetSeconds, offsetSeconds: g.offsetSeconds, framesLost: g.framesLost,
                 firstLostSequence: g.firstLostSequence.map { UInt32(truncatingIfNeeded: $0) },
                 emgSamplesLost: g.emgSamplesLost,
                 reason: g.reason)
    }
}

extension NightStore {
    /// The stored figures as the night analysis's summary (the shape `replay --json` prints).
    public static func summary(_ f: NightFiguresRecord) -> NightSummary {
        var s = NightSummary(events: [], gaps: [], durationSeconds: f.durationSeconds, framesLost: f.framesLost,
                             corruptFrames: f.corruptFrames, emgMeasured: f.emgMeasured)
        s.cramps = f.cramps ?? 0
        s.crampSeconds = f.crampSeconds ?? 0
        s.longestCrampSeconds = f.longestCrampSeconds ?? 0
        s.crampsThatWoke = f.crampsThatWoke ?? 0
        s.legMovements = f.legMovements ?? 0
        s.periodicLegMovements = f.periodicLegMovements ?? 0
        s.plmIndexPerHour = f.plmIndexPerHour ?? 0
        s.periodicLegMovementsInWake = f.periodicLegMovementsInWake ?? 0
        s.plmwIndexPerHour = f.plmwIndexPerHour ?? 0
        s.artifacts = f.artifacts ?? 0
        s.artifactSeconds = f.artifactSeconds ?? 0
        s.sleepInterruptions = f.sleepInterruptions ?? 0
        s.wakeSeconds = f.wakeSeconds ?? 0
        s.gaps = f.gaps
        s.gapSeconds = f.gapSeconds
        s.sleepWindowOnsetSeconds = f.sleepWindowOnsetSeconds ?? 0
        s.sleepWindowOffsetSeconds = f.sleepWindowOffsetSeconds ?? f.durationSeconds
        s.sleepWindowDetected = f.sleepWindowDetected
        s.sleepSource = f.sleepSource.flatMap(SleepSource.init(rawValue:))
            ?? (f.sleepWindowDetected ? .accelerometer : .wholeRecording)
        s.totalSleepSeconds = f.totalSleepSeconds ?? 0
        s.wasoSeconds = f.wasoSeconds ?? 0
        s.sleepEfficiency = f.sleepEfficiency ?? 0
        s.awakenings = f.awakenings ?? 0
        return s
    }
}
