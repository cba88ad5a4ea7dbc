import Foundation
import NightAnalysis
import Journal
import SystemPackage
import Recordings

/// Whether a sign the advice lists for seeing a professional is present in the recorded nights.
public enum SignStatus: String, Sendable, Codable {
    case present, absent
    /// Too few nights to tell.
    case unknown
}

/// The numbers of the one-page clinician summary (also `report clinician --json`).
public struct ClinicianSummary: Sendable, Codable, Equatable {
    /// Crampwatch's own screening thresholds: chosen to prompt a conversation, not clinical criteria.
    public static let minimumNights = 7
    public static let frequentCrampNightsPerWeek = 2.0
    public static let persistentWeeks = 3
    public static let disruptiveNightsPerWeek = 1.0

    public var from: String?
    public var to: String?
    public var nightsRecorded: Int
    /// Nights recorded without EMG: counted for sleep, left out of every cramp figure and sign.
    public var nightsWithoutEMG: Int
    public var spanDays: Int
    public var crampNights: Int
    public var cramps: Int
    /// Cramp nights per 7 recorded nights.
    public var crampNightsPerWeek: Double
    public var crampNightsPerWeekLow: Double
    public var crampNightsPerWeekHigh: Double
    public var medianCrampSeconds: Double?
    public var longestCrampSeconds: Double
    /// Cramps followed by waking, of the cramps in nights whose wake was measured (`crampsWhereWakeWasMeasured`).
    public var crampsThatWoke: Int
    public var crampsWhereWakeWasMeasured: Int
    public var nightsWokenByCramp: Int
    public var meanWakeMinutesPerNight: Double?
    public var meanSleepEfficiency: Double?
    public var selfReportedCramps: Int
    public var medianPain: Double?
    public var matched: Int
    public var missedByDetector: Int
    public var notNoticed: Int
    /// Cramps the person noted on evenings in the range that no recording covers (counted in
    /// `selfReportedCramps` too).
    public var reportedWhenNothingWasRecording: Int
    /// The recorded weeks (seven evenings from the first recorded one), for the cramp-nights-per-week chart.
    public var weeks: [WeekRow]
    public var weeksRecorded: Int
    public var weeksWithCramps: Int
    public var lastWeekHadCramps: Bool
    public var gapSeconds: Double
    public var recordedSeconds: Double
    public var frequent: SignStatus
    public var persistent: SignStatus
    public var disruptsSleep: SignStatus

    public var anySignPresent: Bool { [frequent, persistent, disruptsSleep].contains(.present) }

    public static func compute(_ s: JournalSnapshot, from: String? = nil, to: String? = nil) -> ClinicianSummary {
        let nights = s.nights(from: from, to: to)
        let t = TrendNumbers.compute(s, from: from, to: to)
        let rec = s.reconcile(nights: nights, from: from, to: to)
        // Cramps were measured only in nights with EMG: the frequency and the signs are over those.
        let measured = nights.filter(\.emgMeasured)
        let n = measured.count
        let k = measured.filter(\.hasCramp).count
        let ci = Stats.wilson(k, n)
        let perWeek = n > 0 ? Double(k) / Double(n) * 7 : 0
        // Whether a cramp woke the sleeper is known only where wake was measured too (an accelerometer or stages).
        let wakeKnown = measured.filter(\.wakeMeasured)
        let woken = wakeKnown.filter { ($0.crampsThatWoke ?? 0) > 0 }.count
        let days = nights.compactMap { $0.evening.flatMap(TrendNumbers.day) }
        let span = days.isEmpty ? 0 : days.max()! - days.min()! + 1
        // Every cramp noted in the range, recorded or not: before, only those on evenings with a night counted.
        let reports = s.selfReports.filter { JournalSnapshot.evening(s.evening(of: $0), from: from, to: to) }
        let enough = n >= minimumNights
        let frequent: SignStatus = !enough ? .unknown : perWeek >= frequentCrampNightsPerWeek ? .present : .absent
        let disrupt: SignStatus = wakeKnown.count < minimumNights ? .unknown
            : Double(woken) / Double(wakeKnown.count) * 7 >= disruptiveNightsPerWeek ? .present : .absent
        let weeksWith = t.weeks.filter { $0.crampNights > 0 }.count
        let lastHad = t.weeks.last.map { $0.crampNights > 0 } ?? false
        let persistent: SignStatus = weeksWith >= persistentWeeks && lastHad ? .present
            : (t.weeks.count < persistentWeeks ? .unknown : .absent)
        return ClinicianSummary(
            from: from, to: to, nightsRecorded: nights.count, nightsWithoutEMG: nights.count - n, spanDays: span,
            crampNights: k, cramps: t.cramps, crampNightsPerWeek: perWeek,
            crampNightsPerWeekLow: ci.low * 7, crampNightsPerWeekHigh: ci.high * 7,
            medianCrampSeconds: t.medianCrampSeconds,
            longestCrampSeconds: nights.map(\.longestCrampSeconds).max() ?? 0,
            crampsThatWoke: wakeKnown.compactMap(\.crampsThatWoke).saturatingSum,
            crampsWhereWakeWasMeasured: wakeKnown.map(\.cramps).saturatingSum, nightsWokenByCramp: woken,
            meanWakeMinutesPerNight: Stats.mean(nights.compactMap { $0.timeAwakeSeconds.map { $0 / 60 } }),
            meanSleepEfficiency: t.meanSleepEfficiency,
            selfReportedCramps: reports.count, medianPain: Stats.median(reports.map { Double($0.pain) }),
            matched: rec.matched.count, missedByDetector: rec.missedByDetector.count, notNoticed: rec.notNoticed.count,
            reportedWhenNothingWasRecording: rec.outsideRecordings.count, weeks: t.weeks,
            weeksRecorded: t.weeks.count, weeksWithCramps: weeksWith, lastWeekHadCramps: lastHad,
            gapSeconds: t.gapSeconds, recordedSeconds: nights.reduce(0) { $0 + $1.durationSeconds },
            frequent: frequent, persistent: persistent, disruptsSleep: disrupt)
    }
}

/// One printable page for a doctor, nurse or physiotherapist: it prints on one A4 or one US Letter page.
public enum ClinicianReport {
    /// - Parameter paper: the paper the page declares when printed; nil leaves it to the printer's settings
    ///   (the page fits either A4 or Letter).
    public static func render(snapshot s: JournalSnapshot, from: String? = nil, to: String? = nil,
                              patient: String? = nil, paper: Paper? = nil, generated: Date = Date()) -> String {
        page(body(snapshot: s, from: from, to: to, patient: patient, paper: paper, generated: generated))
    }

    /// The page's body, for a frame of its own (the web app's "For my doctor"); it prints the same.
    public static func body(snapshot s: JournalSnapshot, from: String? = nil, to: String? = nil,
                            patient: String? = nil, paper: Paper? = nil, generated: Date = Date()) -> ReportBody {
        let c = ClinicianSummary.compute(s, from: from, to: to)
        let nights = s.nights(from: from, to: to)
        var b = "<div class=\"one-page\">\n<h1>Night-time leg cramps — summary for a clinician</h1>\n"
        if let patient { b += "<p class=\"patient\">\(esc(patient))</p>\n" }
        b += "<p>" + esc(recordedLine(c, evenings: nights.compactMap(\.evening).sorted())) + "</p>\n"
        if c.nightsWithoutEMG > 0 {
            b += "<p class=\"note\" data-metric=\"nights_without_emg\">\(c.nightsWithoutEMG) of these nights were "
                + "recorded without EMG (\(esc(NightReport.noEMGNote))): "
                + "they count for sleep, and are left out of every cramp figure and sign below.</p>\n"
        }
        b += signsSection(c)
        b += "<div class=\"columns\">\n<div>\n" + frequencySection(c) + sleepSection(c, from: nights.sleepFromWords)
            + "</div>\n<div>\n" + weeklyChart(c) + noticedSection(c) + "</div>\n</div>\n"
        b += limitsSection(labNights: nights.filter(\.sleepFromLab).count)
        b += Common.configurationSection(nights.map(\.detectorConfigId), s)
        b += Common.footer(s, generated: generated)
        return ReportBody(title: "Crampwatch — clinician summary", html: b + "</div>\n", paper: paper)
    }

    /// "3 nights recorded between 2026-05-03 and 2026-05-06 (4 days), 33 min of recording, 3 s of it without data."
    static func recordedLine(_ c: ClinicianSummary, evenings: [String]) -> String {
        var line = Words.count(c.nightsRecorded, "night") + " recorded"
        if let first = evenings.first, let last = evenings.last {
            line += " between \(first) and \(last) (\(Words.count(c.spanDays, "day")))"
        }
        return line + ", \(Words.duration(c.recordedSeconds, days: false)) of recording, "
            + "\(Words.duration(c.gapSeconds)) of it without data."
    }

    /// The signs the usual advice names for seeing a professional, and whether these nights show them.
    static func signsSection(_ c: ClinicianSummary) -> String {
        var b = "<h2>Signs the usual advice names for seeing a professional</h2>\n"
        func sign(_ label: String, _ st: SignStatus, _ rule: String, _ key: String) -> [String] {
            let text: String
            switch st {
            case .present: text = "present"
            case .absent: text = "not seen"
            case .unknown: text = "cannot tell yet"
            }
            let css = st == .present ? "present" : st == .absent ? "absent" : "unknown"
            return [cell(label), "<td class=\"sign-\(css)\" data-sign=\"\(key)\">\(esc(text))</td>", cell(rule)]
        }
        let enough = "needs ≥ \(Words.count(ClinicianSummary.minimumNights, "night"))"
        b += table(["sign", "in these nights", "how Crampwatch decides"], [
            sign("Frequent", c.frequent,
                 "cramps on ≥ \(num(ClinicianSummary.frequentCrampNightsPerWeek, 0)) nights per week on average "
                     + "(\(enough))", "frequent"),
            sign("Persistent", c.persistent,
                 "cramps in ≥ \(ClinicianSummary.persistentWeeks) recorded weeks, including the most recent "
                     + "(\(c.weeksWithCramps) of \(Words.count(c.weeksRecorded, "week")))", "persistent"),
            sign("Disrupting sleep", c.disruptsSleep,
                 "a cramp woke the person on ≥ \(num(ClinicianSummary.disruptiveNightsPerWeek, 0)) night per week "
                     + "on average (\(enough))", "disrupts_sleep"),
        ])
        b += "<p class=\"caveat\">" + (c.anySignPresent
            ? "At least one sign is present: worth discussing with a doctor. "
            : "No sign is present in these nights; that is not a reason to ignore cramps that bother you. ")
        b += "The thresholds are Crampwatch's, chosen to prompt a conversation; they are not clinical criteria.</p>\n"
        return b
    }

    /// How often and how long.
    static func frequencySection(_ c: ClinicianSummary) -> String {
        let cn = c.nightsRecorded - c.nightsWithoutEMG
        return "<h2>Frequency and duration</h2>\n" + table(["", "value"], [
            [cell("Nights with a cramp"),
             metric("cramp_nights", "\(c.crampNights) of \(cn)" + (c.nightsWithoutEMG > 0 ? " with EMG" : ""))],
            [cell("Cramp nights per week (95 % CI)"),
             metric("cramp_nights_per_week", "\(Words.number(c.crampNightsPerWeek)) "
                        + "(\(Words.number(c.crampNightsPerWeekLow))–\(Words.number(c.crampNightsPerWeekHigh)))")],
            [cell("Cramps detected"), metric("cramps", "\(c.cramps)")],
            [cell("Median duration"), durationMetric("median_cramp_s", c.medianCrampSeconds)],
            [cell("Longest"), durationMetric("longest_cramp_s", c.longestCrampSeconds)],
        ])
    }

    /// How the sleep was disrupted.
    /// `from`: where the nights' sleep came from, in words (`sleepFromWords`).
    static func sleepSection(_ c: ClinicianSummary, from: String) -> String {
        "<h2>Sleep disruption</h2>\n" + table(["", "value"], [
            [cell("Cramps followed by waking (within 1 min)"),
             metric("cramps_that_woke", "\(c.crampsThatWoke) of \(c.crampsWhereWakeWasMeasured)")],
            [cell("Nights woken by a cramp"), metric("nights_woken", "\(c.nightsWokenByCramp)")],
            [cell("Time awake per night (mean, \(from))"),
             durationMetric("wake_min_per_night", c.meanWakeMinutesPerNight.map { $0 * 60 })],
            [cell("Sleep efficiency (mean, \(from))"),
             metric("mean_sleep_efficiency", c.meanSleepEfficiency.map(Words.percent) ?? "—")],
        ])
    }

    /// What the person noticed, and how it matched.
    static func noticedSection(_ c: ClinicianSummary) -> String {
        "<h2>What the person noticed</h2>\n" + table(["", "value"], [
            [cell("Cramps written in the diary"), metric("self_reported", "\(c.selfReportedCramps)")],
            [cell("… of them while nothing was recording"),
             metric("reported_outside", "\(c.reportedWhenNothingWasRecording)")],
            [cell("Median pain (0–10)"), metric("median_pain", c.medianPain.map { Words.number($0) } ?? "—")],
            [cell("Reported and detected"), metric("matched", "\(c.matched)")],
            [cell("Reported, not detected"), metric("missed_by_detector", "\(c.missedByDetector)")],
            [cell("Detected, not reported"), metric("not_noticed", "\(c.notNoticed)")],
        ])
    }

    /// The most weeks the chart holds (a year).
    static let chartWeeks = 53

    /// Cramp nights per week, over the nights recorded with EMG that week (pale behind), one slot per week
    /// from the first recorded to the last; a week with nothing recorded is a pale dashed column.
    static func weeklyChart(_ c: ClinicianSummary) -> String {
        let rows = c.weeks.compactMap { w in TrendNumbers.day(w.weekStarting).map { ($0, w) } }
        guard let first = rows.first?.0, let last = rows.last?.0 else { return "" }
        let byDay = Dictionary(rows, uniquingKeysWith: { a, _ in a })
        let start = max(first, last - (chartWeeks - 1) * 7)
        let slots = stride(from: start, through: last, by: 7).map { d -> BarSlot in
            let date = TrendNumbers.dateString(d)
            guard let w = byDay[d] else {
                return BarSlot(label: String(date.suffix(5)), value: nil, title: "week of \(date): no recording",
                               empty: "no recording")
            }
            return BarSlot(label: String(date.suffix(5)), value: Double(w.crampNights),
                           title: "week of \(date): \(Words.count(w.crampNights, "cramp night")) of "
                               + "\(Words.count(w.nightsWithEMG, "night")) recorded with EMG",
                           backdrop: Double(w.nightsWithEMG))
        }
        return "<h2>Cramp nights per week</h2>\n"
            + SVG.bars(slots, title: "Cramp nights (red) among the nights recorded (grey), weeks starting", unit: "",
                       cssClass: "bar-week-cramp-nights", width: 420, height: 120, color: "#c62828", maxValue: 7)
    }

    /// What the page does not say: the limits of what was measured.
    static func limitsSection(labNights: Int) -> String {
        "<h2>What this page does not say</h2>\n<ul>\n"
        + "<li>It is not a diagnosis. Cramps are detected from surface EMG on one leg and a movement "
        + "sensor; the cause (medicines, vascular, neurological, metabolic or other conditions) is "
        + "outside what it can see.</li>\n"
        + (labNights == 0
            ? "<li>Sleep figures come from movement, not from EEG: quiet wakefulness counts as sleep.</li>\n"
            : "<li>Sleep figures come from movement, not from EEG (quiet wakefulness counts as sleep), except on the "
                + "\(Words.count(labNights, "night")) whose sleep a sleep lab scored.</li>\n")
        + "<li>The detector was checked on simulated nights only (its own, and an independent set written from the "
        + "WASM 2016 and AASM texts). A cramp is told from voluntary muscle work by "
        + "what the contraction does after it begins (the leg held still, the firing sustained), so a cramp "
        + "that begins as the foot points is counted; one that comes on while walking, the leg moving "
        + "throughout, is not.</li>\n"
        + "<li>Diary factors are recorded by the person; the trend report shows them beside cramp nights as "
        + "counts, never as causes.</li>\n"
        + "</ul>\n"
    }
}

/// Writes a report where only its owner can read it.
public enum ReportFile {
    public static func write(_ html: String, to path: String) throws {
        let fd: FileDescriptor
        do {
            fd = try .createPrivate(path)
        } catch {
            throw ReportError("cannot write \(path): \(Errno.text(error)). Choose another place with --out.")
        }
        defer { try? fd.close() }
        do {
            // FileDescriptor retries a write that a signal interrupts (EINTR).
            try fd.writeAll(html.utf8)
        } catch {
            throw ReportError("cannot write \(path): \(Errno.text(error)).")
        }
    }
}
