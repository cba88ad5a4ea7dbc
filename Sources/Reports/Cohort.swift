import Foundation
import Journal
import NightAnalysis

/// One participant's (or the pooled cohort's) figures in a study: the trend report's numbers with cramp nights
/// per week stated with their 95 % interval (7 × the Wilson interval of cramp nights among nights with EMG).
public struct CohortRow: Sendable, Codable, Equatable {
    /// The pseudonym, or "pooled".
    public var participant: String
    public var nights: Int
    public var nightsWithEMG: Int
    public var crampNights: Int
    public var cramps: Int
    public var crampNightsPerWeek: Double?
    public var crampNightsPerWeekLow: Double?
    public var crampNightsPerWeekHigh: Double?
    public var medianCrampSeconds: Double?
    public var crampSeconds: Double
    public var awakenings: Int
    public var awakeningsPerNight: Double?
    /// Nights whose sleep and wake were measured (an accelerometer or scored stages).
    public var nightsWithSleep: Int
    public var meanSleepEfficiency: Double?
    /// Diary factors as counts with their intervals: cramp nights among nights with and without each.
    public var factors: [FactorRow]

    /// `nightsWithSleep`: the nights whose wake was measured, over which `awakenings` were counted.
    init(participant: String, nights: Int, nightsWithEMG: Int, crampNights: Int, cramps: Int,
         crampDurations: [Double], awakenings: Int, nightsWithSleep: Int, sleepEfficiencies: [Double],
         factors: [FactorRow]) {
        self.participant = participant
        self.nights = nights
        self.nightsWithEMG = nightsWithEMG
        self.crampNights = crampNights
        self.cramps = cramps
        let rate = Stats.wilson(crampNights, nightsWithEMG)
        crampNightsPerWeek = nightsWithEMG > 0 ? 7 * Double(crampNights) / Double(nightsWithEMG) : nil
        crampNightsPerWeekLow = nightsWithEMG > 0 ? 7 * rate.low : nil
        crampNightsPerWeekHigh = nightsWithEMG > 0 ? 7 * rate.high : nil
        medianCrampSeconds = Stats.median(crampDurations)
        crampSeconds = crampDurations.reduce(0, +).withoutBinaryNoise
        self.awakenings = awakenings
        awakeningsPerNight = nightsWithSleep > 0 ? Double(awakenings) / Double(nightsWithSleep) : nil
        self.nightsWithSleep = nightsWithSleep
        meanSleepEfficiency = Stats.mean(sleepEfficiencies)
        self.factors = factors
    }
}

/// The cohort report's numbers (`crampwatch study report --json`).
public struct CohortNumbers: Sendable, Codable, Equatable {
    public var participants: [CohortRow]
    /// Every participant's nights counted together, as if independent (they are not: a person's nights resemble
    /// each other), so its intervals are narrower than a model of the cohort would give.
    public var pooled: CohortRow
    /// Nights the hubs withdrew (deleted or analysed again), left out of every figure.
    public var withdrawnNights: Int

    /// Each participant's figures from their snapshot (the trend report's own `TrendNumbers`), and the pool.
    public static func compute(_ snapshots: [(participant: String, snapshot: JournalSnapshot)],
                               withdrawnNights: Int = 0) -> CohortNumbers {
        var rows: [CohortRow] = []
        var durations: [Double] = [], efficiencies: [Double] = []
        for (p, s) in snapshots.sorted(by: { $0.participant < $1.participant }) {
            let t = TrendNumbers.compute(s)
            let emg = s.nights.filter(\.emgMeasured)
            let d = emg.flatMap(\.crampDurations), e = s.nights.compactMap(\.sleepEfficiency)
            durations += d
            efficiencies += e
            rows.append(CohortRow(participant: p, nights: t.nights, nightsWithEMG: t.nights - t.nightsWithoutEMG,
                                  crampNights: t.crampNights, cramps: t.cramps, crampDurations: d,
                                  awakenings: t.awakenings, nightsWithSleep: t.nights - t.nightsWithoutSleepMeasured,
                                  sleepEfficiencies: e, factors: t.factors))
        }
        let factors = DiaryFactor.all.enumerated().map { i, f in
            FactorRow(factor: f.name, subject: f.subject,
                      nightsWith: rows.map { $0.factors[i].nightsWith }.reduce(0, +),
                      crampNightsWith: rows.map { $0.factors[i].crampNightsWith }.reduce(0, +),
                      nightsWithout: rows.map { $0.factors[i].nightsWithout }.reduce(0, +),
                      crampNightsWithout: rows.map { $0.factors[i].crampNightsWithout }.reduce(0, +))
        }
        let pooled = CohortRow(participant: "pooled", nights: rows.map(\.nights).reduce(0, +),
                               nightsWithEMG: rows.map(\.nightsWithEMG).reduce(0, +),
                               crampNights: rows.map(\.crampNights).reduce(0, +),
                               cramps: rows.map(\.cramps).reduce(0, +),
                               crampDurations: durations, awakenings: rows.map(\.awakenings).reduce(0, +),
                               nightsWithSleep: rows.map(\.nightsWithSleep).reduce(0, +),
                               sleepEfficiencies: efficiencies, factors: factors)
        return CohortNumbers(participants: rows, pooled: pooled, withdrawnNights: withdrawnNights)
    }
}

/// The cohort report: one self-contained HTML page, per participant and pooled. Counts with intervals, never causes.
public enum CohortReport {
    public static func render(_ c: CohortNumbers, study: String, generated: Date = Date()) -> String {
        var b = "<h1>Crampwatch — study cohort</h1>\n"
        b += "<p>\(esc(study)): \(esc(Words.count(c.participants.count, "participant"))), "
            + "\(esc(Words.count(c.pooled.nights, "night"))) (\(c.withdrawnNights) withdrawn by their hubs, left out). "
            + "Participants are pseudonyms.</p>\n"
        b += "<h2>Cramp nights per week</h2>\n"
        b += table(["participant", "nights", "with EMG", "cramp nights", "cramp nights / week (95 % interval)",
                    "cramps", "median duration", "awakenings / night", "sleep efficiency"],
                   (c.participants + [c.pooled]).map(row))
        b += "<p class=\"note\">Pooled counts every night as if independent; a person's nights resemble each other, "
            + "so the pooled interval is narrower than the cohort's real uncertainty.</p>\n"
        b += "<h2>Diary factors (pooled)</h2>\n"
        b += "<p class=\"note\">Cramp nights among nights with and without each factor. Counts and intervals, not "
            + "causes: a difference here can come from anything that goes with the factor.</p>\n"
        b += factorTable(c.pooled.factors)
        b += "<h2>Diary factors per participant</h2>\n"
        b += "<p class=\"note\">The same counts within each participant's own nights, for the factors their diary "
            + "records: one person's nights compared with each other.</p>\n"
        for r in c.participants {
            let recorded = r.factors.filter { $0.nightsWith > 0 }
            b += "<section data-participant=\"\(esc(r.participant))\"><h3>\(esc(r.participant))</h3>\n"
            b += recorded.isEmpty ? "<p>No diary factor recorded.</p>\n" : factorTable(recorded)
            b += "</section>\n"
        }
        b += "<p class=\"note\">Made by Crampwatch on \(esc(ISO8601DateFormatter().string(from: generated))). "
            + "Crampwatch detects events from surface EMG and movement; it does not diagnose anything.</p>\n"
        return page(ReportBody(title: "Crampwatch — study cohort", html: b))
    }

    /// Cramp nights among nights with and without each factor, each count findable by its metric name.
    static func factorTable(_ factors: [FactorRow]) -> String {
        table(["factor", "nights with", "cramp nights with", "rate with (95 %)", "nights without",
               "cramp nights without", "rate without (95 %)", "do the nights show a difference?"],
              factors.map { f in
            [cell(f.factor), metric("nights_with", "\(f.nightsWith)"),
             metric("cramp_nights_with", "\(f.crampNightsWith)"),
             cell(rate(f.rateWith, f.rateWithLow, f.rateWithHigh)), metric("nights_without", "\(f.nightsWithout)"),
             metric("cramp_nights_without", "\(f.crampNightsWithout)"),
             cell(rate(f.rateWithout, f.rateWithoutLow, f.rateWithoutHigh)), cell(f.verdict)]
        })
    }

    static func row(_ r: CohortRow) -> [String] {
        let perWeek = r.crampNightsPerWeek.map { v in
            "\(Words.number(v, decimals: 1)) (\(Words.number(r.crampNightsPerWeekLow ?? 0, decimals: 1))–"
                + "\(Words.number(r.crampNightsPerWeekHigh ?? 0, decimals: 1)))"
        } ?? "— (no nights with EMG)"
        return [cell(r.participant, nowrap: true), metric("nights", "\(r.nights)"),
                metric("nights_with_emg", "\(r.nightsWithEMG)"), metric("cramp_nights", "\(r.crampNights)"),
                cell(perWeek), metric("cramps", "\(r.cramps)"),
                cell(r.medianCrampSeconds.map { Words.duration($0) } ?? "—", nowrap: true),
                cell(r.awakeningsPerNight.map { Words.number($0, decimals: 1) } ?? "—"),
                cell(r.meanSleepEfficiency.map(Words.percent) ?? "—")]
    }

    static func rate(_ r: Double?, _ lo: Double?, _ hi: Double?) -> String {
        guard let r, let lo, let hi else { return "—" }
        return "\(Words.percent(r)) (\(Words.percent(lo))–\(Words.percent(hi)))"
    }
}
