import Evaluation
import Foundation
import Journal
import PostgresNIO
import Reports

/// The study's rows read back as each participant's journal rows, so the cohort's figures come from the same code
/// as a hub's own trend report (`Reports`), and its validation from the same metrics as `validate` on files
/// (`Evaluation`). Withdrawn rows are left out. Needs a role that reads every participant (the reader group, or
/// the coordinator).
public enum StudyCohort {
    /// Every participant's current nights, diary and noticed cramps.
    public struct Contents: Sendable {
        public var records: [String: SnapshotRecords]
        public var documents: [(participant: String, night: NightDocument)]
        public var withdrawnNights: Int
    }

    /// `scoredOnly`: only the nights with reference labels (what validation needs), not the diary.
    public static func load(_ target: StudyTarget, scoredOnly: Bool = false) async throws -> Contents {
        try await StudyConnection.with(target) { c in
            let log = StudyConnection.logger
            let decoder = StudyJSON.decoder()
            var records: [String: SnapshotRecords] = [:]
            func empty() -> SnapshotRecords {
                SnapshotRecords(nights: [], events: [], gaps: [], figures: [:], emgMeasured: [:], diary: [],
                                selfReports: [], configurations: [])
            }
            for try await p in try await c.query("SELECT participant FROM study.participant", logger: log)
                .decode(String.self) { records[p] = empty() }
            var documents: [(participant: String, night: NightDocument)] = []
            let nights = try await c.query("""
                SELECT participant, night::text, coalesce(figures::text, 'null'), events::text, gaps::text,
                  reference_labels::text, emg_measured, accel_measured, config_hash
                FROM study.night WHERE withdrawn_at IS NULL
                  AND (\(!scoredOnly) OR jsonb_array_length(reference_labels) > 0)
                ORDER BY participant, hub_night_id
                """, logger: log)
            for try await (p, n, f, e, g, l, emg, accel, config) in nights.decode(
                (String, String, String, String, String, String, Bool, Bool, String?).self) {
                let doc = NightDocument(
                    night: try decoder.decode(NightRecord.self, from: Data(n.utf8)),
                    figures: try decoder.decode(NightFiguresRecord?.self, from: Data(f.utf8)),
                    events: try decoder.decode([EventRecord].self, from: Data(e.utf8)),
                    gaps: try decoder.decode([GapRecord].self, from: Data(g.utf8)),
                    referenceLabels: try decoder.decode([ReferenceAnnotationRecord].self, from: Data(l.utf8)),
                    emgMeasured: emg, accelMeasured: accel, configHash: config)
                documents.append((p, doc))
                add(doc, to: &records[p, default: empty()])
            }
            for try await (p, text) in try await c.query(
                "SELECT participant, entry::text FROM study.diary_entry WHERE withdrawn_at IS NULL ORDER BY 1, 2",
                logger: log).decode((String, String).self) {
                records[p, default: empty()].diary.append(try decoder.decode(DiaryEntry.self, from: Data(text.utf8)))
            }
            for try await (p, text) in try await c.query(
                "SELECT participant, cramp::text FROM study.noticed_cramp WHERE withdrawn_at IS NULL ORDER BY 1, 2",
                logger: log).decode((String, String).self) {
                records[p, default: empty()].selfReports.append(
                    try decoder.decode(SelfReportedCramp.self, from: Data(text.utf8)))
            }
            // The journal's own orders (diary by evening, noticed cramps by time), which the report relies on.
            for p in records.keys {
                records[p]!.diary.sort { $0.date < $1.date }
                records[p]!.selfReports.sort { ($0.time, $0.id ?? 0) < ($1.time, $1.id ?? 0) }
            }
            var withdrawn = 0
            for try await n in try await c.query(
                "SELECT count(*) FROM study.night WHERE withdrawn_at IS NOT NULL", logger: log).decode(Int.self) {
                withdrawn = n
            }
            return Contents(records: records, documents: documents, withdrawnNights: withdrawn)
        }
    }

    static func add(_ doc: NightDocument, to r: inout SnapshotRecords) {
        guard let id = doc.night.id else { return }
        r.nights.append(doc.night)
        r.events += doc.events
        r.gaps += doc.gaps
        if let f = doc.figures { r.figures[id] = f }
        r.emgMeasured[id] = doc.emgMeasured
    }

    /// Each participant's snapshot, and the cohort's figures from them.
    public static func report(_ contents: Contents, timeZone: TimeZone) -> CohortNumbers {
        let snapshots = contents.records.map { p, r in
            (participant: p, snapshot: JournalSnapshot(path: "study participant \(p)", records: r, timeZone: timeZone))
        }
        return CohortNumbers.compute(snapshots, withdrawnNights: contents.withdrawnNights)
    }

    /// Every scored night of the study (one with reference labels) as `validate` scores it: its stored events
    /// against its labels. Provisional events (a live night's first notice) are not detections.
    public static func scoredNights(_ contents: Contents) -> [ScoredNight] {
        contents.documents.filter { !$0.night.referenceLabels.isEmpty }.map { p, doc in
            ScoredNight(name: "\(p)/night \(doc.night.id ?? 0)", durationSeconds: doc.night.durationSeconds,
                        labels: doc.referenceLabels.enumerated().map { i, l in
                            ReferenceLabel(kind: l.kind, interval: Interval(l.onsetSeconds, l.offsetSeconds),
                                           line: i + 1)
                        },
                        emgMeasured: doc.emgMeasured, accelMeasured: doc.accelMeasured,
                        events: doc.events.filter { !$0.provisional }.map {
                            (kind: $0.kind, interval: Interval($0.onsetSeconds, $0.offsetSeconds))
                        })
        }
    }
}
