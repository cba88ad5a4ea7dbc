import Foundation
import Journal

/// A diary factor, as a yes/no question asked of each diary entry (nil: not recorded that evening).
public struct DiaryFactor: Sendable {
    public var name: String
    public var test: @Sendable (DiaryEntry) -> Bool?

    public static let all: [DiaryFactor] = [
        DiaryFactor(name: "magnesium taken (> 0 mg)") { $0.magnesiumMg.map { $0 > 0 } },
        DiaryFactor(name: "calcium taken (> 0 mg)") { $0.calciumMg.map { $0 > 0 } },
        DiaryFactor(name: "potassium taken (> 0 mg)") { $0.potassiumMg.map { $0 > 0 } },
        DiaryFactor(name: "vitamin D taken (> 0 IU)") { $0.vitaminDIU.map { $0 > 0 } },
        DiaryFactor(name: "fluids ≥ 1500 ml") { $0.fluidsMl.map { $0 >= 1500 } },
        DiaryFactor(name: "caffeine ≥ 200 mg") { $0.caffeineMg.map { $0 >= 200 } },
        DiaryFactor(name: "any alcohol") { $0.alcoholUnits.map { $0 > 0 } },
        DiaryFactor(name: "exercise ≥ 30 min") { $0.exerciseMinutes.map { $0 >= 30 } },
        DiaryFactor(name: "stretched before bed") { $0.stretchedBeforeBed },
        DiaryFactor(name: "stress ≥ 6 of 10") { $0.stress.map { $0 >= 6 } },
        DiaryFactor(name: "late meal") { $0.lateMeal },
        DiaryFactor(name: "screens ≥ 30 min before bed") { $0.screensMinutesBeforeBed.map { $0 >= 30 } },
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
    /// True when the two intervals overlap: the data do not show a difference.
    public var intervalsOverlap: Bool
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
    public var awakeningsPerNight: Double
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
    public var awakenings: Int
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
    /// Cramp onsets per hour after the recording started (index 0: first hour).
    public var onsetsByHour: [Int]

    public static func compute(_ s: JournalSnapshot, from: String? = nil, to: String? = nil) -> TrendNumbers {
        let nights = s.nights(from: from, to: to)
        let emgNights = nights.filter(\.emgMeasured)
        let cramps = emgNights.flatMap(\.crampDurations)
        let rec = s.reconcile(nights: nights)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = s.timeZone
        let startMinutes = nights.compactMap { n in n.startedAt.map { d -> Double in
            let c = cal.dateComponents([.hour, .minute], from: d); return Double(c.hour! * 60 + c.minute!) } }
        let evenings = Set(nights.compactMap(\.evening))
        let bedtimes = s.diary.values.filter { evenings.contains($0.date) || (from == nil && to == nil) }
            .compactMap { $0.bedtime.flatMap(clockMinutes) }
        var byHour: [Int] = []
        for n in nights {
            for t in n.crampOnsets {
                let h = Int(t / 3600)
                if byHour.count <= h { byHour += Array(repeating: 0, count: h + 1 - byHour.count) }
                byHour[h] += 1
            }
        }
        return TrendNumbers(
            from: from, to: to, nights: nights.count, nightsWithKnownStart: nights.filter { $0.startedAt != nil }.count,
            nightsWithoutEMG: nights.count - emgNights.count, crampNights: emgNights.filter(\.hasCramp).count,
            cramps: cramps.count, crampSeconds: cramps.reduce(0, +),
            medianCrampSeconds: Stats.median(cramps), awakenings: nights.reduce(0) { $0 + $1.awakenings },
            meanSleepEfficiency: Stats.mean(nights.compactMap(\.sleepEfficiency)),
            recordingStartSpreadMinutes: Stats.clockSpreadMinutes(startMinutes),
            diaryBedtimeSpreadMinutes: Stats.clockSpreadMinutes(bedtimes),
            gaps: nights.reduce(0) { $0 + $1.gaps }, gapSeconds: nights.reduce(0) { $0 + $1.gapSeconds },
            weeks: weeks(nights), factors: factors(emgNights, diary: s.diary),
            matched: rec.matched.count, missedByDetector: rec.missedByDetector.count, notNoticed: rec.notNoticed.count,
            noDiary: rec.noDiary.count, reportedOutsideRecordings: rec.outsideRecordings.count,
            reportedInNightsWithoutEMG: rec.inNightsWithoutEMG.count, onsetsByHour: byHour)
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
                           cramps: measured.reduce(0) { $0 + $1.cramps },
                           medianCrampSeconds: Stats.median(measured.flatMap(\.crampDurations)),
                           awakeningsPerNight: Double(ns.reduce(0) { $0 + $1.awakenings }) / Double(ns.count),
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
            let a = Stats.wilson(kw, nw), b = Stats.wilson(ko, no)
            return FactorRow(factor: f.name, nightsWith: nw, crampNightsWith: kw, nightsWithout: no,
                             crampNightsWithout: ko,
                             rateWith: nw > 0 ? Double(kw) / Double(nw) : nil, rateWithLow: nw > 0 ? a.low : nil,
                             rateWithHigh: nw > 0 ? a.high : nil,
                             rateWithout: no > 0 ? Double(ko) / Double(no) : nil, rateWithoutLow: no > 0 ? b.low : nil,
                             rateWithoutHigh: no > 0 ? b.high : nil,
                             intervalsOverlap: nw == 0 || no == 0 || !(a.high < b.low || b.high < a.low))
        }
    }
}

/// Weeks of nights: how often, how long, when in the night, how well slept, and the diary beside it.
public enum TrendReport {
    public static func render(snapshot s: JournalSnapshot, from: String? = nil, to: String? = nil,
                              generated: Date = Date()) -> String {
        let t = TrendNumbers.compute(s, from: from, to: to)
        let nights = s.nights(from: from, to: to).sorted { ($0.evening ?? "~", $0.id) < ($1.evening ?? "~", $1.id) }
        let range = [from.map { "from \($0)" }, to.map { "to \($0)" }].compactMap { $0 }.joined(separator: " ")
        var b = "<h1>Crampwatch — trends\(range.isEmpty ? "" : " " + esc(range))</h1>\n"
        if nights.isEmpty {
            b += "<p>No nights in this range. Replay or record a night first.</p>\n"
            return page(title: "Crampwatch — trends", body: b + Common.footer(s, generated: generated))
        }
        b += overviewSection(t)
        b += nightByNightSection(nights, timeZone: s.timeZone)
        b += "<h2>Time of night</h2>\n"
        b += SVG.bars(t.onsetsByHour.map(Double.init), labels: t.onsetsByHour.indices.map { "\($0)–\($0 + 1) h" },
                      title: "Cramp onsets by hour after the recording started", unit: "count",
                      cssClass: "bar-onset-hour", height: 140, color: "#c62828")
        b += "<h2>Week by week</h2>\n"
        b += table(["week starting", "nights", "cramp nights", "cramps", "median duration", "awakenings / night",
                    "sleep efficiency"], t.weeks.map { w in
            [cell(w.weekStarting), metric("week_nights", "\(w.nights)"),
             metric("week_cramp_nights", "\(w.crampNights)"), metric("week_cramps", "\(w.cramps)"),
             cell(w.medianCrampSeconds.map { num($0, 0) + " s" } ?? "—"), cell(num(w.awakeningsPerNight, 1)),
             cell(w.meanSleepEfficiency.map(pct) ?? "—")]
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
        return page(title: "Crampwatch — trends", body: b)
    }

    /// The figures over all the nights shown; without EMG, cramp figures count only the nights with it.
    static func overviewSection(_ t: TrendNumbers) -> String {
        var overview = [
            [cell("Nights recorded"), metric("nights", "\(t.nights)")],
            [cell("Nights with a cramp"), metric("cramp_nights", "\(t.crampNights)")],
            [cell("Cramps"), metric("cramps", "\(t.cramps)")],
            [cell("Median cramp duration"),
             metric("median_cramp_s", t.medianCrampSeconds.map { num($0, 0) + " s" } ?? "—")],
            [cell("Awakenings"), metric("awakenings", "\(t.awakenings)")],
            [cell("Mean sleep efficiency (from movement)"),
             metric("mean_sleep_efficiency", t.meanSleepEfficiency.map(pct) ?? "—")],
            [cell("Spread of recording start times (SD)"),
             metric("start_spread_min", t.recordingStartSpreadMinutes.map { num($0, 0) + " min" } ?? "—")],
            [cell("Spread of diary bedtimes (SD)"),
             metric("bedtime_spread_min", t.diaryBedtimeSpreadMinutes.map { num($0, 0) + " min" } ?? "—")],
            [cell("Data gaps / time without data"), metric("gaps", "\(t.gaps) / \(num(t.gapSeconds, 1)) s")],
        ]
        if t.nightsWithoutEMG > 0 {
            overview.insert([cell("Nights without EMG (\(NightReport.noEMGNote); they count for sleep only)"),
                             metric("nights_without_emg", "\(t.nightsWithoutEMG)")], at: 1)
        }
        var b = table(["", "all nights shown"], overview)
        if t.nightsWithoutEMG > 0 {
            b += "<p class=\"note\">Cramp figures are over the \(t.nights - t.nightsWithoutEMG) "
                + "night\(t.nights - t.nightsWithoutEMG == 1 ? "" : "s") recorded with EMG; "
                + "a night without EMG is not a night without cramps. Its bars below are left empty.</p>\n"
        }
        return b
    }

    /// One bar per night: cramps, time in cramp, awakenings, sleep efficiency, and when the recording started.
    static func nightByNightSection(_ nights: [NightFacts], timeZone: TimeZone) -> String {
        let labels = nights.map { $0.evening.map { String($0.suffix(5)) } ?? "#\($0.id)" }
        var b = "<h2>Night by night</h2>\n"
        b += SVG.bars(nights.map { $0.emgMeasured ? Double($0.cramps) : .nan }, labels: labels,
                      title: "Cramps per night", unit: "count", cssClass: "bar-cramps", color: "#c62828")
        b += SVG.bars(nights.map { $0.emgMeasured ? $0.crampSeconds / 60 : .nan }, labels: labels,
                      title: "Time in cramp per night", unit: "min", cssClass: "bar-cramp-minutes", color: "#ef6c00")
        b += SVG.bars(nights.map { Double($0.awakenings) }, labels: labels,
                      title: "Awakenings per night", unit: "count", cssClass: "bar-awakenings", color: "#f4a259")
        b += SVG.bars(nights.map { ($0.sleepEfficiency ?? .nan) * 100 }, labels: labels,
                      title: "Sleep efficiency (from movement)", unit: "%", cssClass: "bar-efficiency",
                      color: "#4a78b5")
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let starts = nights.map { n -> Double in
            guard let d = n.startedAt else { return .nan }
            let c = cal.dateComponents([.hour, .minute], from: d)
            return (Double(c.hour! * 60 + c.minute!) - 18 * 60 + 1440).truncatingRemainder(dividingBy: 1440)
        }
        b += SVG.bars(starts, labels: labels, title: "Recording start (bedtime), minutes after 18:00", unit: "min",
                      cssClass: "bar-bedtime", color: "#6d4c9f")
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
            return "\(pct(r)) (\(pct(lo))–\(pct(hi)))"
        }
        b += table(["factor", "cramp nights / nights with", "share with (95 % CI)", "cramp nights / nights without",
                    "share without (95 % CI)", "difference shown?"], rows.map { f in
            [cell(f.factor), metric("factor_with", "\(f.crampNightsWith) / \(f.nightsWith)"),
             cell(rate(f.rateWith, f.rateWithLow, f.rateWithHigh)),
             metric("factor_without", "\(f.crampNightsWithout) / \(f.nightsWithout)"),
             cell(rate(f.rateWithout, f.rateWithoutLow, f.rateWithoutHigh)),
             cell(f.intervalsOverlap ? "no (intervals overlap)" : "the intervals do not overlap — still not a cause")]
        })
        return b
    }
}
