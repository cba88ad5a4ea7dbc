import Foundation
import Journal
import PostgresNIO

/// What one `crampwatch sync` did.
public struct SyncSummary: Sendable, Equatable, Codable {
    public var participant: String
    public var nightsSent = 0
    public var diaryEntriesSent = 0
    public var noticedCrampsSent = 0
    public var configurationsSent = 0
    /// Items the study had that the journal no longer has (a deleted night, an amended diary entry, a night
    /// analysed again): marked withdrawn at the study, never removed.
    public var withdrawn = 0
    /// Items already at the study (the watermark says so), not sent again.
    public var unchanged = 0
    /// Nights left for the next sync because `maxNights` was reached.
    public var nightsLeft = 0

    public var sentAnything: Bool {
        nightsSent + diaryEntriesSent + noticedCrampsSent + configurationsSent + withdrawn > 0
    }
}

/// Pushes a hub's journal to the study: what the watermark (the journal's `studySynced`) says the study lacks, one
/// transaction per night, so a sync cut short keeps every night it committed and the next one sends the rest.
/// Rows are keyed by content hash and inserted with ON CONFLICT, so a night sent twice (the study committed, the
/// hub died before writing its watermark) is still one row.
public enum StudySyncer {
    /// The watermark's name for this study and participant: a journal may take part in two studies.
    static func watermarkName(_ target: StudyTarget, _ participant: String) -> String {
        "\(target.studyName)#\(participant)"
    }

    public static func sync(journal: Journal, target: StudyTarget, participant: String,
                            maxNights: Int? = nil) async throws -> SyncSummary {
        let study = watermarkName(target, participant)
        let items = try HubContent.items(journal)
        let acked = try journal.studySynced(study: study)
        let ackedKeys = Set(acked.map { "\($0.kind)/\($0.contentHash)" })
        let fresh = items.filter { !ackedKeys.contains("\($0.kind.rawValue)/\($0.key)") }
        let currentKeys = Set(items.map { "\($0.kind.rawValue)/\($0.key)" })
        let gone = acked.filter {
            $0.kind != HubItem.Kind.config.rawValue && !currentKeys.contains("\($0.kind)/\($0.contentHash)")
        }
        var summary = SyncSummary(participant: participant)
        summary.unchanged = items.count - fresh.count
        try await StudyConnection.with(target) { c in
            try await checkEnrolled(c, participant)
            let small = fresh.filter { $0.kind != .night }
            if !small.isEmpty {
                try await c.withTransaction(logger: StudyConnection.logger) { c in
                    for item in small { try await insert(item, participant, c) }
                }
                try journal.markStudySynced(small.map { mark(study, $0) })
            }
            for item in small {
                switch item.kind {
                case .config: summary.configurationsSent += 1
                case .diary: summary.diaryEntriesSent += 1
                default: summary.noticedCrampsSent += 1
                }
            }
            let nights = fresh.filter { $0.kind == .night }
            let now = maxNights.map { Array(nights.prefix($0)) } ?? nights
            summary.nightsLeft = nights.count - now.count
            for item in now {
                try await c.withTransaction(logger: StudyConnection.logger) { c in
                    try await insert(item, participant, c)
                }
                try journal.markStudySynced([mark(study, item)])
                summary.nightsSent += 1
            }
            summary.withdrawn = try await withdraw(gone, participant, c)
            for kind in Set(gone.map(\.kind)) {
                try journal.forgetStudySynced(study: study, kind: kind,
                                              hashes: gone.filter { $0.kind == kind }.map(\.contentHash))
            }
        }
        return summary
    }

    static func mark(_ study: String, _ item: HubItem) -> StudySyncedRecord {
        StudySyncedRecord(study: study, kind: item.kind.rawValue, contentHash: item.key, localId: item.localId)
    }

    /// The participant must be enrolled, and visible to this role (a hub's role sees its own participant only).
    static func checkEnrolled(_ c: PostgresConnection, _ participant: String) async throws {
        let rows = try await c.query("SELECT count(*) FROM study.participant WHERE participant = \(participant)",
                                     logger: StudyConnection.logger)
        var n = 0
        for try await count in rows.decode(Int.self) { n = count }
        guard n == 1 else {
            throw StudyError("participant \(participant) is not enrolled in this study, or this role may not write "
                             + "its rows (the coordinator runs `crampwatch study enroll`)")
        }
    }

    static func insert(_ item: HubItem, _ participant: String, _ c: PostgresConnection) async throws {
        let log = StudyConnection.logger
        switch item.content {
        case .config:
            try await c.query("""
                INSERT INTO study.detector_config (participant, config_hash, settings)
                VALUES (\(participant), \(item.key), \(item.json)::jsonb) ON CONFLICT DO NOTHING
                """, logger: log)
        case .diary(let entry):
            let date = entry.date
            try await c.query("""
                INSERT INTO study.diary_entry (participant, entry_key, evening, entry)
                VALUES (\(participant), \(item.key), \(date), \(item.json)::jsonb)
                ON CONFLICT (participant, entry_key) DO UPDATE SET withdrawn_at = NULL
                WHERE study.diary_entry.withdrawn_at IS NOT NULL
                """, logger: log)
        case .cramp(let cramp):
            let time = cramp.time
            try await c.query("""
                INSERT INTO study.noticed_cramp (participant, cramp_key, noticed_at, cramp)
                VALUES (\(participant), \(item.key), \(time), \(item.json)::jsonb)
                ON CONFLICT (participant, cramp_key) DO UPDATE SET withdrawn_at = NULL
                WHERE study.noticed_cramp.withdrawn_at IS NOT NULL
                """, logger: log)
        case .night(let doc):
            try await insertNight(doc, item, participant, c)
        }
    }

    /// One night's row; an earlier version of the same hub night (analysed again) is marked withdrawn with it.
    static func insertNight(_ doc: NightDocument, _ item: HubItem, _ participant: String,
                            _ c: PostgresConnection) async throws {
        guard let id = doc.night.id else { return }
        let n = doc.night
        let figures = try doc.figures.map { try StudyJSON.encode($0) }
        let night = try StudyJSON.encode(n), events = try StudyJSON.encode(doc.events)
        let gaps = try StudyJSON.encode(doc.gaps), labels = try StudyJSON.encode(doc.referenceLabels)
        try await c.query("""
            INSERT INTO study.night (participant, night_key, hub_night_id, started_at, start_source, duration_seconds,
              status, emg_measured, accel_measured, config_hash, night, figures, events, gaps, reference_labels)
            VALUES (\(participant), \(item.key), \(id), \(n.startedAt), \(n.startSource), \(n.durationSeconds),
              \(n.status), \(doc.emgMeasured), \(doc.accelMeasured), \(doc.configHash), \(night)::jsonb,
              \(figures)::jsonb, \(events)::jsonb, \(gaps)::jsonb, \(labels)::jsonb)
            ON CONFLICT (participant, night_key) DO UPDATE SET withdrawn_at = NULL
            WHERE study.night.withdrawn_at IS NOT NULL
            """, logger: StudyConnection.logger)
        try await c.query("""
            UPDATE study.night SET withdrawn_at = now()
            WHERE participant = \(participant) AND hub_night_id = \(id) AND night_key <> \(item.key)
              AND withdrawn_at IS NULL
            """, logger: StudyConnection.logger)
    }

    /// Marks withdrawn, in one transaction, what the hub no longer has; returns how many rows that changed.
    static func withdraw(_ gone: [StudySyncedRecord], _ participant: String,
                         _ c: PostgresConnection) async throws -> Int {
        guard !gone.isEmpty else { return 0 }
        let tables = ["night": ("study.night", "night_key"), "diary": ("study.diary_entry", "entry_key"),
                      "cramp": ("study.noticed_cramp", "cramp_key")]
        return try await c.withTransaction(logger: StudyConnection.logger) { c in
            var changed = 0
            for g in gone {
                guard let (table, key) = tables[g.kind] else { continue }
                var q = PostgresQuery(unsafeSQL: "UPDATE \(table) SET withdrawn_at = now() WHERE participant = $1 "
                                      + "AND \(key) = $2 AND withdrawn_at IS NULL RETURNING 1")
                q.binds.append(participant)
                q.binds.append(g.contentHash)
                for try await _ in try await c.query(q, logger: StudyConnection.logger) { changed += 1 }
            }
            return changed
        }
    }
}
