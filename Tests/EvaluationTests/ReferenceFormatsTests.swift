import Foundation
import Recordings
import TestSupport
import Testing

@testable import Evaluation

/// The four reference formats `validate` reads, the vocabulary that gives their labels a meaning, and the
/// one-line refusals of scoring files that disagree with the recording.
@Suite(.temporaryFolder) struct ReferenceFormatsTests {
    static let nox = Repository.sharedData.appendingPathComponent("psg_nox_a1_rsleep")
    static let noxExport = nox.appendingPathComponent("noxturnal_events_night2018-07-25_with_LM.csv").path
    static let noxEDF = nox.appendingPathComponent("subject1_noxA1_2min.edf").path
    static var haveNox: Bool { FileManager.default.fileExists(atPath: noxExport) }

    /// The night of the real export: its analysis starts 25/07/2018 23:45:40 and its last entry ends at 06:50:30.
    static let noxNight = RecordingClock(durationSeconds: 25_510, startSeconds: RecordingClock.seconds(
        day: 25, month: 7, year: 2018, hour: 23, minute: 45, second: 40))

    func write(_ name: String, _ text: String) throws -> String {
        let path = TemporaryFolder.path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func load(_ path: String?, recording: String = "night.edf", clock: RecordingClock, map: LabelMap = LabelMap(),
              wakeMinSeconds: Double = 60) throws -> ReferenceScoring {
        try ReferenceScoring.load(labelsPath: path, recordingPath: recording, clock: clock, map: map,
                                  wakeMinSeconds: wakeMinSeconds)
    }

    func failure(_ body: () throws -> ReferenceScoring) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test(.enabled(if: haveNox, "needs ../shared/data/psg_nox_a1_rsleep"))
    func theRealNoxturnalExportReadsAsItsREADMESays() throws {
        let r = try load(Self.noxExport, clock: Self.noxNight)
        #expect(r.format == .noxturnalCSV)
        #expect(r.counts == ["leg_movement": 29, "plm_series": 1, "wake": 169, "sleep": 679, "ignore": 1])
        #expect(r.labels.filter { $0.kind == "leg_movement" }.count == 29)
        // The first MJ: 26/07/2018 00:21:35, 2155 s after the start, 2.722 s long (the duration column's fraction).
        let first = try #require(r.labels.first { $0.kind == "leg_movement" })
        #expect(first.interval == Interval(2155, 2155 + 2.722))
        #expect(r.unmapped == ["Désat": 191, "A. Obstructive": 114, "Hypopnée": 89, "Micro-éveil": 76,
                               "Artefact": 22,
                               "Dos": 18, "Gauche": 12, "Droite": 4, "Debout": 3, "Notification": 2,
                               "Avertissement": 1, "A. Mixte": 1])
        // Stages: sleep from 2120 s to 24410 s, 64 wake epochs in it in 18 bouts, 8 of them at least 60 s.
        #expect(r.sleepPeriod == Interval(2120, 24410))
        #expect(r.stageWake?.count == 18)
        let wakeSeconds = try #require(r.stageWake).reduce(0) { $0 + $1.duration }
        #expect(abs(wakeSeconds - 64 * 30) < 1e-6, "\(wakeSeconds)")
        #expect(r.labels.filter { $0.kind == "sleep_interruption" }.count == 8)
        #expect(r.notes.contains("1 PLM series in the scoring (counted, not scored event by event)"))
    }

    @Test(.enabled(if: haveNox, "needs ../shared/data/psg_nox_a1_rsleep"))
    func theRealExportAgainstTheWrongRecordingIsRefusedInTwentyLinesAndACount() throws {
        let twoMinutes = RecordingClock(durationSeconds: 120, startSeconds: RecordingClock.seconds(
            day: 6, month: 2, year: 2018, hour: 1, minute: 36, second: 50))
        let lines = failure { try load(Self.noxExport, clock: twoMinutes) }.split(separator: "\n")
        #expect(lines.count == 22)
        #expect(lines[0] == "\(Self.noxExport) line 4 (25/07/2018 23:46:00): \"Éveil\" at 169 days after its start "
                + "lies outside the recording (0–120 s); delete the entry or check the file is this night's")
        // 169 wake + 679 sleep epochs + 29 MJ = 877 entries with a meaning, all outside.
        #expect(lines[20] == "… and 857 more problems like these")
        #expect(lines[21].hasSuffix("and the recording lasts 120 s: is it the scoring of this recording?"))
    }

    @Test func formatsAreToldApartByContent() throws {
        #expect(ScoringFormat.detect(Array("kind,onset_s,offset_s\ncramp,1,2\n".utf8)) == .labelsCSV)
        #expect(ScoringFormat.detect(Array("cramp,1,2\n".utf8)) == .labelsCSV)
        #expect(ScoringFormat.detect(Array("<?xml version=\"1.0\"?>\n<PSGAnnotation>".utf8)) == .nsrrXML)
        #expect(ScoringFormat.detect(Array("\u{FEFF}Start Time,End Time,Event,Duration\n".utf8)) == .noxturnalCSV)
        let utf16 = { (text: String) in
            [UInt8]([0xFF, 0xFE]) + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        }
        #expect(ScoringFormat.detect(utf16("Heure de début,Heure de fin,Événement,Durée,\r\n")) == .noxturnalCSV)
        // A labels.csv saved as UTF-16 stays labels.csv, whose reader asks for UTF-8.
        #expect(ScoringFormat.detect(utf16("kind,onset_s,offset_s\r\ncramp,1,2\r\n")) == .labelsCSV)
        #expect(ScoringFormat.detect(Array("0       ".utf8) + [UInt8](repeating: 32, count: 248)) == .edfAnnotations)
        if Self.haveNox {
            let bytes = try TextFile.bytes(path: Self.noxExport, what: "x")
            #expect(ScoringFormat.detect(bytes) == .noxturnalCSV)
        }
    }

    static let nsrr = """
        <?xml version="1.0" encoding="UTF-8" standalone="no"?>
        <PSGAnnotation><SoftwareVersion>Compumedics</SoftwareVersion><EpochLength>30</EpochLength>
        <ScoredEvents>
        <ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept><Start>0</Start>
        <Duration>600</Duration><ClockTime>00.00.00 23.00.00</ClockTime></ScoredEvent>
        <ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Wake|0</EventConcept><Start>0</Start>
        <Duration>60</Duration></ScoredEvent>
        <ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Stage 2 sleep|2</EventConcept><Start>60</Start>
        <Duration>180</Duration></ScoredEvent>
        <ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Wake|0</EventConcept><Start>240</Start>
        <Duration>90</Duration></ScoredEvent>
        <ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>REM sleep|5</EventConcept><Start>330</Start>
        <Duration>150</Duration></ScoredEvent>
        <ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Wake|0</EventConcept><Start>480</Start>
        <Duration>30</Duration></ScoredEvent>
        <ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Stage 3 sleep|3</EventConcept><Start>510</Start>
        <Duration>60</Duration></ScoredEvent>
        <ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Wake|0</EventConcept><Start>570</Start>
        <Duration>30</Duration></ScoredEvent>
        <ScoredEvent><EventType>Limb Movement|Limb Movement</EventType>
        <EventConcept>Limb movement - left|Limb Movement (Left)</EventConcept><Start>100.5</Start>
        <Duration>2.5</Duration></ScoredEvent>
        <ScoredEvent><EventType>Limb Movement|Limb Movement</EventType>
        <EventConcept>Limb movement - right|Limb Movement (Right)</EventConcept><Start>100.8</Start>
        <Duration>3</Duration></ScoredEvent>
        <ScoredEvent><EventType>Limb Movement|Limb Movement</EventType>
        <EventConcept>Periodic leg movement - right|PLM (Right)</EventConcept><Start>150</Start>
        <Duration>1.5</Duration></ScoredEvent>
        <ScoredEvent><EventType>Arousals|Arousals</EventType><EventConcept>Arousal|Arousal ()</EventConcept>
        <Start>101</Start><Duration>4</Duration></ScoredEvent>
        <ScoredEvent><EventType>Arousals|Arousals</EventType><EventConcept>Arousal|Arousal ()</EventConcept>
        <Start>200</Start><Duration>5</Duration></ScoredEvent>
        </ScoredEvents></PSGAnnotation>
        """

    @Test func nsrrXMLGivesMovementsStagesAndTheUnmappedWithCounts() throws {
        let path = try write("scoring.xml", Self.nsrr)
        let r = try load(path, clock: RecordingClock(durationSeconds: 600, startSeconds: nil))
        #expect(r.format == .nsrrXML)
        #expect(r.counts == ["ignore": 1, "wake": 4, "sleep": 3, "leg_movement": 3])
        #expect(r.unmapped == ["Arousal|Arousal ()": 2])
        // Left and right overlap (onsets 0.3 s apart): one bilateral movement, as WASM combines them.
        #expect(r.labels.filter { $0.kind == "leg_movement" }.map(\.interval)
                == [Interval(100.5, 103.8), Interval(150, 151.5)])
        #expect(r.notes.contains("1 overlapping leg_movement entries (left and right leg) combined: 3 entries, "
                                 + "2 events"))
        // Sleep period 60–570 s: the wake before it and after it is not an interruption; 240–330 (90 s) is,
        // 480–510 (30 s) is wake for the epochs but shorter than wakeMinSeconds.
        #expect(r.sleepPeriod == Interval(60, 570))
        #expect(r.stageWake == [Interval(240, 330), Interval(480, 510)])
        #expect(r.labels.filter { $0.kind == "sleep_interruption" }.map(\.interval) == [Interval(240, 330)])
        let shorter = try load(path, clock: RecordingClock(durationSeconds: 600, startSeconds: nil), wakeMinSeconds: 30)
        #expect(shorter.labels.filter { $0.kind == "sleep_interruption" }.count == 2)
    }

    @Test func theEpochAgreementCountsOnlyTheSleepPeriod() {
        let a = EpochAgreement(reference: [Interval(240, 330)], detected: [Interval(240, 300)], durationSeconds: 600,
                               within: Interval(60, 570))
        #expect(a.epochs == 17)
        #expect(a.truePositives == 2 && a.falseNegatives == 1 && a.trueNegatives == 14 && a.falsePositives == 0)
    }

    @Test func aLabelMapGivesOtherVocabularyAMeaning() throws {
        let path = try write("scoring.xml", Self.nsrr)
        let mapPath = try write("map.txt", "# our lab's words\nArousal = ignore\n  Limb Movement (Left) = cramp  \n")
        var map = LabelMap()
        try map.add(fileText: try TextFile.read(path: mapPath, what: "m"), path: mapPath)
        let r = try load(path, clock: RecordingClock(durationSeconds: 600, startSeconds: nil), map: map)
        #expect(r.unmapped.isEmpty)
        #expect(r.counts["ignore"] == 3 && r.counts["cramp"] == 1 && r.counts["leg_movement"] == 2)
        #expect(r.labels.filter { $0.kind == "cramp" }.map(\.interval) == [Interval(100.5, 103)])
    }

    @Test(arguments: [
        ("Arousal == wakefulness\n", "map.txt line 1: \"wakefulness\" is not a meaning; use one of cramp, artifact, "
            + "leg_movement, sleep_interruption, wake, sleep, plm_series, ignore"),
        ("\n\nArousal\n", "map.txt line 3: expected `label = meaning`, found \"Arousal\""),
        ("= cramp\n", "map.txt line 1: no label before \"=\""),
    ])
    func aBadLabelMapLineIsNamed(content: String, message: String) throws {
        let path = try write("map.txt", content)
        var map = LabelMap()
        do {
            try map.add(fileText: content, path: path)
            Issue.record("no error for \(content)")
        } catch {
            #expect("\(error)".contains(message.replacingOccurrences(of: "map.txt", with: path)), "\(error)")
        }
    }

    static let clock = RecordingClock(durationSeconds: 600, startSeconds: RecordingClock.seconds(
        day: 24, month: 11, year: 2026, hour: 23, minute: 10, second: 0))

    @Test(arguments: [
        ("bad.csv", "Start Time,End Time,Event,Duration\n24/11/2026 23:12:00,24/11/2026 23:12:03,LM,3\n"
            + "24/11/2026 25:99:00,x,LM,3\n",
         "bad.csv line 3: expected a start time dd/mm/yyyy hh:mm:ss, found \"24/11/2026 25:99:00,x,LM,3\"; fix or "
            + "delete the line"),
        ("late.csv", "Start Time,End Time,Event,Duration\n24/11/2026 23:22:00,24/11/2026 23:22:03,LM,3\n",
         "late.csv line 2 (24/11/2026 23:22:00): \"LM\" at 720 s lies outside the recording (0–600 s)"),
        ("early.csv", "Start Time,End Time,Event,Duration\n24/11/2026 23:09:00,24/11/2026 23:09:30,Wake,30\n",
         "early.csv line 2 (24/11/2026 23:09:00): \"Wake\" at -60 s lies outside the recording"),
        ("columns.csv", "When,What\n24/11/2026 23:12:00,LM\n",
         "columns.csv line 1: a Noxturnal export needs a start-time and an event column"),
        ("overlap.xml", "<PSGAnnotation><ScoredEvents>\n"
            + "<ScoredEvent><EventConcept>Wake|0</EventConcept><Start>0</Start><Duration>30</Duration></ScoredEvent>\n"
            + "<ScoredEvent><EventConcept>Stage 2 sleep|2</EventConcept><Start>15</Start><Duration>30</Duration>"
            + "</ScoredEvent>\n</ScoredEvents></PSGAnnotation>\n",
         "overlap.xml ScoredEvent 2 (line 3): a sleep stage starting at 15 s overlaps the one at ScoredEvent 1 "
            + "(line 2) (until 30 s); each epoch needs one stage, fix one"),
        ("start.xml", "<PSGAnnotation><ScoredEvents>\n"
            + "<ScoredEvent><EventConcept>LM</EventConcept><Start>ten</Start><Duration>3</Duration></ScoredEvent>\n"
            + "</ScoredEvents></PSGAnnotation>\n",
         "start.xml ScoredEvent 1 (line 2): <Start> \"ten\" is not a number of seconds; fix or delete the element"),
        ("broken.xml", "<PSGAnnotation><ScoredEvents>\n<ScoredEvent><Start>1</Start>\n<Duration 3</Duration>\n",
         "not well-formed XML"),
        ("plain.xml", "<Annotations><Event/></Annotations>\n",
         "plain.xml: XML without <ScoredEvents>"),
        ("empty.xml", "<PSGAnnotation><ScoredEvents>\n</ScoredEvents></PSGAnnotation>\n",
         "empty.xml: the NSRR XML scoring holds no entry, so there is no reference; is it the right file?"),
    ])
    func aScoringThatDisagreesWithTheRecordingIsRefusedWithItsPlace(name: String, content: String,
                                                                    message: String) throws {
        let path = try write(name, content)
        let said = failure { try load(path, clock: Self.clock) }
        let expected = message.replacingOccurrences(of: name, with: path)
        #expect(said.contains(expected), "\(said)")
        #expect(said.split(separator: "\n").first.map { $0.hasPrefix(path) } == true, "\(said)")
    }

    @Test func clockTimesNeedARecordingThatSaysWhenItStarted() throws {
        let path = try write("times.csv", "Start Time,End Time,Event,Duration\n24/11/2026 23:12:00,x,LM,3\n")
        let said = failure { try load(path, clock: RecordingClock(durationSeconds: 600, startSeconds: nil)) }
        #expect(said.contains("times.csv: its times are clock times, but the recording does not say when it started"))
    }

    @Test func anEnglishNoxturnalExportInUTF8WithSemicolonsAndFractions() throws {
        let path = try write("english.csv", "Start Time;End Time;Event;Duration\n[];[];[];[s]\n"
                             + "24/11/2026 23:12:00.500;24/11/2026 23:12:03;Leg Movement;2.5\n"
                             + "24/11/2026 23:10:00;24/11/2026 23:10:30;Wake;30\n"
                             + "24/11/2026 23:10:30;24/11/2026 23:11:00;N1;30\n")
        let r = try load(path, clock: Self.clock)
        #expect(r.format == .noxturnalCSV)
        #expect(r.labels.filter { $0.kind == "leg_movement" }.map(\.interval) == [Interval(120.5, 123)])
        #expect(r.counts == ["leg_movement": 1, "wake": 1, "sleep": 1])
        #expect(r.sleepPeriod == Interval(30, 60))
    }

    static let hypnogram = Repository.sharedData
        .appendingPathComponent("edf_format_samples/sleepedf_SC4001EC_hypnogram.edf").path

    /// A Sleep-EDF hypnogram: an annotation-only EDF+ file whose stages are runs of any length, starting
    /// 24.04.89 16.13.00.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: hypnogram), "needs ../shared/data/edf_format_samples"))
    func aSeparateHypnogramEDFIsShiftedByItsStart() throws {
        let start = try #require(RecordingClock.seconds(day: 24, month: 4, year: 1989, hour: 16, minute: 13, second: 0))
        let r = try load(Self.hypnogram, clock: RecordingClock(durationSeconds: 86_400, startSeconds: start))
        #expect(r.format == .edfAnnotations)
        #expect(r.counts == ["wake": 12, "sleep": 141, "ignore": 1])
        #expect(r.sleepPeriod == Interval(30_630, 52_260))
        #expect(r.stageWake?.count == 10)
        #expect(r.labels.filter { $0.kind == "sleep_interruption" }.count == 5)
        // A recording that started 30 s before the hypnogram: every time moves 30 s later.
        let earlier = try load(Self.hypnogram, clock: RecordingClock(durationSeconds: 86_430, startSeconds: start - 30))
        #expect(earlier.sleepPeriod == Interval(30_660, 52_290))
    }

    @Test func theVocabularyIsCaseAccentAndPartInsensitive() {
        let m = LabelMap()
        #expect(m.meaning(of: "limb movement - RIGHT") == .legMovement)
        #expect(m.meaning(of: "EVEIL") == .wake && m.meaning(of: "Éveil") == .wake)
        #expect(m.meaning(of: "Sleep stage W") == .wake && m.meaning(of: "Sleep stage N3") == .sleep)
        #expect(m.meaning(of: "Sleep stage R") == .sleep && m.meaning(of: "Sleep stage ?") == .ignore)
        #expect(m.meaning(of: "Periodic leg movement - left|PLM (Left)") == .legMovement)
        #expect(m.meaning(of: "Lights off@@EEG F4-A1") == .ignore)
        #expect(m.meaning(of: "Micro-éveil") == nil)
    }
}
