import Foundation
import Journal
import SystemPackage

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
    public var crampsThatWoke: Int
    public var nightsWokenByCramp: Int
    public var meanWakeMinutesPerNight: Double?
    public var meanSleepEfficiency: Double?
    public var selfReportedCramps: Int
    public var medianPain: Double?
    public var matched: Int
    public var missedByDetector: Int
    public var notNoticed: Int
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
        let rec = s.reconcile(nights: nights)
        // Cramps were measured only in nights with EMG: the frequency and the signs are over those.
        let measured = nights.filter(\.emgMeasured)
        let n = measured.count
        let k = measured.filter(\.hasCramp).count
        let ci = Stats.wilson(k, n)
        let perWeek = n > 0 ? Double(k) / Double(n) * 7 : 0
        let woken = measured.filter { $0.crampsThatWoke > 0 }.count
        let days = nights.compactMap { $0.evening.flatMap(TrendNumbers.day) }
        let span = days.isEmpty ? 0 : days.max()! - days.min()! + 1
        let reports = s.selfReports.filter { r in
            from == nil && to == nil || nights.contains { $0.evening == s.evening(of: r) }
        }
        let enough = n >= minimumNights
        let frequent: SignStatus = !enough ? .unknown : perWeek >= frequentCrampNightsPerWeek ? .present : .absent
        let disrupt: SignStatus = !enough ? .unknown
            : Double(woken) / Double(n) * 7 >= disruptiveNightsPerWeek ? .present : .absent
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
            crampsThatWoke: nights.reduce(0) { $0 + $1.crampsThatWoke },
            nightsWokenByCramp: woken, meanWakeMinutesPerNight: Stats.mean(nights.map { $0.wakeSeconds / 60 }),
            meanSleepEfficiency: t.meanSleepEfficiency,
            selfReportedCramps: reports.count, medianPain: Stats.median(reports.map { Double($0.pain) }),
            matched: rec.matched.count, missedByDetector: rec.missedByDetector.count, notNoticed: rec.notNoticed.count,
            weeksRecorded: t.weeks.count, weeksWithCramps: weeksWith, lastWeekHadCramps: lastHad,
            gapSeconds: t.gapSeconds, recordedSeconds: nights.reduce(0) { $0 + $1.durationSeconds },
            frequent: frequent, persistent: persistent, disruptsSleep: disrupt)
    }
}

/// One printable page for a doctor, nurse or physiotherapist.
public enum ClinicianReport {
    public static func render(snapshot s: JournalSnapshot, from: String? = nil, to: String? = nil,
                              patient: String? = nil, generated: Date = Date()) -> String {
        let c = ClinicianSummary.compute(s, from: from, to: to)
        let nights = s.nights(from: from, to: to)
        let evenings = nights.compactMap(\.evening).sorted()
        var b = "<h1>Night-time leg cramps — summary for a clinician</h1>\n"
        if let patient { b += "<p class=\"patient\">\(esc(patient))</p>\n" }
        b += "<p>\(c.nightsRecorded) night\(c.nightsRecorded == 1 ? "" : "s") recorded"
        if let first = evenings.first, let last = evenings.last {
            b += " between \(esc(first)) and \(esc(last)) (\(c.spanDays) days)"
        }
        b += ", \(esc(num(c.recordedSeconds / 3600, 1))) hours in all, \(esc(num(c.gapSeconds / 60, 1))) "
            + "minutes of it without data.</p>\n"
        if c.nightsWithoutEMG > 0 {
            b += "<p class=\"note\" data-metric=\"nights_without_emg\">\(c.nightsWithoutEMG) of these nights were "
                + "recorded without EMG (\(esc(NightReport.noEMGNote))): "
                + "they count for sleep, and are left out of every cramp figure and sign below.</p>\n"
        }
        b += signsSection(c)
        b += figuresSections(c)
        b += limitsSection
        b += Common.configurationSection(nights.map(\.detectorConfigId), s)
        b += Common.footer(s, generated: generated)
        return page(title: "Crampwatch — clinician summary", body: b)
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
        b += table(["sign", "in these nights", "how Crampwatch decides"], [
            sign("Frequent", c.frequent,
                 "cramps on ≥ \(num(ClinicianSummary.frequentCrampNightsPerWeek, 0)) nights per week on average "
                     + "(needs ≥ \(ClinicianSummary.minimumNights) nights)", "frequent"),
            sign("Persistent", c.persistent,
                 "cramps in ≥ \(ClinicianSummary.persistentWeeks) recorded weeks, including the most recent "
                     + "(\(c.weeksWithCramps) of \(c.weeksRecorded) weeks)", "persistent"),
            sign("Disrupting sleep", c.disruptsSleep,
                 "a cramp woke the person on ≥ \(num(ClinicianSummary.disruptiveNightsPerWeek, 0)) night per week "
                     + "on average (needs ≥ \(ClinicianSummary.minimumNights) nights)", "disrupts_sleep"),
        ])
        b += "<p class=\"caveat\">" + (c.anySignPresent
            ? "At least one sign is present: worth discussing with a doctor. "
            : "No sign is present in these nights; that is not a reason to ignore cramps that bother you. ")
        b += "The thresholds are Crampwatch's, chosen to prompt a conversation; they are not clinical criteria.</p>\n"
        return b
    }

    /// How often and how long, how the sleep was disrupted, and what the person noticed.
    static func figuresSections(_ c: ClinicianSummary) -> String {
        let cn = c.nightsRecorded - c.nightsWithoutEMG
        var b = "<h2>Frequency and duration</h2>\n"
        b += table(["", "value"], [
            [cell("Nights with a cramp"),
             metric("cramp_nights", "\(c.crampNights) of \(cn)" + (c.nightsWithoutEMG > 0 ? " with EMG" : ""))],
            [cell("Cramp nights per week (95 % CI)"),
             metric("cramp_nights_per_week", "\(num(c.crampNightsPerWeek, 1)) "
                        + "(\(num(c.crampNightsPerWeekLow, 1))–\(num(c.crampNightsPerWeekHigh, 1)))")],
            [cell("Cramps detected"), metric("cramps", "\(c.cramps)")],
            [cell("Median duration"), metric("median_cramp_s", c.medianCrampSeconds.map { num($0, 0) + " s" } ?? "—")],
            [cell("Longest"), metric("longest_cramp_s", num(c.longestCrampSeconds, 0) + " s")],
        ])
        b += "<h2>Sleep disruption</h2>\n"
        b += table(["", "value"], [
            [cell("Cramps followed by waking (within 1 min)"),
             metric("cramps_that_woke", "\(c.crampsThatWoke) of \(c.cramps)")],
            [cell("Nights woken by a cramp"), metric("nights_woken", "\(c.nightsWokenByCramp)")],
            [cell("Time awake per night (mean, from movement)"),
             metric("wake_min_per_night", c.meanWakeMinutesPerNight.map { num($0, 1) + " min" } ?? "—")],
            [cell("Sleep efficiency (mean, from movement)"),
             metric("mean_sleep_efficiency", c.meanSleepEfficiency.map(pct) ?? "—")],
        ])
        b += "<h2>What the person noticed</h2>\n"
        b += table(["", "value"], [
            [cell("Cramps written in the diary"), metric("self_reported", "\(c.selfReportedCramps)")],
            [cell("Median pain (0–10)"), metric("median_pain", c.medianPain.map { num($0, 1) } ?? "—")],
            [cell("Reported and detected"), metric("matched", "\(c.matched)")],
            [cell("Reported, not detected"), metric("missed_by_detector", "\(c.missedByDetector)")],
            [cell("Detected, not reported"), metric("not_noticed", "\(c.notNoticed)")],
        ])
        return b
    }

    /// What the page does not say: the limits of what was measured.
    static let limitsSection = "<h2>What this page does not say</h2>\n<ul>\n"
        + "<li>It is not a diagnosis. Cramps are detected from surface EMG on one leg and a movement "
        + "sensor; the cause (medicines, vascular, neurological, metabolic or other conditions) is "
        + "outside what it can see.</li>\n"
        + "<li>Sleep figures come from movement, not from EEG: quiet wakefulness counts as sleep.</li>\n"
        + "<li>The detector was checked on simulated nights only; a cramp that began while the person was already "
        + "moving is not counted.</li>\n"
        + "<li>Diary factors are recorded by the person; the trend report shows them beside cramp nights as "
        + "counts, never as causes.</li>\n"
        + "</ul>\n"
}

/// Writes a report where only its owner can read it.
public enum ReportFile {
    public static func write(_ html: String, to path: String) throws {
        let fd: FileDescriptor
        do {
            fd = try path.withCString {
                try FileDescriptor.open($0, .writeOnly, options: [.create, .truncate, .closeOnExec],
                                        permissions: .ownerReadWrite)
            }
        } catch {
            throw ReportError("cannot write \(path): \(reason(error)). Choose another place with --out.")
        }
        defer { try? fd.close() }
        // An existing file keeps its mode on O_CREAT: make it private too.
        fchmod(fd.rawValue, 0o600)
        do {
            // FileDescriptor retries a write that a signal interrupts (EINTR).
            try fd.writeAll(html.utf8)
        } catch {
            throw ReportError("cannot write \(path): \(reason(error)).")
        }
    }

    /// The C library's words for a failed call (`strerror`).
    private static func reason(_ error: any Error) -> String {
        (error as? Errno).map { String(cString: strerror($0.rawValue)) } ?? "\(error)"
    }
}
