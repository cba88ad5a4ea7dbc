import ArgumentParser
import Foundation

@main
struct Crampwatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crampwatch",
        abstract: "Finds nocturnal leg cramps, leg movements and the awakenings they cause in a night's EMG and "
                  + "accelerometer data.",
        discussion: """
            Typical use:
              crampwatch simulate --seed 7 --hours 8 --out night7     make a test night with known answers
              crampwatch replay night7/night.cwcap                   detect events and save the night in your journal
              crampwatch journal nights                              list saved nights
              crampwatch journal show 1                              one night, event by event

            Your journal is private (file mode 0600). It lives at $XDG_DATA_HOME/crampwatch/journal.sqlite
            (~/.local/share/crampwatch/journal.sqlite) unless you give --journal.
            """,
        version: "0.1.0",
        subcommands: [Simulate.self, Replay.self, Monitor.self, Devices.self, Repair.self, JournalCommand.self,
                      Validate.self, ConfigCommand.self, ReportCommand.self, CapturesCommand.self]
    )

    static func main() {
        // Health data: nothing we create is readable by others.
        umask(0o077)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}

/// Options shared by the commands that use the journal.
struct JournalOptions: ParsableArguments {
    @Option(name: .customLong("journal"),
            help: ArgumentHelp("The journal file (SQLite). Default: $XDG_DATA_HOME/crampwatch/journal.sqlite.",
                               valueName: "path"))
    var path: String?

    var resolvedPath: String { path ?? Journal.defaultPath() }
}

/// Exit codes, documented in the README.
enum Exit {
    /// Something could not be done; nothing was saved by this command.
    static let failure = ExitCode(1)
    /// Done, but the recording was damaged: what could be read was saved.
    static let partial = ExitCode(3)
}

/// One line on stderr, for a person.
func complain(_ message: String) {
    FileHandle.standardError.write(Data("crampwatch: \(message)\n".utf8))
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    FileHandle.standardOutput.write(try encoder.encode(value))
    FileHandle.standardOutput.write(Data("\n".utf8))
}

var stderrIsTerminal: Bool { isatty(2) != 0 }

import Journal
