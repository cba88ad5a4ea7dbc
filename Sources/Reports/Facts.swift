import Evaluation
import Foundation
import NightAnalysis
import Journal

/// One saved night reduced to the numbers the reports show. Everything here is computed from journal rows.
public struct NightFacts: Sendable, Equatable {
    public var id: Int64
    public var startedAt: Date?
    public var startSource: String
    /// The diary evening this night belongs to (`yyyy-MM-dd`, local time; nights starting before noon belong to the day
    /// before). Nil when the start is unknown.
    public var evening: String?
    public var durationSeconds: Double
    public var cramps: Int
    public var crampSeconds: Double
    public var longestCrampSeconds: Double
    /// Nil when the night's wake was not measured (no accelerometer, no scored stages), like the two below.
    public var crampsThatWoke: Int?
    /// Cramp onsets, seconds from the start.
    public var crampOnsets: [Double]
    public var crampDurations: [Double]
    public var legMovements: Int
    /// Wake bouts inside the sleep period (the night analysis's `awakenings`); nil when wake was not measured.
    public var awakenings: Int?
    public var wakeSeconds: Double?
    public var artifacts: Int
    public var artifactSeconds: Double
    public var gaps: Int
    public var gapSeconds: Double
    public var framesLost: Int
    public var detectorConfigId: Int64?
    /// False for a night recorded without EMG (an accelerometer-only device): its cramps and leg movements
    /// were not measured, so it is not a night without cramps. Its sleep figures count like any other night's.
    public var emgMeasured: Bool = true

    /// Total sleep over the whole recording, as the night analysis computed it when the night was saved; nil for a
    /// night without data. From movement, unless the recording carried a sleep lab's scored stages (`sleepSource`).
    public var sleepEfficiency: Double? = nil
    /// The journal's `sleepSource`: "scored_stages" when sleep came from a lab's hypnogram; nil or another value when
    /// it came from movement.
    public var sleepSource: String? = nil
    /// Sleep period minus wake bouts and gaps inside it, and the wake bouts inside it (seconds).
    public var totalSleepSeconds: Double? = nil
    public var wasoSeconds: Double? = nil

    public var hasCramp: Bool { cramps > 0 }
    /// True when a sleep lab's scored stages gave this night its sleep (in the recording, or `replay --hypnogram`).
    public var sleepFromLab: Bool { sleepSource == SleepSource.scoredStages.rawValue }
    /// Time awake as the reports show it, from the same source as `awakenings`: the lab's wake after sleep onset
    /// when its stages gave the sleep, else the detected wake bouts; nil when wake was not measured.
    public var timeAwakeSeconds: Double? {
        guard wakeMeasured else { return nil }
        return sleepFromLab ? wasoSeconds ?? wakeSeconds : wakeSeconds
    }
    /// False for a night with neither an accelerometer nor scored stages: its sleep and wake are unknown, so it is
    /// left out of every sleep and wake figure (not counted as a night without awakenings).
    public var wakeMeasured: Bool { awakenings != nil }
    public var end: Date? { startedAt?.addingTimeInterval(durationSeconds) }
}

extension NightFacts {
    /// The night analysis's stored figures replace the counts taken from the rows: one set of figures everywhere.
    mutating func use(_ f: NightFiguresRecord) {
        durationSeconds = f.durationSeconds
        cramps = f.cramps ?? cramps
        crampSeconds = f.crampSeconds ?? crampSeconds
        longestCrampSeconds = f.longestCrampSeconds ?? longestCrampSeconds
        crampsThatWoke = f.sleepSource == SleepSource.notMeasured.rawValue ? nil : f.crampsThatWoke ?? crampsThatWoke
        legMovements = f.legMovements ?? legMovements
        awakenings = f.awakenings
        wakeSeconds = f.wakeSeconds
        artifacts = f.artifacts ?? artifacts
        artifactSeconds = f.artifactSeconds ?? artifactSeconds
        gaps = f.gaps
        gapSeconds = f.gapSeconds
        framesLost = f.framesLost
        sleepEfficiency = f.durationSeconds > 0 ? f.sleepEfficiency : nil
        totalSleepSeconds = f.totalSleepSeconds
        wasoSeconds = f.wasoSeconds
        sleepSource = f.sleepSource
    }
}

/// How self-reported cramps line up with detected ones.
public struct Reconciliation: Sendable, Equatable {
    public struct Pair: Sendable, Equatable {
        public var report: SelfReportedCramp
        public var event: EventRecord
    }
    /// Reported and detected (within `toleranceSeconds` of each other).
    public var matched: [Pair] = []
    /// Reported, in a recorded night, but not detected.
    public var missedByDetector: [SelfReportedCramp] = []
    /// Detected in a night that has a diary entry, but not reported.
    public var notNoticed: [EventRecord] = []
    /// Detected in a night without any diary entry: nobody was asked, so we cannot say.
    public var noDiary: [EventRecord] = []
    /// Reported at a time no saved night covers (no recording to compare with).
    public var outsideRecordings: [SelfReportedCramp] = []
    /// Reported in a night recorded without EMG: cramps were not measured, so nothing to compare with.
    public var inNightsWithoutEMG: [SelfReportedCramp] = []

    /// People recall the time of a night cramp roughly; a report this close to a detected
    /// cramp counts as the same cramp.
    public static let toleranceSeconds = 15.0 * 60

    public init() {}
}

/// Everything the reports need, read once from the journal.
/// The journal's rows a snapshot is made of.
public struct SnapshotRecords: Sendable {
    public var nights: [NightRecord]
    public var events: [EventRecord]
    public var gaps: [GapRecord]
    public var figures: [Int64: NightFiguresRecord]
    /// Whether each night was recorded with EMG (by night id; a night not here counts as measured).
    public var emgMeasured: [Int64: Bool]
    public var diary: [DiaryEntry]
    public var selfReports: [SelfReportedCramp]
    public var configurations: [DetectorConfigRecord]

    public init(nights: [NightRecord], events: [EventRecord], gaps: [GapRecord], figures: [Int64: NightFiguresRecord],
                emgMeasured: [Int64: Bool], diary: [DiaryEntry], selfReports: [SelfReportedCramp],
                configurations: [DetectorConfigRecord]) {
        self.nights = nights
        self.events = events
        self.gaps = gaps
        self.figures = figures
        self.emgMeasured = emgMeasured
        self.diary = diary
        self.selfReports = selfReports
        self.configurations = configurations
    }
}

public struct JournalSnapshot: Sendable {
    public var path: String
    public var nights: [NightFacts]
    public var events: [Int64: [EventRecord]]
    public var gaps: [Int64: [GapRecord]]
    public var diary: [String: DiaryEntry]
    public var selfReports: [SelfReportedCramp]
    public var configurations: [Int64: DetectorConfigRecord]
    public var timeZone: TimeZone

    public init(journal: Journal, timeZone: TimeZone = .current) throws {
        var emgByDevice: [Int64: Bool] = [:]
        var emgByNight: [Int64: Bool] = [:]
        let nightRecords = try journal.nights()
        for n in nightRecords {
            guard let id = n.deviceId else { continue }
            if emgByDevice[id] == nil {
                emgByDevice[id] = try journal.device(id: id).map { $0.emgChannels > 0 } ?? true
            }
            emgByNight[n.id!] = emgByDevice[id]!
        }
        let records = SnapshotRecords(nights: nightRecords, events: try journal.allEvents(),
                                      gaps: try journal.allGaps(),
                                      figures: try journal.allFigures(), emgMeasured: emgByNight,
                                      diary: try journal.diary(), selfReports: try journal.selfReportedCramps(),
                                      configurations: try journal.allConfigurations())
        self.init(path: journal.path, records: records, timeZone: timeZone)
    }

    /// The same snapshot from rows read elsewhere (a study database's copy of a hub's journal): one set of
    /// definitions for a hub's own report and the cohort's.
    public init(path: String, records r: SnapshotRecords, timeZone: TimeZone = .current) {
        self.path = path
        self.timeZone = timeZone
        var events: [Int64: [EventRecord]] = [:]
        for e in r.events { events[e.nightId, default: []].append(e) }
        var gaps: [Int64: [GapRecord]] = [:]
        for g in r.gaps { gaps[g.nightId, default: []].append(g) }
        self.events = events
        self.gaps = gaps
        diary = Dictionary(r.diary.map { ($0.date, $0) }, uniquingKeysWith: { a, _ in a })
        selfReports = r.selfReports
        configurations = Dictionary(r.configurations.compactMap { c in c.id.map { ($0, c) } },
                                    uniquingKeysWith: { a, _ in a })
        nights = r.nights.map { n in
            var facts = Self.facts(n, events: events[n.id!] ?? [], gaps: gaps[n.id!] ?? [], timeZone: timeZone)
            if let f = r.figures[n.id!] { facts.use(f) }
            if let emg = r.emgMeasured[n.id!] { facts.emgMeasured = emg }
            return facts
        }
    }

    static func facts(_ n: NightRecord, events: [EventRecord], gaps: [GapRecord], timeZone: TimeZone) -> NightFacts {
        let cramps = events.filter { $0.kind == "cramp" }
        let wakes = events.filter { $0.kind == "sleep_interruption" }
        let artifacts = events.filter { $0.kind == "artifact" }
        let start = plausible(n.startedAt)
        // Lengths and their sums as the night's own summary has them (`Double.withoutBinaryNoise`).
        let length = { (e: EventRecord) in (e.offsetSeconds - e.onsetSeconds).withoutBinaryNoise }
        let total = { (es: [EventRecord]) in es.reduce(0) { $0 + length($1) }.withoutBinaryNoise }
        return NightFacts(
            id: n.id!, startedAt: start, startSource: n.startSource,
            evening: start.map { eveningDate($0, timeZone: timeZone) },
            durationSeconds: n.durationSeconds, cramps: cramps.count,
            crampSeconds: total(cramps), longestCrampSeconds: cramps.map(length).max() ?? 0,
            crampsThatWoke: cramps.filter { $0.woke == true }.count,
            crampOnsets: cramps.map(\.onsetSeconds), crampDurations: cramps.map(length),
            legMovements: events.filter { $0.kind == "leg_movement" }.count, awakenings: wakes.count,
            wakeSeconds: total(wakes), artifacts: artifacts.count, artifactSeconds: total(artifacts), gaps: gaps.count,
            gapSeconds: gaps.reduce(0) { $0 + $1.offsetSeconds - $1.onsetSeconds }.withoutBinaryNoise,
            framesLost: n.framesLost, detectorConfigId: n.detectorConfigId)
    }

    /// A start the calendar can hold (the years 1900 to 2199); any other comes from a damaged row and is
    /// treated as unknown, so no report draws a night in the year 506713.
    static func plausible(_ d: Date?) -> Date? {
        guard let t = d?.timeIntervalSince1970, t.isFinite, t >= -2_208_988_800, t < 7_258_118_400 else { return nil }
        return d
    }

    /// The evening a moment belongs to: before noon counts as the night that began the day before.
    /// A moment the calendar cannot hold (see ``plausible(_:)``) belongs to the evening "unknown".
    public static func eveningDate(_ d: Date, timeZone: TimeZone) -> String {
        guard plausible(d) != nil else { return Words.unknown }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        // The day before by the calendar, not 24 hours before: the day the clocks spring forward has 23 hours,
        // and 00:30 after it less 24 hours is 23:30 two evenings back.
        let before = cal.component(.hour, from: d) < 12
        let shifted = before ? cal.date(byAdding: .day, value: -1, to: d) ?? d.addingTimeInterval(-86400) : d
        let c = cal.dateComponents([.year, .month, .day], from: shifted)
        guard let year = c.year, let month = c.month, let day = c.day else { return Words.unknown }
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// The diary evening a noticed cramp belongs to.
    public func evening(of report: SelfReportedCramp) -> String { Self.eveningDate(report.time, timeZone: timeZone) }

    public func night(_ id: Int64) -> NightFacts? { nights.first { $0.id == id } }

    /// Nights within an inclusive range of evenings (nights with an unknown start are
    /// kept only when no range is given).
    public func nights(from: String?, to: String?) -> [NightFacts] {
        guard from != nil || to != nil else { return nights }
        return nights.filter { n in n.evening.map { Self.evening($0, from: from, to: to) } ?? false }
    }

    /// Whether an evening lies in an inclusive range (open where a bound is nil). "unknown" lies only in the
    /// range without bounds.
    static func evening(_ e: String, from: String?, to: String?) -> Bool {
        guard from != nil || to != nil else { return true }
        guard e != Words.unknown else { return false }
        return (from.map { e >= $0 } ?? true) && (to.map { e <= $0 } ?? true)
    }

    /// Reconciles self-reported cramps with detected ones, for the given nights (all by default).
    ///
    /// A cramp the person noted that none of these nights covers counts as reported while nothing was
    /// recording (`outsideRecordings`) when its evening lies between `from` and `to` (every evening when
    /// neither is given), whether or not anything was recorded that evening: that is what a person noted
    /// on a night without the device.
    public func reconcile(nights subset: [NightFacts]? = nil, from: String? = nil,
                          to: String? = nil) -> Reconciliation {
        let chosen = subset ?? nights
        var r = Reconciliation()
        var usedReports = Set<Int64>()
        for n in chosen {
            let cramps = (events[n.id] ?? []).filter { $0.kind == "cramp" }
            guard let start = n.startedAt else {
                r.noDiary += cramps
                continue
            }
            let slack = Reconciliation.toleranceSeconds
            let reports = selfReports.filter { rep in
                let t = rep.time.timeIntervalSince(start)
                return t >= -slack && t <= n.durationSeconds + slack && !usedReports.contains(rep.id!)
            }
            for rep in reports { usedReports.insert(rep.id!) }
            guard n.emgMeasured else {
                // No EMG that night: a cramp the person noticed was not missed by the detector; it could not be seen.
                r.inNightsWithoutEMG += reports
                continue
            }
            let referenced = reports.map { rep -> Interval in
                let t = rep.time.timeIntervalSince(start)
                return Interval(t, t)
            }
            let detected = cramps.map { Interval($0.onsetSeconds, $0.offsetSeconds) }
            let m = EventMatcher.match(reference: referenced, detected: detected, toleranceSeconds: slack)
            let matchedR = Set(m.pairs.map(\.reference)), matchedD = Set(m.pairs.map(\.detection))
            r.matched += m.pairs.map { Reconciliation.Pair(report: reports[$0.reference], event: cramps[$0.detection]) }
            r.missedByDetector += reports.indices.filter { !matchedR.contains($0) }.map { reports[$0] }
            let unmatched = cramps.indices.filter { !matchedD.contains($0) }.map { cramps[$0] }
            let asked = n.evening.map { diary[$0] != nil } ?? false || !reports.isEmpty
            if asked { r.notNoticed += unmatched } else { r.noDiary += unmatched }
        }
        // Before, a subset kept only the reports on the evenings of its nights: an evening without a
        // recording has no night, so its cramps were never counted.
        r.outsideRecordings = selfReports.filter {
            !usedReports.contains($0.id!) && Self.evening(evening(of: $0), from: from, to: to)
        }
        return r
    }
}

/// Small statistics, stated with their uncertainty.
public enum Stats {
    /// Wilson score interval for k successes in n trials (95 % by default). (0, 1) when n is 0.
    public static func wilson(_ k: Int, _ n: Int, z: Double = 1.959964) -> (low: Double, high: Double) {
        guard n > 0 else { return (0, 1) }
        let p = Double(k) / Double(n), nn = Double(n)
        let denominator = 1 + z * z / nn
        let centre = (p + z * z / (2 * nn)) / denominator
        let half = z * (p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot() / denominator
        // Exact at the ends: no rounding may put 10 of 10 below 100 %.
        return (k == 0 ? 0 : max(0, centre - half), k == n ? 1 : min(1, centre + half))
    }

    /// The middle value (the mean of the two middle ones), without binary noise: the median of 19.92 s and
    /// 29.7 s is 24.81 s, not 24.810000000000002 (`Double.withoutBinaryNoise`).
    public static func median(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        return (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2).withoutBinaryNoise
    }

    public static func mean(_ xs: [Double]) -> Double? {
        xs.isEmpty ? nil : (xs.reduce(0, +) / Double(xs.count)).withoutBinaryNoise
    }

    /// Sample standard deviation of clock times in minutes, taken around their circular mean (so
    /// 23:50 and 00:10 are 20 min apart).
    public static func clockSpreadMinutes(_ minutesOfDay: [Double]) -> Double? {
        guard minutesOfDay.count >= 2 else { return nil }
        let angles = minutesOfDay.map { $0 / 1440 * 2 * Double.pi }
        let meanAngle = atan2(angles.map(sin).reduce(0, +), angles.map(cos).reduce(0, +))
        let deviations = angles.map { a -> Double in
            var d = a - meanAngle
            while d > .pi { d -= 2 * .pi }
            while d < -.pi { d += 2 * .pi }
            return d / (2 * .pi) * 1440
        }
        let m = deviations.reduce(0, +) / Double(deviations.count)
        return (deviations.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(deviations.count - 1)).squareRoot()
    }
}

extension [NightFacts] {
    /// Where these nights' sleep figures came from, for a label: "from movement", "the lab's scored stages", or
    /// both when some nights had a lab's stages and others not. Nights whose wake was not measured do not count.
    public var sleepFromWords: String {
        let measured = filter(\.wakeMeasured)
        let lab = measured.filter(\.sleepFromLab).count
        if lab == 0 { return "from movement" }
        return lab == measured.count ? "the lab's scored stages" : "from movement, or a lab's scored stages"
    }
}
