import Foundation
import NightAnalysis
import Journal

/// A diary factor, as a yes/no question asked of each diary entry (nil: not recorded that evening).
public struct DiaryFactor: Sendable {
    public var name: String
    /// The factor as "nights with …" and "nights without …" say it ("magnesium", "a late meal").
    public var subject: String
    public var test: @Sendable (DiaryEntry) -> Bool?

    public static let all: [DiaryFactor] = [
        DiaryFactor(name: "magnesium taken (> 0 mg)", subject: "magnesium") { $0.magnesiumMg.map { $0 > 0 } },
        DiaryFactor(name: "calcium taken (> 0 mg)", subject: "calcium") { $0.calciumMg.map { $0 > 0 } },
        DiaryFactor(name: "potassium taken (> 0 mg)", subject: "potassium") { $0.potassiumMg.map { $0 > 0 } },
        DiaryFactor(name: "vitamin D taken (> 0 IU)", subject: "vitamin D") { $0.vitaminDIU.map { $0 > 0 } },
        DiaryFactor(name: "fluids ≥ 1500 ml", subject: "1500 ml of fluids") { $0.fluidsMl.map { $0 >= 1500 } },
        DiaryFactor(name: "caffeine ≥ 200 mg", subject: "200 mg of caffeine") { $0.caffeineMg.map { $0 >= 200 } },
        DiaryFactor(name: "any alcohol", subject: "alcohol") { $0.alcoholUnits.map { $0 > 0 } },
        DiaryFactor(name: "exercise ≥ 30 min", subject: "30 min of exercise") {
            $0.exerciseMinutes.map { $0 >= 30 }
        },
        DiaryFactor(name: "stretched before bed", subject: "stretching before bed") { $0.stretchedBeforeBed },
        DiaryFactor(name: "stress ≥ 6 of 10", subject: "stress of 6 or more") { $0.stress.map { $0 >= 6 } },
        DiaryFactor(name: "late meal", subject: "a late meal") { $0.lateMeal },
        DiaryFactor(name: "screens ≥ 30 min before bed", subject: "30 min of screens before bed") {
            $0.screensMinutesBeforeBed.map { $0 >= 30 }
        },
    ]
}

/// Cramp nights among nights with and without a factor, with 95 % Wilson intervals.
public struct FactorRow: Sendable, Codable, Equatable {
    public var factor: String
    public var nightsWith: Int
    public var crampNightsWith: Int
    public var nightsWithout: Int
    public var crampNightsWithout: Int
    public var rateWith: Double?
    public var rateWithLow: Double?
    public var rateWithHigh: Double?
    public var rateWithout: Double?
    public var rateWithoutLow: Double?
    public var rateWithoutHigh: Double?
    /// True when the two intervals overlap: the data do not show a difference. Also true when one side has
    /// no nights (its interval is 0–100 %); `comparable` tells that case apart.
    public var intervalsOverlap: Bool
    /// False when one side has no nights: there is nothing to compare, whatever the other side shows.
    public var comparable: Bool
    /// The factor as the verdict names it ("magnesium").
    public var subject: String

    /// The row for these counts, with its rates and 95 % Wilson intervals (a hub's trend report and the study's
    /// pooled cohort alike).
    public init(factor: String, subject: String, nightsWith nw: Int, crampNightsWith kw: Int, nightsWithout no: Int,
                crampNightsWithout ko: Int) {
        let a = Stats.wilson(kw, nw), b = Stats.wilson(ko, no)
        self.factor = factor
        self.subject = subject
        nightsWith = nw
        crampNightsWith = kw
        nightsWithout = no
        crampNightsWithout = ko
        rateWith = nw > 0 ? Double(kw) / Double(nw) : nil
        rateWithLow = nw > 0 ? a.low : nil
        rateWithHigh = nw > 0 ? a.high : nil
        rateWithout = no > 0 ? Double(ko) / Double(no) : nil
        rateWithoutLow = no > 0 ? b.low : nil
        rateWithoutHigh = no > 0 ? b.high : nil
        intervalsOverlap = nw == 0 || no == 0 || !(a.high < b.low || b.high < a.low)
        comparable = nw > 0 && no > 0
    }

    /// Whether the nights show a difference, in words: "cannot tell (no nights without magnesium)" when a
    /// side is empty, never "no" for a comparison that was not made.
    public var verdict: String {
        if nightsWith == 0 && nightsWithout == 0 { return "cannot tell (no nights with a diary answer)" }
        if nightsWith == 0 { return "cannot tell (no nights with \(subject))" }
        if nightsWithout == 0 { return "cannot tell (no nights without \(subject))" }
        return intervalsOverlap ? "no (intervals overlap)" : "the intervals do not overlap — still not a cause"
    }
}

/// One calendar date (an evening) between the first and the last shown: what was recorded, or that nothing
/// was, and the cramps noted while nothing was recording.
public struct DateRow: Sendable, Codable, Equatable {
    /// The evening, `yyyy-MM-dd`.
    public var date: String
    /// The nights that began that evening; empty when nothing was recorded.
    public var nights: [Int64]
    /// Among them, the nights recorded with EMG (their cramps were measured).
    public var nightsWithEMG: Int
    /// Detected cramps over the nights with EMG; nil when none had EMG (or nothing was recorded).
    public var cramps: Int?
    public var crampSeconds: Double?
    /// Over every night of the date whose wake was measured; nil when none was (or nothing was recorded).
    public var awakenings: Int?
    public var meanSleepEfficiency: Double?
    /// The earliest recording start that evening.
    public var firstStart: Date?
    /// Cramps the person noted that evening that no recording covers.
    public var reportedWhenNothingWasRecording: Int

    public var recorded: Bool { !nights.isEmpty }
}

/// One calendar week (seven evenings from the first recorded one).
public struct WeekRow: Sendable, Codable, Equatable {
    public var weekStarting: String
    public var nights: Int
    /// Nights whose cramps were measured (recorded with EMG); cramp nights are counted among these.
    public var nightsWithEMG: Int
    public var crampNights: Int
    public var cramps: Int
    public var medianCrampSeconds: Double?
    /// Over the week's nights whose wake was measured; nil when none was.
    public var awakeningsPerNight: Double?
    public var meanSleepEfficiency: Double?
}

/// The numbers behind the trend report (also printed by `report trend --json`).
public struct TrendNumbers: Sendable, Codable, Equatable {
    public var from: String?
    public var to: String?
    public var nights: Int
    public var nightsWithKnownStart: Int
    /// Nights recorded without EMG: their sleep counts, their cramps and leg movements were not measured
    /// (they are left out of every cramp figure, not counted as nights without cramps).
    public var nightsWithoutEMG: Int
    public var crampNights: Int
    public var cramps: Int
    public var crampSeconds: Double
    public var medianCrampSeconds: Double?
    /// Over the nights whose wake was measured: `nightsWithoutSleepMeasured` had neither an accelerometer nor
    /// scored stages, and are left out of every sleep and wake figure.
    public var awakenings: Int
    public var nightsWithoutSleepMeasured: Int
    public var meanSleepEfficiency: Double?
    /// Spread (SD, minutes) of the recording start times, around midnight.
    public var recordingStartSpreadMinutes: Double?
    /// Spread (SD, minutes) of the bedtimes written in the diary.
    public var diaryBedtimeSpreadMinutes: Double?
    public var gaps: Int
    public var gapSeconds: Double
    public var weeks: [WeekRow]
    public var factors: [FactorRow]
    public var matched: Int
    public var missedByDetector: Int
    public var notNoticed: Int
    public var noDiary: Int
    public var reportedOutsideRecordings: Int
    /// Cramps the person noted in nights recorded without EMG (nothing to compare them with).
    public var reportedInNightsWithoutEMG: Int
    /// Cramp onsets per hour after the recording started (index 0: first hour; onsets beyond a day or
    /// not a number are left out).
    public var onsetsByHour: [Int]
    /// One row per evening from the first to the last shown (nights, and cramps noted without a recording),
    /// the most recent ``maximumDates`` at most; nights of unknown start are not on it.
    public var dates: [DateRow]
    /// Evenings left off `dates` because the span is longer than ``maximumDates``.
    public var datesLeftOff: Int

    /// The most evenings the date-by-date rows and charts hold (a year and a day).
    public static let maximumDates = 366

    public static func compute(_ s: JournalSnapshot, from: String? = nil, to: String? = nil) -> TrendNumbers {
        let nights = s.nights(from: from, to: to)
        let emgNights = nights.filter(\.emgMeasured)
        let cramps = emgNights.flatMap(\.crampDurations)
        let rec = s.reconcile(nights: nights, from: from, to: to)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = s.timeZone
        let startMinutes = nights.compactMap { n in n.startedAt.flatMap { minuteOfDay($0, cal) } }
        let evenings = Set(nights.compactMap(\.evening))
        let bedtimes = s.diary.values.filter { evenings.contains($0.date) || (from == nil && to == nil) }
            .compactMap { $0.bedtime.flatMap(clockMinutes) }
        let (dates, leftOff) = Self.dates(nights, outside: rec.outsideRecordings, snapshot: s)
        return TrendNumbers(
            from: from, to: to, nights: nights.count, nightsWithKnownStart: nights.filter { $0.startedAt != nil }.count,
            nightsWithoutEMG: nights.count - emgNights.count, crampNights: emgNights.filter(\.hasCramp).count,
            cramps: cramps.count, crampSeconds: cramps.reduce(0, +).withoutBinaryNoise,
            medianCrampSeconds: Stats.median(cramps), awakenings: nights.compactMap(\.awakenings).saturatingSum,
            nightsWithoutSleepMeasured: nights.filter { !$0.wakeMeasured }.count,
            meanSleepEfficiency: Stats.mean(nights.compactMap(\.sleepEfficiency)),
            recordingStartSpreadMinutes: Stats.clockSpreadMinutes(startMinutes),
            diaryBedtimeSpreadMinutes: Stats.clockSpreadMinutes(bedtimes),
            gaps: nights.map(\.gaps).saturatingSum,
            gapSeconds: nights.reduce(0) { $0 + $1.gapSeconds }.withoutBinaryNoise,
            weeks: weeks(nights), factors: factors(emgNights, diary: s.diary),
            matched: rec.matched.count, missedByDetector: rec.missedByDetector.count, notNoticed: rec.notNoticed.count,
            noDiary: rec.noDiary.count, reportedOutsideRecordings: rec.outsideRecordings.count,
            reportedInNightsWithoutEMG: rec.inNightsWithoutEMG.count, onsetsByHour: onsetsByHour(emgNights),
            dates: dates, datesLeftOff: leftOff)
    }

    /// Minutes since midnight of a moment, on the calendar given.
    static func minuteOfDay(_ d: Date, _ cal: Calendar) -> Double? {
        let c = cal.dateComponents([.hour, .minute], from: d)
        guard let h = c.hour, let m = c.minute else { return nil }
        return Double(h * 60 + m)
    }

    /// Cramp onsets counted by the hour of the night they began in; an onset that is not a number, before the
    /// start or a day or more after it comes from a damaged row and is left out.
    static func onsetsByHour(_ nights: [NightFacts]) -> [Int] {
        var byHour: [Int] = []
        for t in nights.flatMap(\.crampOnsets) where t.isFinite && t >= 0 && t < 86_400 {
            let h = Int(t / 3600)  // 0 ... 23: checked above
            if byHour.count <= h { byHour += Array(repeating: 0, count: h + 1 - byHour.count) }
            byHour[h] += 1
        }
        return byHour
    }

    /// One row per evening from the first to the last that has a night or a cramp noted while nothing was
    /// recording; the most recent ``maximumDates`` when the span is longer, with how many were left off.
    static func dates(_ nights: [NightFacts], outside: [SelfReportedCramp],
                      snapshot s: JournalSnapshot) -> ([DateRow], Int) {
        let byEvening = Dictionary(grouping: nights.filter { $0.evening != nil }, by: { $0.evening! })
        let noted = Dictionary(grouping: outside.map(s.evening(of:)).filter { day($0) != nil }, by: { $0 })
        let days = (Array(byEvening.keys) + Array(noted.keys)).compactMap(day)
        guard let first = days.min(), let last = days.max() else { return ([], 0) }
        let start = max(first, last - maximumDates + 1)
        let rows = (start...last).map { d -> DateRow in
            let date = dateString(d)
            let ns = (byEvening[date] ?? []).sorted { $0.id < $1.id }
            let measured = ns.filter(\.emgMeasured)
            return DateRow(
                date: date, nights: ns.map(\.id), nightsWithEMG: measured.count,
                cramps: measured.isEmpty ? nil : measured.map(\.cramps).saturatingSum,
                crampSeconds: measured.isEmpty ? nil : measured.reduce(0) { $0 + $1.crampSeconds }.withoutBinaryNoise,
                awakenings: ns.allSatisfy { !$0.wakeMeasured } ? nil : ns.compactMap(\.awakenings).saturatingSum,
                meanSleepEfficiency: Stats.mean(ns.compactMap(\.sleepEfficiency)),
                firstStart: ns.compactMap(\.startedAt).min(),
                reportedWhenNothingWasRecording: noted[date]?.count ?? 0)
        }
        return (rows, start - first)
    }

    /// "HH:mm" to minutes of the day.
    static func clockMinutes(_ s: String) -> Double? {
        let p = s.split(separator: ":")
        guard p.count == 2, let h = Int(p[0]), let m = Int(p[1]), (0..<24).contains(h), (0..<60).contains(m) else {
            return nil
        }
        return Double(h * 60 + m)
    }

    static func weeks(_ nights: [NightFacts]) -> [WeekRow] {
        let dated = nights.filter { $0.evening != nil }.sorted { $0.evening! < $1.evening! }
        guard let first = dated.first?.evening, let firstDay = day(first) else { return [] }
        var groups: [Int: [NightFacts]] = [:]
        for n in dated { if let d = day(n.evening!) { groups[(d - firstDay) / 7, default: []].append(n) } }
        return groups.keys.sorted().map { w in
            let ns = groups[w]!
            let measured = ns.filter(\.emgMeasured)
            return WeekRow(weekStarting: dateString(firstDay + w * 7), nights: ns.count, nightsWithEMG: measured.count,
                           crampNights: measured.filter(\.hasCramp).count,
                           cramps: measured.map(\.cramps).saturatingSum,
                           medianCrampSeconds: Stats.median(measured.flatMap(\.crampDurations)),
                           awakeningsPerNight: Stats.mean(ns.compactMap { $0.awakenings.map(Double.init) }),
                           meanSleepEfficiency: Stats.mean(ns.compactMap(\.sleepEfficiency)))
        }
    }

    /// Days since 1970-01-01 for a `yyyy-MM-dd` string (calendar arithmetic without time zones).
    static func day(_ s: String) -> Int? {
        let p = s.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3 else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = p[1] <= 2 ? p[0] - 1 : p[0], m = p[1], d = p[2]
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func dateString(_ days: Int) -> String {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return String(format: "%04d-%02d-%02d", yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func factors(_ nights: [NightFacts], diary: [String: DiaryEntry]) -> [FactorRow] {
        DiaryFactor.all.map { f in
            var nw = 0, kw = 0, no = 0, ko = 0
            for n in nights {
                guard let e = n.evening, let entry = diary[e], let v = f.test(entry) else { continue }
                if v { nw += 1; if n.hasCramp { kw += 1 } } else { no += 1; if n.hasCramp { ko += 1 } }
            }
            return FactorRow(factor: f.name, subject: f.subject, nightsWith: nw, crampNightsWith: kw,
                             nightsWithout: no, crampNightsWithout: ko)
        }
    }
}

/// Weeks of nights: how often, how long, when in the night, how well slept, and the diary beside it.
public enum TrendReport {
    public static func render(snapshot s: JournalSnapshot, from: String? = nil, to: String? = nil,
                              generated: Date = Date()) -> String {
        page(body(snapshot: s, from: from, to: to, generated: generated))
    }

    /// The report's body, for a frame of its own (the web app's Trends page).
    public static func body(snapshot s: JournalSnapshot, from: String? = nil, to: String? = nil,
                            generated: Date = Date()) -> ReportBody {
        let t = TrendNumbers.compute(s, from: from, to: to)
        let nights = s.nights(from: from, to: to).sorted { ($0.evening ?? "~", $0.id) < ($1.evening ?? "~", $1.id) }
        let range = [from.map { "from \($0)" }, to.map { "to \($0)" }].compactMap { $0 }.joined(separator: " ")
        var b = "<h1>Trends\(range.isEmpty ? "" : " " + esc(range))</h1>\n"
        if nights.isEmpty {
            b += "<p>No nights in this range. Replay or record a night first.</p>\n"
            if t.reportedOutsideRecordings > 0 {
                b += "<p data-metric=\"reported_outside\">\(esc(noted(t.reportedOutsideRecordings)))</p>\n"
            }
            return ReportBody(title: "Crampwatch — trends", html: b + Common.footer(s, generated: generated))
        }
        b += overviewSection(t, sleepFrom: nights.sleepFromWords)
        b += DateCharts.section(t, undated: nights.filter { $0.evening == nil }, timeZone: s.timeZone,
                                sleepFrom: nights.sleepFromWords)
        b += "<h2>Time of night</h2>\n"
        b += SVG.bars(t.onsetsByHour.map(Double.init), labels: t.onsetsByHour.indices.map { "\($0)–\($0 + 1) h" },
                      title: "Cramp onsets by hour after the recording started", unit: "count",
                      cssClass: "bar-onset-hour", height: 140, color: "#c62828")
        b += "<h2>Week by week</h2>\n"
        b += table(["week starting", "nights", "cramp nights", "cramps", "median duration", "awakenings / night",
                    "sleep efficiency"], t.weeks.map { w in
            [cell(w.weekStarting, nowrap: true), metric("week_nights", "\(w.nights)"),
             metric("week_cramp_nights", "\(w.crampNights)"), metric("week_cramps", "\(w.cramps)"),
             cell(w.medianCrampSeconds.map { Words.duration($0) } ?? "—", nowrap: true),
             cell(w.awakeningsPerNight.map { Words.number($0, decimals: 1) } ?? "—"),
             cell(w.meanSleepEfficiency.map(Words.percent) ?? "—")]
        })
        b += factorSection(t)
        b += "<h2>Detected and reported</h2>\n"
        let withoutEMG = t.reportedInNightsWithoutEMG > 0 ? [[
            cell("Reported in a night without EMG (cramps not measured)"),
            metric("reported_without_emg", "\(t.reportedInNightsWithoutEMG)"),
        ]] : []
        b += table(["", "cramps"], [
            [cell("Reported and detected"), metric("matched", "\(t.matched)")],
            [cell("Reported, not detected"), metric("missed_by_detector", "\(t.missedByDetector)")],
            [cell("Detected, not reported"), metric("not_noticed", "\(t.notNoticed)")],
            [cell("Detected, no diary that night"), metric("no_diary", "\(t.noDiary)")],
            [cell("Reported when nothing was recording"), metric("reported_outside", "\(t.reportedOutsideRecordings)")],
        ] + withoutEMG)
        b += Common.configurationSection(nights.map(\.detectorConfigId), s)
        b += Common.footer(s, generated: generated)
        return ReportBody(title: "Crampwatch — trends", html: b)
    }

    /// "2 cramps you noted while nothing was recording".
    static func noted(_ n: Int) -> String { Words.count(n, "cramp") + " you noted while nothing was recording" }

    /// The figures over all the nights shown; without EMG, cramp figures count only the nights with it.
    /// `sleepFrom`: where the nights' sleep came from, in words (`sleepFromWords`).
    static func overviewSection(_ t: TrendNumbers, sleepFrom: String) -> String {
        var overview = [
            [cell("Nights recorded"), metric("nights", "\(t.nights)")],
            [cell("Nights with a cramp"), metric("cramp_nights", "\(t.crampNights)")],
            [cell("Cramps"), metric("cramps", "\(t.cramps)")],
            [cell("Cramps you noted while nothing was recording (not in the figures above)"),
             metric("noted_without_recording", "\(t.reportedOutsideRecordings)")],
            [cell("Median cramp duration"), durationMetric("median_cramp_s", t.medianCrampSeconds)],
            [cell("Awakenings"), metric("awakenings", "\(t.awakenings)")],
            [cell("Mean sleep efficiency (\(sleepFrom))"),
             metric("mean_sleep_efficiency", t.meanSleepEfficiency.map(Words.percent) ?? "—")],
            [cell("Spread of recording start times (SD)"),
             metric("start_spread_min", t.recordingStartSpreadMinutes.map { Words.duration(minutes: $0) } ?? "—")],
            [cell("Spread of diary bedtimes (SD)"),
             metric("bedtime_spread_min", t.diaryBedtimeSpreadMinutes.map { Words.duration(minutes: $0) } ?? "—")],
            [cell("Data gaps"), metric("gaps", "\(t.gaps)")],
            [cell("Time without data"), durationMetric("gap_s", t.gapSeconds)],
        ]
        if t.nightsWithoutEMG > 0 {
            overview.insert([cell("Nights without EMG (\(NightReport.noEMGNote); they count for sleep only)"),
                             metric("nights_without_emg", "\(t.nightsWithoutEMG)")], at: 1)
        }
        var b = table(["", "all nights shown"], overview)
        if t.nightsWithoutEMG > 0 {
            let withEMG = t.nights - t.nightsWithoutEMG
            b += "<p class=\"note\">Cramp figures are over the \(esc(Words.count(withEMG, "night"))) recorded with "
                + "EMG; a night without EMG is not a night without cramps. Its bars below are left empty.</p>\n"
        }
        if t.nightsWithoutSleepMeasured > 0 {
            let measured = t.nights - t.nightsWithoutSleepMeasured
            b += "<p class=\"note\" data-wake=\"none\">Awakenings and sleep efficiency are over the "
                + "\(esc(Words.count(measured, "night"))) whose sleep was measured; "
                + "\(esc(Words.count(t.nightsWithoutSleepMeasured, "night"))) had neither an accelerometer nor a sleep "
                + "lab's scored stages, so nothing could tell sleep from wake.</p>\n"
        }
        return b
    }

    static func factorSection(_ t: TrendNumbers) -> String {
        var b = "<h2>Diary factors beside cramp nights</h2>\n"
        b += "<p class=\"caveat\">These are counts, not causes. Each row compares the share of nights with a cramp "
            + "when the factor was present and when it was not, "
        b += "with 95 % Wilson intervals. With a few weeks of nights the intervals are wide; when they overlap, these "
            + "nights do not show a difference. "
        b += "Factors travel together (a late meal and alcohol, a long walk and fluids), and nights are not "
            + "independent, so even a clear difference would not say what causes cramps.</p>\n"
        let rows = t.factors.filter { $0.nightsWith + $0.nightsWithout > 0 }
        if rows.isEmpty {
            return b + "<p>No diary entries match the recorded nights yet. Add them with <code>crampwatch "
                + "journal diary add</code>.</p>\n"
        }
        func rate(_ r: Double?, _ lo: Double?, _ hi: Double?) -> String {
            guard let r, let lo, let hi else { return "—" }
            return "\(Words.percent(r)) (\(Words.percent(lo))–\(Words.percent(hi)))"
        }
        b += table(["factor", "cramp nights / nights with", "share with (95 % CI)", "cramp nights / nights without",
                    "share without (95 % CI)", "difference shown?"], rows.map { f in
            [cell(f.factor), metric("factor_with", "\(f.crampNightsWith) / \(f.nightsWith)"),
             cell(rate(f.rateWith, f.rateWithLow, f.rateWithHigh)),
             metric("factor_without", "\(f.crampNightsWithout) / \(f.nightsWithout)"),
             cell(rate(f.rateWithout, f.rateWithoutLow, f.rateWithoutHigh)),
             "<td data-verdict=\"\(f.comparable ? "compared" : "cannot_tell")\">\(esc(f.verdict))</td>"]
        })
        return b
    }
}

/// The date-by-date charts of the trend report: one slot per evening, so a missing night shows as a gap in
/// the row of slots instead of being skipped.
enum DateCharts {
    /// One chart: what it draws for a date (its height and its words), and what for a night of unknown date.
    struct Chart {
        var title: String, unit: String, cssClass: String, color: String
        /// True when the figure needs EMG (cramps): a date whose nights had none is drawn as "no EMG".
        var needsEMG = false
        /// True on the cramps chart: cramps noted while nothing was recording are drawn as diamonds.
        var showsNoted = false
        var date: (DateRow) -> (Double, String)?
        var night: (NightFacts) -> (Double, String)?
    }

    static func section(_ t: TrendNumbers, undated: [NightFacts], timeZone: TimeZone, sleepFrom: String) -> String {
        guard let first = t.dates.first?.date, let last = t.dates.last?.date else { return "" }
        var b = "<h2>Date by date</h2>\n"
        b += "<p class=\"note\">One slot per evening from \(esc(first)) to \(esc(last))"
            + (undated.isEmpty ? "" : ", then the nights whose start is unknown (#number)")
            + ". A pale dashed column: nothing recorded that evening (on the cramp charts also: recorded without "
            + "EMG). A yellow diamond: cramps you noted while nothing was recording, at the height of their "
            + "count.</p>\n"
        if t.datesLeftOff > 0 {
            b += "<p class=\"note\">The \(esc(Words.count(t.datesLeftOff, "earliest evening", "earliest evenings"))) "
                + "are left off these charts; choose a range with --from and --to.</p>\n"
        }
        for chart in charts(timeZone, sleepFrom: sleepFrom) {
            b += SVG.bars(slots(chart, t.dates, undated), title: chart.title, unit: chart.unit,
                          cssClass: chart.cssClass, color: chart.color)
        }
        return b
    }

    static func slots(_ chart: Chart, _ dates: [DateRow], _ undated: [NightFacts]) -> [BarSlot] {
        var slots = dates.map { row -> BarSlot in
            let noted = chart.showsNoted ? row.reportedWhenNothingWasRecording : 0
            let notedText = noted > 0 ? "; " + TrendReport.noted(noted) : ""
            var slot = BarSlot(label: String(row.date.suffix(5)), value: nil, title: "", noted: noted)
            if !row.recorded {
                slot.empty = "no recording"
                slot.title = "\(row.date): no recording" + notedText
            } else if chart.needsEMG && row.nightsWithEMG == 0 {
                slot.empty = "no EMG"
                slot.title = "\(row.date): recorded without EMG, cramps not measured" + notedText
            } else {
                let v = chart.date(row)
                slot.value = v?.0
                let several = row.nights.count > 1 ? " (\(Words.count(row.nights.count, "recording")))" : ""
                slot.title = "\(row.date): \(v?.1 ?? Words.unknown)\(several)" + notedText
            }
            return slot
        }
        for n in undated {
            let v = chart.needsEMG && !n.emgMeasured ? nil : chart.night(n)
            slots.append(BarSlot(label: "#\(n.id)", value: v?.0,
                                 title: "night \(n.id), start unknown: \(v?.1 ?? "not measured")"))
        }
        return slots
    }

    static func charts(_ tz: TimeZone, sleepFrom: String) -> [Chart] {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = tz
        let after18 = { (d: Date) -> (Double, String)? in
            TrendNumbers.minuteOfDay(d, cal).map {
                ((($0 - 18 * 60) + 1440).truncatingRemainder(dividingBy: 1440), Common.clock(d, tz, "HH:mm"))
            }
        }
        let cramps = { (n: Int) in (Double(n), Words.count(n, "cramp")) }
        let minutes = { (s: Double) in (s / 60, Words.duration(s)) }
        let wakes = { (n: Int) in (Double(n), Words.count(n, "awakening")) }
        let efficiency = { (e: Double) in (e * 100, Words.percent(e)) }
        return [
            Chart(title: "Cramps per night", unit: "count", cssClass: "bar-cramps", color: "#c62828",
                  needsEMG: true, showsNoted: true, date: { $0.cramps.map(cramps) }, night: { cramps($0.cramps) }),
            Chart(title: "Time in cramp per night", unit: "min", cssClass: "bar-cramp-minutes", color: "#ef6c00",
                  needsEMG: true, date: { $0.crampSeconds.map(minutes) }, night: { minutes($0.crampSeconds) }),
            Chart(title: "Awakenings per night", unit: "count", cssClass: "bar-awakenings", color: "#f4a259",
                  date: { $0.awakenings.map(wakes) }, night: { $0.awakenings.map(wakes) }),
            Chart(title: "Sleep efficiency (\(sleepFrom))", unit: "%", cssClass: "bar-efficiency", color: "#4a78b5",
                  date: { $0.meanSleepEfficiency.map(efficiency) }, night: { $0.sleepEfficiency.map(efficiency) }),
            Chart(title: "Recording start (bedtime), minutes after 18:00", unit: "min", cssClass: "bar-bedtime",
                  color: "#6d4c9f", date: { $0.firstStart.flatMap(after18) }, night: { _ in nil }),
        ]
    }
}
