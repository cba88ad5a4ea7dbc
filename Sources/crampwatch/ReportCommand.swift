import ArgumentParser
import Foundation
import Journal
import Reports

/// JSON with snake_case keys, like `replay --json` (for the diary and report commands).
func printISOJSON<T: Encodable>(_ value: T) throws { try printJSON(value, snakeCase: true) }

/// Writes a file only its owner can read.
func writePrivate(_ data: Data, to path: String) throws {
    do {
        try ReportFile.write(String(decoding: data, as: UTF8.self), to: path)
    } catch {
        complain(error)
        throw Exit.failure
    }
}

extension JournalCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exports journal tables as CSV (one table) or JSON (one table or all).",
            discussion: "Tables: \(Journal.exportableTables.joined(separator: ", ")). The per-second traces are not "
                        + "exported."
        )
        enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }
        @Option(help: ArgumentHelp("csv or json.", valueName: "format")) var format: Format = .json
        @Option(help: ArgumentHelp("The table to export (CSV needs one; JSON exports all when omitted).",
                                   valueName: "table")) var table: String?
        @Option(help: ArgumentHelp("Write to this file (mode 0600) instead of standard output.",
                                   valueName: "path")) var out: String?
        @OptionGroup var journal: JournalOptions

        func validate() throws {
            if let table, !Journal.exportableTables.contains(table) {
                throw ValidationError("--table must be one of \(Journal.exportableTables.joined(separator: ", ")).")
            }
            if format == .csv && table == nil {
                throw ValidationError("CSV holds one table: add --table, e.g. --table event.")
            }
        }

        func run() throws {
            let j = try openJournal(journal)
            let data: Data
            do {
                switch format {
                case .csv:
                    let t = try j.exportTable(table!)
                    var s = t.columns.map { ExportValue.text($0).csv }.joined(separator: ",") + "\n"
                    for r in t.rows { s += r.map(\.csv).joined(separator: ",") + "\n" }
                    data = Data(s.utf8)
                case .json:
                    var object: [String: [[String: ExportValue]]] = [:]
                    for name in table.map({ [$0] }) ?? Journal.exportableTables {
                        let t = try j.exportTable(name)
                        object[name] = t.rows.map { Dictionary(uniqueKeysWithValues: zip(t.columns, $0)) }
                    }
                    data = try isoJSON(object) + Data("\n".utf8)
                }
            } catch {
                complain(error)
                throw Exit.failure
            }
            if let out {
                try writePrivate(data, to: out)
                FileHandle.standardError.write(Data("Wrote \(out).\n".utf8))
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Writes a report from your journal as one self-contained HTML file (no network needed, private: mode "
                  + "0600).",
        subcommands: [NightReportCommand.self, TrendReportCommand.self, ClinicianReportCommand.self]
    )
}

/// Options shared by the reports.
struct ReportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Where to write the HTML file (mode 0600).", valueName: "path")) var out: String?
    @Flag(help: "Also print the report's numbers as JSON.") var json = false
}

struct RangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("First evening to include.", valueName: "yyyy-mm-dd")) var from: String?
    @Option(help: ArgumentHelp("Last evening to include.", valueName: "yyyy-mm-dd")) var to: String?

    func validate() throws {
        for (name, v) in [("--from", from),
                          ("--to", to)] { if let v, !isDate(v) { throw ValidationError("\(name) must be a calendar "
                                                                                       + "date like 2026-05-03.") } }
        if let from, let to, from > to { throw ValidationError("--from (\(from)) is after --to (\(to)); swap them.") }
    }
}

struct ReportOutput<T: Encodable>: Encodable {
    var path: String
    var numbers: T
}

func finishReport<T: Encodable>(_ html: String, _ options: ReportOptions, defaultName: String, numbers: T) throws {
    let path = options.out ?? defaultName
    do {
        try ReportFile.write(html, to: path)
    } catch {
        complain(error)
        throw Exit.failure
    }
    if options.json {
        try printISOJSON(ReportOutput(path: path, numbers: numbers))
    } else {
        print("Wrote \(path).")
    }
}

func loadSnapshot(_ options: JournalOptions) throws -> (Journal, JournalSnapshot) {
    let j = try openJournal(options)
    do {
        return (j, try JournalSnapshot(journal: j))
    } catch {
        complain(error)
        throw Exit.failure
    }
}

struct NightReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "night",
                                                    abstract: "One night's timeline: EMG, movement, sleep and wake, "
                                                              + "events and gaps.")
    @Argument(help: ArgumentHelp("The night's number (see `crampwatch journal nights`).",
                                 valueName: "night")) var night: Int64
    @OptionGroup var journal: JournalOptions
    @OptionGroup var options: ReportOptions

    func run() throws {
        let (j, s) = try loadSnapshot(journal)
        let html: String
        do {
            html = try NightReport.render(snapshot: s, journal: j, night: night)
        } catch {
            complain(error)
            throw Exit.failure
        }
        try finishReport(html, options, defaultName: "crampwatch-night-\(night).html", numbers: s.night(night)
                             .map(NightNumbers.init))
    }
}

struct NightNumbers: Encodable {
    var night: Int64
    var cramps: Int
    var cramp_s: Double
    var longest_cramp_s: Double
    var cramps_that_woke: Int?
    var leg_movements: Int
    /// Nil (null) for a night whose wake was not measured: no accelerometer and no scored stages.
    var awakenings: Int?
    var wake_s: Double?
    var sleep_efficiency: Double?
    var gaps: Int
    var gap_s: Double
    /// False for a night without EMG: its cramp and leg-movement fields are null, and `note` says why.
    var emg_measured: Bool
    init(_ n: NightFacts) {
        night = n.id; cramps = n.cramps; cramp_s = n.crampSeconds; longest_cramp_s = n.longestCrampSeconds
        cramps_that_woke = n.crampsThatWoke
        leg_movements = n.legMovements; awakenings = n.awakenings; wake_s = n.wakeSeconds
        sleep_efficiency = n.sleepEfficiency; gaps = n.gaps; gap_s = n.gapSeconds
        emg_measured = n.emgMeasured
    }

    enum CodingKeys: String, CodingKey {
        case night, cramps, cramp_s, longest_cramp_s, cramps_that_woke, leg_movements, awakenings, wake_s,
        sleep_efficiency, gaps, gap_s, emg_measured, note
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(night, forKey: .night)
        try c.encode(emg_measured, forKey: .emg_measured)
        if emg_measured {
            try c.encode(cramps, forKey: .cramps)
            try c.encode(cramp_s, forKey: .cramp_s)
            try c.encode(longest_cramp_s, forKey: .longest_cramp_s)
            try c.encode(cramps_that_woke, forKey: .cramps_that_woke)  // null when wake was not measured
            try c.encode(leg_movements, forKey: .leg_movements)
        } else {
            for key in [CodingKeys.cramps, .cramp_s, .longest_cramp_s, .cramps_that_woke, .leg_movements] {
                try c.encodeNil(forKey: key)
            }
            try c.encode(NightReport.noEMGNote, forKey: .note)
        }
        try c.encode(awakenings, forKey: .awakenings)
        try c.encode(wake_s, forKey: .wake_s)
        try c.encode(sleep_efficiency, forKey: .sleep_efficiency)
        try c.encode(gaps, forKey: .gaps)
        try c.encode(gap_s, forKey: .gap_s)
    }
}

struct TrendReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trend",
                                                    abstract: "Weeks of nights: cramps, durations, time of night, "
                                                              + "sleep, bedtimes, and diary factors beside cramp "
                                                              + "nights.")
    @OptionGroup var range: RangeOptions
    @OptionGroup var journal: JournalOptions
    @OptionGroup var options: ReportOptions

    func run() throws {
        let (_, s) = try loadSnapshot(journal)
        try finishReport(TrendReport.render(snapshot: s, from: range.from, to: range.to), options,
                         defaultName: "crampwatch-trend.html",
                         numbers: TrendNumbers.compute(s, from: range.from, to: range.to))
    }
}

extension Paper: ExpressibleByArgument {}

struct ClinicianReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clinician",
                                                    abstract: "One printable page for your doctor: how often, how "
                                                              + "long, how disruptive, and the signs worth a visit.")
    @OptionGroup var range: RangeOptions
    @Option(help: ArgumentHelp("A line naming you, printed at the top.", valueName: "text")) var name: String?
    @Option(help: ArgumentHelp("The paper it is printed on: a4 or letter (default: the printer's; the page fits "
                               + "either).", valueName: "paper")) var paper: Paper?
    @OptionGroup var journal: JournalOptions
    @OptionGroup var options: ReportOptions

    func run() throws {
        let (_, s) = try loadSnapshot(journal)
        try finishReport(ClinicianReport.render(snapshot: s, from: range.from, to: range.to, patient: name,
                                                paper: paper), options,
                         defaultName: "crampwatch-clinician.html",
                         numbers: ClinicianSummary.compute(s, from: range.from, to: range.to))
    }
}
