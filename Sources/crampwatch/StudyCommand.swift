import ArgumentParser
import Foundation
import Journal
import NightAnalysis
import Reports
import StudySync

/// `--postgres URL` and where its password comes from: never the command line.
struct PostgresOptions: ParsableArguments {
    @Option(name: .customLong("postgres"),
            help: ArgumentHelp("The study database: postgres://USER@HOST:5432/DATABASE (?sslmode=require or "
                               + "verify-full&sslrootcert=PATH for TLS). No password here: see --password-file.",
                               valueName: "url"))
    var url: String

    @Option(name: .customLong("password-file"),
            help: ArgumentHelp("A file whose first line is the database password (else CRAMPWATCH_PGPASSWORD or "
                               + "PGPASSWORD from the environment).", valueName: "path"))
    var passwordFile: String?

    func target() throws -> StudyTarget { try studyTarget(url: url, passwordFile: passwordFile) }
}

/// The study database named by `url`, with its password from `passwordFile` or the environment.
func studyTarget(url: String, passwordFile: String?) throws -> StudyTarget {
    do {
        return try StudyTarget(url: url, password: try StudyTarget.password(file: passwordFile))
    } catch {
        complain(error)
        throw Exit.failure
    }
}

/// Runs async study work from a synchronous command and turns its failure into one line and exit code 1.
func runStudy<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = StudyResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    switch box.result! {
    case .success(let value): return value
    case .failure(let error):
        complain(StudyConnection.describe(error))
        throw Exit.failure
    }
}

/// The async work's result, handed from its task to the waiting command.
final class StudyResultBox<T: Sendable>: @unchecked Sendable { var result: Result<T, any Error>? }

struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "A study across many hubs in PostgreSQL: set up the database, enroll participants, cohort report.",
        discussion: """
            A coordinator runs `study init` once, `study enroll` once per hub (a pseudonym and a database role that \
            reads and writes only that participant's rows), and `study report` whenever. Each hub runs \
            `crampwatch sync`. See "Running a study" in the README.
            """,
        subcommands: [StudyInit.self, StudyEnroll.self, StudyReport.self]
    )
}

struct StudyInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Creates the study schema (or brings it up to date) with its roles and row-level security.")
    @OptionGroup var postgres: PostgresOptions

    func run() throws {
        let target = try postgres.target()
        let ran = try runStudy { try await StudySchema.migrate(target) }
        print(ran.isEmpty ? "study \(target.studyName): schema up to date"
              : "study \(target.studyName): applied \(ran.joined(separator: ", "))")
    }
}

struct StudyEnroll: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Enrolls a participant by pseudonym and creates the hub's database role (login, own rows only).")
    @OptionGroup var postgres: PostgresOptions
    @Option(help: ArgumentHelp("The participant's pseudonym (letters, digits, - and _, at most 40); never a name.",
                               valueName: "id"))
    var participant: String
    @Option(name: .customLong("hub-password-file"),
            help: ArgumentHelp("A file whose first line is the password the hub's role gets.", valueName: "path"))
    var hubPasswordFile: String

    func run() throws {
        let target = try postgres.target()
        let password: String
        do {
            guard let p = try StudyTarget.password(file: hubPasswordFile, environment: [:]), !p.isEmpty else {
                throw StudyError("the hub password file \(hubPasswordFile) is empty")
            }
            password = p
        } catch {
            complain(error)
            throw Exit.failure
        }
        let (participant, role) = (participant, StudyEnrollment.roleName(participant))
        try runStudy { try await StudyEnrollment.enroll(target, participant: participant, password: password) }
        print("participant \(participant) enrolled; the hub connects as \(role)")
    }
}

struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pushes this hub's nights, diary and noticed cramps to a study database (only what is new).",
        discussion: """
            Idempotent and incremental: the journal remembers what the study acknowledged, so a second sync with no \
            change sends nothing. One transaction per night: a sync cut short keeps what it sent and the next \
            one sends the rest. A night deleted here is marked withdrawn at the study, not removed.
            """)
    @OptionGroup var postgres: PostgresOptions
    @Option(help: ArgumentHelp("This hub's participant pseudonym (as enrolled).", valueName: "id"))
    var participant: String
    @Option(name: .customLong("max-nights"),
            help: ArgumentHelp("Send at most this many nights now (a slow link); the rest go next time.",
                               valueName: "n"))
    var maxNights: Int?
    @OptionGroup var journal: JournalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let target = try postgres.target()
        let j = try openJournal(journal)
        let (participant, maxNights) = (participant, maxNights)
        let s = try runStudy {
            try await StudySyncer.sync(journal: j, target: target, participant: participant, maxNights: maxNights)
        }
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            print(String(decoding: try e.encode(s), as: UTF8.self))
            return
        }
        print("sync \(participant) -> \(target.studyName): \(Words.count(s.nightsSent, "night")), "
              + "\(Words.count(s.diaryEntriesSent, "diary entry", "diary entries")), "
              + "\(Words.count(s.noticedCrampsSent, "noticed cramp")), "
              + "\(Words.count(s.configurationsSent, "configuration")) sent; "
              + "\(s.withdrawn) withdrawn; \(s.unchanged) already there"
              + (s.nightsLeft > 0 ? "; \(Words.count(s.nightsLeft, "night")) left for the next sync" : ""))
    }
}

struct StudyReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The cohort's figures, per participant and pooled: cramp nights per week with intervals, "
                  + "durations, awakenings, diary factors as counts (never causes). One HTML page, or JSON.")
    @OptionGroup var postgres: PostgresOptions
    @Option(help: ArgumentHelp("The HTML page to write (mode 0600).", valueName: "path")) var out = "cohort.html"
    @Option(name: .customLong("time-zone"),
            help: ArgumentHelp("The time zone that assigns nights to evenings (default: this machine's).",
                               valueName: "name"))
    var timeZone: String?
    @Flag(help: "Print the numbers as JSON instead of writing the page.") var json = false

    func run() throws {
        let target = try postgres.target()
        guard let tz = timeZone.map({ TimeZone(identifier: $0) }) ?? TimeZone.current else {
            complain("unknown time zone \(timeZone ?? "")")
            throw Exit.failure
        }
        let numbers = try runStudy { StudyCohort.report(try await StudyCohort.load(target), timeZone: tz) }
        if json {
            try printJSON(numbers)
            return
        }
        do {
            try Data(CohortReport.render(numbers, study: target.studyName).utf8).write(to: URL(fileURLWithPath: out))
        } catch {
            complain(error, out)
            throw Exit.failure
        }
        print("cohort report: \(out) (\(Words.count(numbers.participants.count, "participant")), "
              + "\(Words.count(numbers.pooled.nights, "night")))")
    }
}
