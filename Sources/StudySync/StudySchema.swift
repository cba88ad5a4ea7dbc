import Foundation
import PostgresNIO

/// The study's schema in PostgreSQL: named migrations applied in order, as the journal's are. One that has shipped is
/// never edited; a change is a new migration at the end of `migrations`.
///
/// Everything lives in the schema `study`. A night is one row: its figures, events, gaps and reference labels are
/// JSON arrays beside it (one INSERT per night, so one transaction per night stays one round trip), and the views
/// `study.event` and `study.gap` give them back as rows for SQL. Rows are keyed by their content's SHA-256, so a
/// second sync of the same content changes nothing; nothing is ever deleted, a row the hub no longer has is marked
/// `withdrawn_at`.
public enum StudySchema {
    /// The group role every hub's login role belongs to: it reads and inserts its own participant's rows only.
    public static let hubGroup = "crampwatch_hub"
    /// The group role that reads every participant's rows (the coordinator's analysts, `study report`, `validate`).
    public static let readerGroup = "crampwatch_study_reader"

    public static let migrations: [(id: String, sql: String)] = [
        ("v1-participants-nights-diary", v1), ("v2-roles-row-security", v2),
        ("v3-night-accelerometer", v3),
    ]

    /// The tables that carry a `participant` column, the ones row-level security guards.
    static let participantTables = ["participant", "detector_config", "night", "diary_entry", "noticed_cramp"]

    static let v1 = """
        CREATE TABLE study.participant (
          participant text PRIMARY KEY CHECK (participant ~ '^[A-Za-z0-9_-]{1,40}$'),
          hub_role text NOT NULL UNIQUE,
          enrolled_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE study.detector_config (
          participant text NOT NULL REFERENCES study.participant,
          config_hash text NOT NULL,
          settings jsonb NOT NULL,
          synced_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (participant, config_hash));
        CREATE TABLE study.night (
          participant text NOT NULL REFERENCES study.participant,
          night_key text NOT NULL,
          hub_night_id bigint NOT NULL,
          started_at timestamptz,
          start_source text NOT NULL,
          duration_seconds double precision NOT NULL,
          status text NOT NULL,
          emg_measured boolean NOT NULL,
          config_hash text,
          night jsonb NOT NULL,
          figures jsonb,
          events jsonb NOT NULL,
          gaps jsonb NOT NULL,
          reference_labels jsonb NOT NULL,
          synced_at timestamptz NOT NULL DEFAULT now(),
          withdrawn_at timestamptz,
          PRIMARY KEY (participant, night_key));
        CREATE INDEX night_participant_hub_id ON study.night (participant, hub_night_id);
        CREATE TABLE study.diary_entry (
          participant text NOT NULL REFERENCES study.participant,
          entry_key text NOT NULL,
          evening text NOT NULL,
          entry jsonb NOT NULL,
          synced_at timestamptz NOT NULL DEFAULT now(),
          withdrawn_at timestamptz,
          PRIMARY KEY (participant, entry_key));
        CREATE TABLE study.noticed_cramp (
          participant text NOT NULL REFERENCES study.participant,
          cramp_key text NOT NULL,
          noticed_at timestamptz NOT NULL,
          cramp jsonb NOT NULL,
          synced_at timestamptz NOT NULL DEFAULT now(),
          withdrawn_at timestamptz,
          PRIMARY KEY (participant, cramp_key));
        CREATE VIEW study.event WITH (security_invoker = true) AS
          SELECT n.participant, n.night_key, n.withdrawn_at, e.*
          FROM study.night n, jsonb_to_recordset(n.events) AS e(kind text, "onsetSeconds" double precision,
            "offsetSeconds" double precision, channel int, "peakMicrovolts" double precision,
            confidence double precision, woke boolean);
        CREATE VIEW study.gap WITH (security_invoker = true) AS
          SELECT n.participant, n.night_key, n.withdrawn_at, g.*
          FROM study.night n, jsonb_to_recordset(n.gaps) AS g("onsetSeconds" double precision,
            "offsetSeconds" double precision, "framesLost" int, reason text);
        """

    /// Whether a night had an accelerometer, so that `validate --postgres` leaves out the sleep interruptions of a
    /// night without one, as `validate` does on file. A night synced before this migration is taken as measured (the
    /// hub's next sync sends a night without an accelerometer again under its new key, and withdraws the old row).
    /// The tables' grants cover a new column.
    static let v3 = """
        ALTER TABLE study.night ADD COLUMN accel_measured boolean NOT NULL DEFAULT true;
        """

    /// Row-level security: the group roles are the cluster's (roles are not per database), so two studies in one
    /// cluster, or two `study init`s at once, share them; creating one that exists is not an error.
    /// A hub's login role (member of `crampwatch_hub`, named in `study.participant`) sees and
    /// inserts its own participant's rows only, and may change nothing but `withdrawn_at`; the reader group reads all.
    static var v2: String {
        let guarded = participantTables.filter { $0 != "participant" }
        var sql = """
            DO $$ BEGIN CREATE ROLE \(hubGroup) NOLOGIN;
              EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
            DO $$ BEGIN CREATE ROLE \(readerGroup) NOLOGIN;
              EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
            CREATE FUNCTION study.hub_participant() RETURNS text LANGUAGE sql STABLE
              AS $$ SELECT participant FROM study.participant WHERE hub_role = current_user $$;
            GRANT USAGE ON SCHEMA study TO \(hubGroup), \(readerGroup);
            GRANT SELECT ON ALL TABLES IN SCHEMA study TO \(readerGroup);
            GRANT SELECT ON study.participant, study.event, study.gap TO \(hubGroup);
            ALTER TABLE study.participant ENABLE ROW LEVEL SECURITY;
            CREATE POLICY hub_own ON study.participant FOR SELECT TO \(hubGroup) USING (hub_role = current_user);
            CREATE POLICY reader_all ON study.participant FOR SELECT TO \(readerGroup) USING (true);

            """
        for t in guarded {
            sql += """
                GRANT SELECT, INSERT ON study.\(t) TO \(hubGroup);
                ALTER TABLE study.\(t) ENABLE ROW LEVEL SECURITY;
                CREATE POLICY hub_own ON study.\(t) TO \(hubGroup)
                  USING (participant = study.hub_participant()) WITH CHECK (participant = study.hub_participant());
                CREATE POLICY reader_all ON study.\(t) FOR SELECT TO \(readerGroup) USING (true);

                """
            if t != "detector_config" { sql += "GRANT UPDATE (withdrawn_at) ON study.\(t) TO \(hubGroup);\n" }
        }
        return sql
    }

    /// Creates the schema or brings it up to date; returns the migrations it applied. Safe to run twice and from two
    /// places at once (an advisory lock holds the second until the first is done).
    public static func migrate(_ target: StudyTarget) async throws -> [String] {
        try await StudyConnection.with(target) { c in
            let log = StudyConnection.logger
            return try await c.withTransaction(logger: log) { c in
                try await c.query("SELECT pg_advisory_xact_lock(20202020)", logger: log)
                try await c.query("CREATE SCHEMA IF NOT EXISTS study", logger: log)
                try await c.query("""
                    CREATE TABLE IF NOT EXISTS study.schema_migration (
                      id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                    """, logger: log)
                var applied = Set<String>()
                for try await id in try await c.query("SELECT id FROM study.schema_migration", logger: log)
                    .decode(String.self) { applied.insert(id) }
                let known = Set(migrations.map(\.id))
                if let newer = applied.subtracting(known).sorted().last {
                    throw StudyError("the study database was set up by a newer Crampwatch (schema \(newer)); "
                                     + "update Crampwatch. Nothing was changed.")
                }
                var ran: [String] = []
                for m in migrations where !applied.contains(m.id) {
                    try await c.runScript(m.sql)
                    try await c.query("INSERT INTO study.schema_migration (id) VALUES (\(m.id))", logger: log)
                    ran.append(m.id)
                }
                return ran
            }
        }
    }
}

extension PostgresConnection {
    /// Several statements in one string (a migration), one after another. The extended protocol takes one
    /// statement at a time, so the script is cut at each `;` outside a `$$ … $$` body.
    func runScript(_ sql: String) async throws {
        for statement in StudySchema.statements(sql) {
            try await query(PostgresQuery(unsafeSQL: statement), logger: StudyConnection.logger)
        }
    }
}

extension StudySchema {
    /// A script's statements: cut at `;` outside dollar quotes, blank ones left out.
    static func statements(_ sql: String) -> [String] {
        var out: [String] = [], current = "", inDollar = false
        var i = sql.startIndex
        while i < sql.endIndex {
            if sql[i...].hasPrefix("$$") {
                inDollar.toggle()
                current += "$$"
                i = sql.index(i, offsetBy: 2)
                continue
            }
            if sql[i] == ";" && !inDollar {
                out.append(current)
                current = ""
            } else {
                current.append(sql[i])
            }
            i = sql.index(after: i)
        }
        out.append(current)
        return out.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}
