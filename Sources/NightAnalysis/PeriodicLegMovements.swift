import SignalCore

/// Which cramps woke the sleeper, and which leg movements form periodic series (WASM 2016).
extension NightSummary {
    /// Whether the sleeper woke during or right after the cramp: a wake bout (`wakeBouts`) beginning from 5 s before
    /// its onset to a minute after its end.
    public static func woke(_ cramp: DetectedEvent, _ wakes: [DetectedEvent]) -> Bool {
        wakes.contains { $0.onsetSeconds >= cramp.onsetSeconds - 5 && $0.onsetSeconds <= cramp.offsetSeconds + 60 }
    }

    /// The wake bouts a cramp may have woken the sleeper into: with a lab's scored stages, its wake runs of at least
    /// `wakeMinSeconds` (what the lab saw, which a leg does not); else the detected sleep interruptions. The night's
    /// `crampsThatWoke` and each cramp's `woke` both use these, so every place says the same.
    public static func wakeBouts(events: [DetectedEvent], hypnogram: Hypnogram?,
                                 wakeMinSeconds: Double) -> [DetectedEvent] {
        guard let hypnogram, !hypnogram.sleep.isEmpty else { return events.filter { $0.kind == .sleepInterruption } }
        return Hypnogram.runs(hypnogram.wake).filter { $0.offset - $0.onset >= wakeMinSeconds - 1e-6 }.map {
            DetectedEvent(kind: .sleepInterruption, onsetSeconds: $0.onset, offsetSeconds: $0.offset)
        }
    }

    /// Runs of ≥ 4 consecutive leg movements whose onsets are 10–90 s apart (WASM 2016, rule for periodic
    /// leg movements): an interval under 10 s or over 90 s ends the run, and the movement after it may begin
    /// the next one. Built from every leg movement, asleep or awake: whether a periodic movement is PLMS or
    /// PLMW depends on where its onset falls (`periodicIndices`). Movements on two channels whose activity
    /// overlaps or is less than 0.5 s apart are already one movement: the detector's episode follows the
    /// strongest channel and ends only after 0.5 s below the offset level on all of them.
    ///
    /// `breakers` are the muscle bursts longer than a leg movement's 10 s among them (cramps): WASM 2016 counts
    /// such a burst as a leg movement that is no candidate for a periodic one, and it ends the series it falls in;
    /// the next movement may begin another.
    public static func periodicSeries(_ lms: [DetectedEvent], breakers: [DetectedEvent] = []) -> [[DetectedEvent]] {
        var series: [[DetectedEvent]] = []
        var run: [DetectedEvent] = []
        let long = breakers.filter { $0.durationSeconds > longestLegMovementSeconds }
        let ordered = (lms.map { ($0, false) } + long.map { ($0, true) })
            .sorted { $0.0.onsetSeconds < $1.0.onsetSeconds }
        for (event, breaks) in ordered {
            if breaks {
                if run.count >= 4 { series.append(run) }
                run = []
                continue
            }
            if let last = run.last {
                let interval = event.onsetSeconds - last.onsetSeconds
                if interval >= 10 && interval <= 90 {
                    run.append(event)
                    continue
                }
                if run.count >= 4 { series.append(run) }
            }
            run = [event]
        }
        if run.count >= 4 { series.append(run) }
        return series
    }

    /// WASM 2016's longest leg movement on one leg: a longer burst is no candidate for a periodic one.
    public static let longestLegMovementSeconds = 10.0

    /// Periodic leg movements in sleep (PLMS) and in wake (PLMW), with their indices per hour of sleep and of
    /// wake, as WASM 2016 reports them apart.
    public struct PeriodicIndices: Sendable, Equatable {
        public var inSleep: Int
        public var inWake: Int
        public var sleepIndexPerHour: Double
        public var wakeIndexPerHour: Double
    }

    /// Over a recording whose wake is its wake bouts and whose sleep is the rest minus its gaps (a reference
    /// scoring's view of a night).
    public static func periodicIndices(legMovements lms: [DetectedEvent], wakes: [DetectedEvent],
                                       durationSeconds: Double, gapSeconds: Double,
                                       breakers: [DetectedEvent] = []) -> PeriodicIndices {
        let wakeSeconds = wakes.reduce(0) { $0 + $1.durationSeconds }
        return periodicIndices(legMovements: lms, breakers: breakers,
                               sleepSeconds: max(0, durationSeconds - wakeSeconds - gapSeconds),
                               wakeSeconds: wakeSeconds) { t in
            !wakes.contains { t >= $0.onsetSeconds && t <= $0.offsetSeconds }
        }
    }

    /// `asleep` says whether a movement's onset is in sleep; the indices divide by `sleepSeconds` and `wakeSeconds`.
    static func periodicIndices(legMovements lms: [DetectedEvent], breakers: [DetectedEvent], sleepSeconds: Double,
                                wakeSeconds: Double, asleep: (Double) -> Bool) -> PeriodicIndices {
        let periodic = periodicSeries(lms, breakers: breakers).joined()
        let inSleep = periodic.filter { asleep($0.onsetSeconds) }.count
        let inWake = periodic.count - inSleep
        let sleepHours = sleepSeconds / 3600, wakeHours = wakeSeconds / 3600
        return PeriodicIndices(inSleep: inSleep, inWake: inWake,
                               sleepIndexPerHour: sleepHours > 0 ? Double(inSleep) / sleepHours : 0,
                               wakeIndexPerHour: wakeHours > 0 ? Double(inWake) / wakeHours : 0)
    }
}
