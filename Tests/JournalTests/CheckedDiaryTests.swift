import Foundation
import TestSupport
import Testing

@testable import Journal

/// The one check of a diary entry that `journal diary add` and the web form both go through.
@Suite(.temporaryFolder) struct CheckedDiaryTests {
    static let utc = TimeZone(identifier: "UTC")!

    func check(_ fields: [String: String], date: String? = "2026-05-03",
               cramps: [NoticedCrampInput] = []) -> Result<CheckedDiary, DiaryProblem> {
        Result { () throws(DiaryProblem) in
            try CheckedDiary(DiaryInput(date: date, fields: fields, cramps: cramps), today: "2026-05-04",
                             timeZone: Self.utc)
        }
    }

    func problem(_ fields: [String: String], date: String? = "2026-05-03",
                 cramps: [NoticedCrampInput] = []) -> String? {
        if case .failure(let p) = check(fields, date: date, cramps: cramps) { return p.description }
        return nil
    }

    @Test func everyAmountIsTakenUpToItsLimitAndRefusedPastIt() throws {
        for a in DiaryLimits.amounts {
            let at = try check([a.field: "\(Int(a.max))"]).get().entry
            #expect(at.factors.first?.value == a.max, "\(a.field)")
            #expect(try check([a.field: "0"]).get().entry.factors.first?.value == 0, "\(a.field)")
            let message = "\(a.label) must be a number from 0 to \(Int(a.max)) \(a.unit) (the day's total)."
            for bad in ["\(a.max + 0.5)", "-1", "lots", "nan", "inf"] {
                #expect(problem([a.field: bad]) == message, "\(a.field) = \(bad)")
            }
        }
        // A decimal comma (a phone's keypad in many countries) reads as a point; blanks say nothing.
        let e = try check(["magnesium": " 312,5 ", "fluids": "  ", "alcohol": "1.5"]).get().entry
        #expect(e.magnesiumMg == 312.5 && e.fluidsMl == nil && e.alcoholUnits == 1.5)
        #expect(DiaryLimits.amounts.map(\.max) == [5000, 10000, 20000, 100_000, 20000, 3000, 50, 1440, 1440])
    }

    @Test func theOtherFieldsSayWhatIsWrong() throws {
        let cases: [([String: String], String)] = [
            (["stress": "11"], "Stress must be a whole number from 0 (calm) to 10 (worst)."),
            (["stress": "3.5"], "Stress must be a whole number from 0 (calm) to 10 (worst)."),
            (["bedtime": "25:00"], "Bedtime must be a 24-hour clock time like 23:15."),
            (["wake_time": "6:5"], "Wake time must be a 24-hour clock time like 06:45."),
            (["stretched": "maybe"], "Stretched before bed: say yes or no."),
            (["magnesium_form": "citrate"], "A magnesium form needs the amount of magnesium too: say how much."),
            (["magnesium": "1", "magnesium_form": String(repeating: "x", count: 61)],
             "The magnesium form (citrate, oxide, food, …) fits in 60 characters."),
            (["notes": String(repeating: "n", count: 4001)], "Notes are limited to 4000 characters; this has 4001."),
        ]
        for (fields, message) in cases { #expect(problem(fields) == message, "\(fields.keys)") }
        #expect(problem([:], date: "2026-02-30")
                == "The date must be a calendar date like 2026-05-03 (the evening the night began).")
        #expect(problem([:], date: "2026-05-05") == "2026-05-05 has not happened yet; write the entry on that evening "
                + "or after.")
        let e = try check(["stress": "10", "bedtime": "23:15", "wake_time": "6:45", "stretched": "yes",
                           "late_meal": "NO", "notes": String(repeating: "n", count: 4000)]).get().entry
        #expect(e.stress == 10 && e.bedtime == "23:15" && e.wakeTime == "6:45")
        #expect(e.stretchedBeforeBed == true && e.lateMeal == false && e.notes?.count == 4000)
        // No date means this evening.
        #expect(try check([:], date: nil).get().entry.date == "2026-05-04")
    }

    @Test func aNoticedCrampIsPlacedInTheNightOrSaysWhatIsWrong() throws {
        let placed = try check([:], cramps: [NoticedCrampInput(line: "03:10,left,7"),
                                             NoticedCrampInput(line: " 23:40 , Both , 0 ")]).get().cramps
        // 03:10 is the next morning; 23:40 the evening itself (2026-05-03 00:00 UTC is 1777766400).
        let evening: Double = 1_777_766_400
        let expected: [Double] = [evening + 86_400 + 3 * 3600 + 600, evening + 23 * 3600 + 2400]
        #expect(placed.map(\.time.timeIntervalSince1970) == expected)
        #expect(placed.map(\.leg) == ["left", "both"] && placed.map(\.pain) == [7, 0])
        let cases: [(String, String)] = [
            ("3am", "A cramp you noticed needs its time, leg and pain, e.g. 03:10, left, 7."),
            ("03:10,left", "A cramp you noticed needs its time, leg and pain, e.g. 03:10, left, 7."),
            ("3:70,left,7", "Cramp \"3:70\": the time must be a 24-hour clock time like 03:10."),
            ("03:10,middle,3", "Cramp at 03:10: the leg must be left, right or both."),
            ("03:10,left,11", "Cramp at 03:10: the pain must be a whole number from 0 (none) to 10 (worst)."),
            ("03:10,left,7,again", "Cramp at 03:10: the pain must be a whole number from 0 (none) to 10 (worst)."),
        ]
        for (line, message) in cases {
            #expect(problem([:], cramps: [NoticedCrampInput(line: line)]) == message, "\(line)")
        }
    }

    @Test func savingTheSameCrampAgainCorrectsIt() throws {
        let j = try Journal(path: TemporaryFolder.path("journal.sqlite"))
        for (line, fluids) in [("03:10,left,7", "1500"), ("03:10,left,4", "1800"), ("03:10,right,2", "")] {
            let d = try check(["fluids": fluids], cramps: [NoticedCrampInput(line: line)]).get()
            try j.amendDiary(d.entry, cramps: d.cramps)
        }
        let cramps = try j.selfReportedCramps()
        #expect(cramps.map(\.leg) == ["left", "right"] && cramps.map(\.pain) == [4, 2])
        #expect(try j.diaryEntries().map(\.fluidsMl) == [1800])
    }
}
