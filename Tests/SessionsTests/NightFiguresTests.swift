import Foundation
import GRDB
import Ingest
import Journal
import NightAnalysis
import Sessions
import TestSupport
import Testing

/// Every figure of a night is computed once, by the night analysis, and stored with the night: the journal's
/// readers show what `replay` showed.
@Suite(.temporaryFolder) struct NightFiguresTests {
    func temporaryJournal() throws -> Journal { try Journal(path: TemporaryFolder.path("journal.sqlite")) }

    @Test(arguments: ["night-a", "night-b-faulty", "night-c-60hz"])
    func aSavedNightStoresTheSummaryReplayShows(night: String) throws {
        let result = try Replayer().replay(path: Repository.night(night))
        let j = try temporaryJournal()
        let id = try NightStore.save(result, to: j)
        let stored = try #require(try j.figures(night: id))
        #expect(stored.computedFrom == "saved")
        // The summary read back from the journal is the one the replay computed, figure for figure.
        #expect(NightStore.summary(stored) == result.summary)
        #expect(stored.awakenings == result.summary.awakenings
                && stored.sleepEfficiency == result.summary.sleepEfficiency)
        #expect(try j.nightsWithoutFigures().isEmpty)
    }

    @Test func deletingANightRemovesItsFigures() throws {
        let result = try Replayer().replay(path: Repository.night("night-a"))
        let j = try temporaryJournal()
        let id = try NightStore.save(result, to: j)
        let q = try DatabaseQueue(path: j.path)
        try q.write { db in try db.execute(sql: "PRAGMA foreign_keys = ON; DELETE FROM night WHERE id = ?",
                                           arguments: [id]) }
        #expect(try j.figures(night: id) == nil)
    }

    @Test func nightsFromAnOlderCrampwatchGetFiguresFromTheirRowsOnce() throws {
        let j = try temporaryJournal()
        let result = try Replayer().replay(path: Repository.night("night-a"))
        let id = try NightStore.save(result, to: j)
        // As an older Crampwatch left it: the night, its events and gaps, no figures.
        try DatabaseQueue(path: j.path).write { db in try db.execute(sql: "DELETE FROM nightFigures") }
        #expect(try j.nightsWithoutFigures().map(\.id) == [id])
        #expect(try NightStore.fillMissingFigures(in: j) == 1)
        #expect(try NightStore.fillMissingFigures(in: j) == 0)
        let filled = try #require(try j.figures(night: id))
        #expect(filled.computedFrom == "rows")
        // Counts are the same; without the accelerometer's angles the sleep period is the whole recording.
        let s = result.summary
        #expect(filled.cramps == s.cramps && filled.crampsThatWoke == s.crampsThatWoke
                && filled.legMovements == s.legMovements)
        #expect(filled.sleepInterruptions == s.sleepInterruptions && filled.gaps == s.gaps)
        #expect(filled.sleepWindowOnsetSeconds == 0 && filled.sleepWindowOffsetSeconds == result.durationSeconds)
    }
}
