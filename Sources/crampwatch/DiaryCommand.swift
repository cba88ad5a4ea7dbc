import ArgumentParser
import Foundation
import Journal
import Reports

struct DiaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diary",
        abstract: "Your own notes: what you did in the evening, and cramps you noticed.",
        discussion: """
            Examples:
              crampwatch journal diary add --date 2026-11-24 --magnesium 300 --magnesium-form citrate --fluids 1500 --caffeine 80 \\
                  --exercise 30 --stretched --bedtime 22:45 --notes "long walk"
              crampwatch journal diary cramp --time 2026-11-25T02:40 --leg left --pain 7
              crampwatch journal diary list
            """,
        subcommands: [Add.self, Cramp.self, List.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Writes down an evening (adding again replaces that date's entry).")
        @Option(help: ArgumentHelp("The evening's date (default: today).", valueName: "yyyy-mm-dd")) var date: String?
        @Option(help: ArgumentHelp("Magnesium taken.", valueName: "mg")) var magnesium: Double?
        @Option(name: .customLong("magnesium-form"), help: ArgumentHelp("citrate, oxide, glycinate, food, …", valueName: "form")) var magnesiumForm: String?
        @Option(help: ArgumentHelp("Calcium taken.", valueName: "mg")) var calcium: Double?
        @Option(help: ArgumentHelp("Potassium taken.", valueName: "mg")) var potassium: Double?
        @Option(name: .customLong("vitamin-d"), help: ArgumentHelp("Vitamin D taken.", valueName: "IU")) var vitaminD: Double?
        @Option(help: ArgumentHelp("What you drank in the day.", valueName: "ml")) var fluids: Double?
        @Option(help: ArgumentHelp("Caffeine (a cup of coffee ≈ 80 mg).", valueName: "mg")) var caffeine: Double?
        @Option(help: ArgumentHelp("Alcohol (a small glass of wine ≈ 1.5 units).", valueName: "units")) var alcohol: Double?
        @Option(help: ArgumentHelp("Exercise.", valueName: "minutes")) var exercise: Double?
        @Flag(inversion: .prefixedNo, help: "Whether you stretched your legs before bed.") var stretched: Bool?
        @Option(help: ArgumentHelp("Stress, 0 (calm) to 10.", valueName: "0-10")) var stress: Int?
        @Option(help: ArgumentHelp("When you went to bed.", valueName: "hh:mm")) var bedtime: String?
        @Option(name: .customLong("wake-time"), help: ArgumentHelp("When you got up.", valueName: "hh:mm")) var wakeTime: String?
        @Flag(name: .customLong("late-meal"), inversion: .prefixedNo, help: "A big meal within 2 hours of bed.") var lateMeal: Bool?
        @Option(help: ArgumentHelp("Screens in the hour before bed.", valueName: "minutes")) var screens: Double?
        @Option(help: ArgumentHelp("Anything else.", valueName: "text")) var notes: String?
        @OptionGroup var journal: JournalOptions

        func validate() throws {
            if let date, Self.day(date) == nil { throw ValidationError("--date must look like 2026-11-24.") }
            if let stress, !(0...10).contains(stress) { throw ValidationError("--stress is 0 (calm) to 10.") }
            for (name, value) in [("--bedtime", bedtime), ("--wake-time", wakeTime)] {
                if let value, Self.clock(value) == nil { throw ValidationError("\(name) must look like 22:45.") }
            }
            for (name, value) in [("--magnesium", magnesium), ("--calcium", calcium), ("--potassium", potassium), ("--vitamin-d", vitaminD), ("--fluids", fluids),
                                  ("--caffeine", caffeine), ("--alcohol", alcohol), ("--exercise", exercise), ("--screens", screens)] {
                if let value, !(value >= 0 && value < 1_000_000) { throw ValidationError("\(name) must be a number of 0 or more.") }
            }
        }

        static func day(_ s: String) -> Date? {
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd"
            f.isLenient = false
            return s.count == 10 ? f.date(from: s) : nil
        }

        static func clock(_ s: String) -> String? {
            let p = s.split(separator: ":").compactMap { Int($0) }
            guard p.count == 2, (0..<24).contains(p[0]), (0..<60).contains(p[1]) else { return nil }
            return String(format: "%02d:%02d", p[0], p[1])
        }

        func run() throws {
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd"
            var e = DiaryEntry(date: date ?? f.string(from: Date()))
            e.magnesiumMg = magnesium; e.magnesiumForm = magnesiumForm; e.calciumMg = calcium; e.potassiumMg = potassium; e.vitaminDIU = vitaminD
            e.fluidsMl = fluids; e.caffeineMg = caffeine; e.alcoholUnits = alcohol; e.exerciseMinutes = exercise; e.stretchedBeforeBed = stretched
            e.stress = stress; e.bedtime = bedtime.flatMap(Self.clock); e.wakeTime = wakeTime.flatMap(Self.clock); e.lateMeal = lateMeal
            e.screensMinutesBeforeBed = screens; e.notes = notes
            let j = try openJournal(journal)
            try j.saveDiary(e)
            print("Diary for the evening of \(e.date) saved (\(e.factors.count) factor\(e.factors.count == 1 ? "" : "s")\(notes == nil ? "" : " and a note")).")
        }
    }

    struct Cramp: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Writes down a cramp you noticed; reports compare it with what was detected.")
        @Option(help: ArgumentHelp("When it started, local time.", valueName: "yyyy-mm-ddThh:mm")) var time: String
        @Option(help: ArgumentHelp("left, right or both.", valueName: "leg")) var leg: String
        @Option(help: ArgumentHelp("How much it hurt, 0 to 10.", valueName: "0-10")) var pain: Int
        @Option(help: ArgumentHelp("About how long it lasted.", valueName: "minutes")) var duration: Double?
        @Option(help: ArgumentHelp("Anything else.", valueName: "text")) var notes: String?
        @OptionGroup var journal: JournalOptions

        static func parse(_ s: String) -> Date? {
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd'T'HH:mm"
            return f.date(from: s) ?? ISO8601DateFormatter().date(from: s)
        }

        func validate() throws {
            guard Self.parse(time) != nil else { throw ValidationError("--time must look like 2026-11-25T02:40.") }
            guard ["left", "right", "both"].contains(leg) else { throw ValidationError("--leg must be left, right or both.") }
            guard (0...10).contains(pain) else { throw ValidationError("--pain is 0 (none) to 10 (worst).") }
        }

        func run() throws {
            let j = try openJournal(journal)
            try j.saveSelfReportedCramp(SelfReportedCramp(time: Self.parse(time)!, leg: leg, pain: pain, durationMinutes: duration, notes: notes))
            print("Cramp at \(time) (\(leg) leg, pain \(pain)/10) written down.")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists diary entries and the cramps you wrote down, matched with detected ones.")
        @OptionGroup var journal: JournalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let j = try openJournal(journal)
            let diary = try j.diary(), reports = try j.selfReportedCramps()
            let nights = try j.nights().compactMap { try NightData.load(j, night: $0.id!) }
            let r = Reconciliation.reconcile(reports: reports, nights: nights, diaryDates: Set(diary.map(\.date)))
            if json {
                struct Out: Encodable {
                    var diary: [DiaryEntry]
                    var self_reported: [SelfReportedCramp]
                    var matched: Int
                    var missed_by_detector: Int
                    var detected_not_noticed: Int
                    var on_unrecorded_nights: Int
                }
                try printJSON(Out(diary: diary, self_reported: reports, matched: r.matched.count, missed_by_detector: r.missedByDetector.count,
                                  detected_not_noticed: r.notNoticed.count, on_unrecorded_nights: r.unrecorded.count))
                return
            }
            if diary.isEmpty && reports.isEmpty { print("The diary is empty; `crampwatch journal diary add --help` shows what you can write down.") }
            for e in diary {
                let factors = e.factors.map { "\($0.name.replacingOccurrences(of: "_", with: " ")) \($0.value == $0.value.rounded() ? "\(Int($0.value))" : "\($0.value)")" }
                print("\(e.date)  " + (factors + [e.bedtime.map { "bed \($0)" }, e.notes.map { "\"\($0)\"" }].compactMap { $0 }).joined(separator: ", "))
            }
            if !reports.isEmpty {
                print("\nCramps you wrote down: \(reports.count); \(r.matched.count) match a detected cramp, \(r.missedByDetector.count) were not detected, "
                      + "\(r.unrecorded.count) fell on nights without a recording. Detected but not written down: \(r.notNoticed.count).")
            }
        }
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Writes reports as self-contained HTML files (open them in any browser; nothing goes online).",
        subcommands: [Night.self, Trend.self, Clinician.self]
    )

    static func write(_ html: String, to path: String) throws {
        do {
            try PrivateFile.write(path: path, Data(html.utf8))
        } catch {
            complain("\(error)")
            throw Exit.failure
        }
        print("Wrote \(path)")
    }

    struct Night: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One night's timeline and events.")
        @Argument(help: ArgumentHelp("The night's number (see `crampwatch journal nights`).", valueName: "night")) var night: Int64
        @Option(help: ArgumentHelp("Where to write the report.", valueName: "file.html")) var out: String?
        @OptionGroup var journal: JournalOptions

        func run() throws {
            let j = try openJournal(journal)
            guard let d = try NightData.load(j, night: night) else {
                complain("there is no night \(night) in \(j.path); `crampwatch journal nights` lists them.")
                throw Exit.failure
            }
            try ReportCommand.write(Reports.night(d), to: out ?? "crampwatch-night-\(night).html")
        }
    }

    struct Trend: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Trends over your nights, with your diary beside them.")
        @Option(help: ArgumentHelp("Where to write the report.", valueName: "file.html")) var out = "crampwatch-trends.html"
        @OptionGroup var journal: JournalOptions

        func run() throws {
            let j = try openJournal(journal)
            let nights = try j.nights().compactMap { try NightData.load(j, night: $0.id!) }
            try ReportCommand.write(Reports.trend(nights: nights, diary: try j.diary()), to: out)
        }
    }

    struct Clinician: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A one-page summary to take to your doctor.")
        @Option(help: ArgumentHelp("Where to write the report.", valueName: "file.html")) var out = "crampwatch-clinician.html"
        @Option(help: ArgumentHelp("A line naming you, printed at the top.", valueName: "text")) var name: String?
        @OptionGroup var journal: JournalOptions

        func run() throws {
            let j = try openJournal(journal)
            let nights = try j.nights().compactMap { try NightData.load(j, night: $0.id!) }
            let diary = try j.diary()
            let r = Reconciliation.reconcile(reports: try j.selfReportedCramps(), nights: nights, diaryDates: Set(diary.map(\.date)))
            try ReportCommand.write(Reports.clinician(nights: nights, reconciliation: r, patient: name), to: out)
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Exports nights and events (CSV or JSON) for a spreadsheet or a script.")
    @Option(help: ArgumentHelp("csv or json.", valueName: "format")) var format = "csv"
    @Option(help: ArgumentHelp("Where to write (default: standard output).", valueName: "file")) var out: String?
    @OptionGroup var journal: JournalOptions

    func validate() throws {
        guard format == "csv" || format == "json" else { throw ValidationError("--format must be csv or json.") }
    }

    func run() throws {
        let j = try openJournal(journal)
        var rows: [[String: String]] = []
        for n in try j.nights() {
            for e in try j.events(night: n.id!) {
                rows.append(["night": "\(n.id!)", "kind": e.kind, "onset_s": "\(e.onsetSeconds)", "offset_s": "\(e.offsetSeconds)",
                             "started_at": n.startedAt.map { ISO8601DateFormatter().string(from: $0.addingTimeInterval(e.onsetSeconds)) } ?? "",
                             "channel": e.channel.map(String.init) ?? "", "peak_uv": e.peakMicrovolts.map { "\($0)" } ?? "", "confidence": "\(e.confidence)"])
            }
            for g in try j.gaps(night: n.id!) {
                rows.append(["night": "\(n.id!)", "kind": "gap", "onset_s": "\(g.onsetSeconds)", "offset_s": "\(g.offsetSeconds)", "started_at": "", "channel": "", "peak_uv": "", "confidence": ""])
            }
        }
        let columns = ["night", "kind", "onset_s", "offset_s", "started_at", "channel", "peak_uv", "confidence"]
        let data: Data
        if format == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            data = try encoder.encode(rows)
        } else {
            data = Data((([columns.joined(separator: ",")] + rows.map { r in columns.map { r[$0] ?? "" }.joined(separator: ",") }).joined(separator: "\n") + "\n").utf8)
        }
        if let out {
            try PrivateFile.write(path: out, data)
            print("Exported \(rows.count) rows to \(out)")
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
