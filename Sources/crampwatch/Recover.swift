import ArgumentParser
import Foundation
import Journal
import CrampwatchJSON
import Exports
import Ingest
import NightAnalysis
import Sessions

extension JournalCommand {
    struct Recover: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Finishes nights left unfinished by a monitor that was killed (power cut, crash).",
            discussion: """
                `crampwatch monitor` stores each event as it happens and finishes the night when it stops. If it was \
                killed instead, the night stays "recording". This replays each such night's capture (everything up to \
                its last whole frame) with the settings it was recorded with, and replaces what was stored live with \
                the result: no event twice, none left provisional. Nights still being recorded by a running monitor \
                are left alone. `monitor` does this by itself when it starts.
                """
        )
        @OptionGroup var journal: JournalOptions
        @OptionGroup var minimumNight: MinimumNightOption
        @Flag(help: "Print JSON.") var json = false

        struct Row: Encodable {
            var night: Int64
            var capture: String?
            var recovered: Bool
            var message: String
        }

        func run() throws {
            let j = try openJournal(journal)
            let outcomes: [LiveNightRecovery.Outcome]
            do { outcomes = try LiveNightRecovery.recover(journal: j, minimum: minimumNight.rule) } catch {
                complain(error)
                throw Exit.failure
            }
            if json {
                try printJSON(outcomes.map { Row(night: $0.nightID, capture: $0.capturePath, recovered: $0.recovered,
                                                 message: $0.message) })
                return
            }
            if outcomes.isEmpty { print("Every night in \(j.path) is complete; nothing to recover.") }
            for o in outcomes { print(o.message) }
        }
    }
}

/// How `journal nights` marks a night that is not simply complete.
func statusNote(_ n: NightRecord) -> String {
    switch n.status {
    case NightStatus.recording: return " (recording now, or interrupted: `crampwatch journal recover`)"
    case NightStatus.recovered: return " (recovered after an interruption)"
    default: return ""
    }
}
