import ArgumentParser
import Foundation
import NightAnalysis
import Journal
import Recordings
import Reports
import Sessions

/// A real calendar date written yyyy-mm-dd, checked as the diary checks its evenings.
func isDate(_ s: String) -> Bool { CheckedDiary.isDate(s) }

/// The evening we are in now: before noon it is still last night's.
func currentEvening() -> String { JournalSnapshot.eveningDate(Date(), timeZone: .current) }

extension JournalCommand {
    struct Diary: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes down what you did and how you slept, and the cramps you noticed.",
            subcommands: [Add.self, Cramp.self, List.self]
        )
    }
}

extension JournalCommand.Diary {
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Adds (or amends) the diary entry for one evening.",
            discussion: """
                The entry belongs to the evening the night began: a cramp at 03:10 goes in the previous \
                evening's entry.
                Give only what you know; a second `diary add` for the same date fills in or replaces the fields it \
                names; --notes adds a note below the earlier ones (the same note twice is kept once).
                Examples:
                  crampwatch journal diary add --magnesium 300 --magnesium-form citrate
                  crampwatch journal diary add --fluids 1800 --exercise 40 --stretched
                  crampwatch journal diary add --bedtime 23:10 --cramp 03:10,left,7
                """
        )
        @Option(help: ArgumentHelp("The evening the night began (default: this evening, or last evening before noon).",
                                   valueName: "yyyy-mm-dd")) var date: String?
        // Amounts and stress are taken as text so that the one check (CheckedDiary) reads them and says what is
        // wrong in the same words as the web form does.
        @Option(help: ArgumentHelp("Magnesium taken that day.", valueName: "mg")) var magnesium: String?
        @Option(name: .customLong("magnesium-form"),
                help: ArgumentHelp("Supplement form (citrate, oxide, glycinate, …) or \"food\".",
                                   valueName: "form")) var magnesiumForm: String?
        @Option(help: ArgumentHelp("Calcium taken that day.", valueName: "mg")) var calcium: String?
        @Option(help: ArgumentHelp("Potassium taken that day.", valueName: "mg")) var potassium: String?
        @Option(name: .customLong("vitamin-d"),
                help: ArgumentHelp("Vitamin D taken that day.", valueName: "IU")) var vitaminD: String?
        @Option(help: ArgumentHelp("Fluids drunk that day.", valueName: "ml")) var fluids: String?
        @Option(help: ArgumentHelp("Caffeine that day (a cup of coffee is about 95 mg).",
                                   valueName: "mg")) var caffeine: String?
        @Option(help: ArgumentHelp("Alcohol that day, in units (8 g of alcohol each; a small glass of wine is about "
                                   + "1.5).", valueName: "units")) var alcohol: String?
        @Option(help: ArgumentHelp("Exercise that day.", valueName: "minutes")) var exercise: String?
        @Flag(inversion: .prefixedNo, help: "Whether you stretched your legs before bed.") var stretched: Bool?
        @Option(help: ArgumentHelp("Stress that day, 0 (none) to 10 (worst).", valueName: "0-10")) var stress: String?
        @Option(help: ArgumentHelp("When you went to bed.", valueName: "HH:mm")) var bedtime: String?
        @Option(name: .customLong("wake-time"),
                help: ArgumentHelp("When you got up.", valueName: "HH:mm")) var wakeTime: String?
        @Flag(name: .customLong("late-meal"), inversion: .prefixedNo,
              help: "Whether you ate a meal within 2 hours of bed.") var lateMeal: Bool?
        @Option(help: ArgumentHelp("Screen time in the hour before bed.", valueName: "minutes")) var screens: String?
        @Option(help: ArgumentHelp("Free notes.", valueName: "text")) var notes: String?
        @Option(help: ArgumentHelp("A cramp you noticed: clock time, leg (left, right, both) and pain 0-10, e.g. "
                                   + "03:10,left,7. Repeat for more.", valueName: "HH:mm,leg,pain"))
        var cramp: [String] = []
        @OptionGroup var journal: JournalOptions
        @Flag(help: "Print the saved entry as JSON.") var json = false

        /// What was typed, as the web form would give it, for the one check.
        var input: DiaryInput {
            let yesNo = { (b: Bool?) in b.map { $0 ? "yes" : "no" } }
            let fields: [String: String?] = [
                "magnesium": magnesium, "magnesium_form": magnesiumForm, "calcium": calcium, "potassium": potassium,
                "vitamin_d": vitaminD, "fluids": fluids, "caffeine": caffeine, "alcohol": alcohol,
                "exercise": exercise, "stretched": yesNo(stretched), "stress": stress, "bedtime": bedtime,
                "wake_time": wakeTime, "late_meal": yesNo(lateMeal), "screens": screens, "notes": notes,
            ]
            return DiaryInput(date: date, fields: fields.compactMapValues { $0 },
                              cramps: cramp.map(NoticedCrampInput.init(line:)))
        }

        func checked() throws(ValidationError) -> CheckedDiary {
            do {
                return try CheckedDiary(input, today: currentEvening(), timeZone: .current)
            } catch {
                throw ValidationError(error.description)
            }
        }

        func validate() throws { _ = try checked() }

        func run() throws {
            let diary = try checked()
            let (entry, reports, evening) = (diary.entry, diary.cramps, diary.entry.date)
            let j = try openJournal(journal)
            let saved: DiaryEntry
            do {
                saved = try j.amendDiary(entry, cramps: reports)
            } catch {
                complain(error)
                throw Exit.failure
            }
            if json {
                try printISOJSON(DiaryRow(saved, cramps: reports.map { CrampRow($0, status: nil) }))
            } else {
                print("Saved the diary for the evening of \(evening) in "
                      + "\(j.path)" + (reports.isEmpty ? "." : ", with \(reports.count) "
                                                               + "cramp\(reports.count == 1 ? "" : "s") you noticed."))
            }
        }
    }

    struct Cramp: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Writes down a cramp you noticed, with its full date "
                                                                  + "and time; reports compare it with what was "
                                                                  + "detected.")
        @Option(help: ArgumentHelp("When it started, local time.", valueName: "yyyy-mm-ddThh:mm")) var time: String
        @Option(help: ArgumentHelp("left, right or both.", valueName: "leg")) var leg: String
        @Option(help: ArgumentHelp("How much it hurt, 0 (none) to 10 (worst).", valueName: "0-10")) var pain: Int
        @Option(help: ArgumentHelp("About how long it lasted.", valueName: "minutes")) var duration: Double?
        @Option(help: ArgumentHelp("Anything else.", valueName: "text")) var notes: String?
        @OptionGroup var journal: JournalOptions

        static func parse(_ s: String) -> Date? {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.dateFormat = "yyyy-MM-dd'T'HH:mm"
            f.isLenient = false
            return f.date(from: s) ?? ISO8601DateFormatter().date(from: s)
        }

        func validate() throws {
            guard let when = Self.parse(time) else {
                throw ValidationError("--time must look like 2026-11-25T02:40 (local time).")
            }
            guard when.timeIntervalSinceNow < 300 else {
                throw ValidationError("--time \(time) is in the future; give the time the cramp started.")
            }
            guard DiaryLimits.legs.contains(leg) else {
                throw ValidationError("--leg must be left, right or both.")
            }
            guard DiaryLimits.pain.contains(pain) else {
                throw ValidationError("--pain must be a whole number from 0 (none) to 10 (worst).")
            }
            if let duration, !(duration > 0 && duration <= 600) {
                throw ValidationError("--duration must be more than 0 and at most 600 minutes.")
            }
        }

        func run() throws {
            let j = try openJournal(journal)
            do {
                try j.saveSelfReportedCramp(SelfReportedCramp(time: Self.parse(time)!, leg: leg, pain: pain,
                                                              durationMinutes: duration, notes: notes))
            } catch {
                complain(error)
                throw Exit.failure
            }
            print("Cramp at \(time) (\(leg) leg, pain \(pain)/10) written down.")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists diary entries with the cramps you noticed and "
                                                                  + "whether the detector saw them.")
        @Option(help: ArgumentHelp("First evening to list.", valueName: "yyyy-mm-dd")) var from: String?
        @Option(help: ArgumentHelp("Last evening to list.", valueName: "yyyy-mm-dd")) var to: String?
        @OptionGroup var journal: JournalOptions
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            for (name, v) in [("--from", from),
                              ("--to",
                               to)] { if let v, !isDate(v) { throw ValidationError("\(name) must be a calendar date "
                                                                                   + "like 2026-05-03.") } }
        }

        func run() throws {
            let j = try openJournal(journal)
            let snapshot = try JournalSnapshot(journal: j)
            let rec = snapshot.reconcile()
            var status: [Int64: String] = [:]
            for p in rec.matched { status[p.report.id!] = "matched" }
            for r in rec.missedByDetector { status[r.id!] = "missed_by_detector" }
            for r in rec.outsideRecordings { status[r.id!] = "not_recorded" }
            let entries = try j.diaryEntries(from: from, to: to)
            let crampsByDate = Dictionary(grouping: snapshot.selfReports, by: snapshot.evening(of:))
            let rows = entries.map { e in DiaryRow(e, cramps: (crampsByDate[e.date] ?? [])
                                                       .map { CrampRow($0, status: status[$0.id!]) }) }
            if json {
                try printISOJSON(rows)
                return
            }
            if rows.isEmpty {
                print("No diary entries yet. Add one with `crampwatch journal diary add --magnesium 300 --fluids 1500 "
                      + "…`.")
                return
            }
            for (e, r) in zip(entries, rows) {
                print("\(e.date): " + factorText(e))
                if let n = e.notes { print("  notes: \(n.replacingOccurrences(of: "\n", with: " / "))") }
                for c in r.cramps {
                    let s = ["matched": "detected too", "missed_by_detector": "NOT detected",
                             "not_recorded": "no recording that night"][c.status ?? ""] ?? "not compared"
                    print("  cramp you noticed at \(clockText(c.occurredAt)): \(c.leg) leg, pain \(c.pain)/10 — \(s)")
                }
            }
            let evenings = Set(entries.map(\.date))
            let unnoticed = rec.notNoticed.filter { e in
                snapshot.nights.first { $0.id == e.nightId }?.evening.map(evenings.contains) ?? false
            }
            if !unnoticed.isEmpty {
                print("\(unnoticed.count) detected cramp\(unnoticed.count == 1 ? "" : "s") in these nights you did not "
                      + "note (slept through, or forgot).")
            }
        }
    }
}

func clockText(_ d: Date) -> String { Words.date(d, "HH:mm") }

func factorText(_ e: DiaryEntry) -> String { DiaryText.factors(e) }

struct CrampRow: Encodable {
    var occurredAt: Date
    var leg: String
    var pain: Int
    /// matched, missed_by_detector, not_recorded, or nil when not compared.
    var status: String?
    init(_ r: SelfReportedCramp,
         status: String?) { occurredAt = r.time; leg = r.leg; pain = r.pain; self.status = status }
    enum CodingKeys: String, CodingKey { case occurredAt = "occurred_at", leg, pain, status }
}

struct DiaryRow: Encodable {
    var entry: DiaryEntry
    var cramps: [CrampRow]
    init(_ e: DiaryEntry, cramps: [CrampRow]) { entry = e; self.cramps = cramps }
    enum CodingKeys: String, CodingKey { case entry, cramps }
}

extension JournalCommand {
    struct Annotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Imports reference labels for a night (a labels.csv: kind,onset_s,offset_s), shown beside the "
                      + "detected events in `report night`.",
            discussion: "Importing the same file again replaces its labels; labels from other sources stay."
        )
        @Argument(help: ArgumentHelp("The night's number.", valueName: "night")) var night: Int64
        @Argument(help: ArgumentHelp("The labels file: a header line, then kind,onset_s,offset_s per line (seconds "
                                     + "from the recording's start).", valueName: "labels.csv")) var file: String
        @Option(help: ArgumentHelp("Where the labels came from (default: the file's path; a study is sent its file "
                                   + "name alone).", valueName: "name")) var source: String?
        @OptionGroup var journal: JournalOptions

        func run() throws {
            let text: String
            do {
                text = try TextFile.read(path: file, what: "the labels file")
            } catch {
                complain(error)
                throw Exit.failure
            }
            var labels: [ReferenceAnnotationRecord] = []
            for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
                let f = line.split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                if f.allSatisfy(\.isEmpty) { continue }
                if i == 0 && f.first == "kind" { continue }
                guard f.count >= 3, !f[0].isEmpty, let on = Double(f[1]), let off = Double(f[2]), on.isFinite,
                      off.isFinite, on >= 0, off >= on else {
                    complain("\(file): line \(i + 1): expected kind,onset_s,offset_s with 0 ≤ onset ≤ offset, found "
                             + "\"\(line.prefix(80))\".")
                    throw Exit.failure
                }
                labels.append(ReferenceAnnotationRecord(nightId: night, kind: f[0], onsetSeconds: on,
                                                        offsetSeconds: off, source: ""))
            }
            let j = try openJournal(journal)
            let name = source ?? file
            do {
                try j.saveAnnotations(labels, night: night, source: name)
            } catch {
                complain(error)
                throw Exit.failure
            }
            print("Imported \(labels.count) label\(labels.count == 1 ? "" : "s") for night \(night) from \(name).")
        }
    }
}
