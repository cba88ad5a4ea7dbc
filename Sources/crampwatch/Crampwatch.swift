import ArgumentParser
import Foundation
import Journal
import Sessions

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
                      Validate.self, ConfigCommand.self, ReportCommand.self, CapturesCommand.self, Serve.self,
                      StudyCommand.self, Sync.self]
    )

    static func main() {
        // Health data: nothing we create is readable by others.
        umask(0o077)
        let args = Array(CommandLine.arguments.dropFirst())
        if let parent = nestedCommand(args) {
            complain("there is no command '\(args[0])' on its own; it is part of '\(parent)': crampwatch \(parent) "
                     + args.joined(separator: " "))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)  // usage, help and version, as the argument parser words them
        }
        do {
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch where error is ValidationError || error is CleanExit
                        || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
            exit(withError: error)  // --help (run by the parser's own help command) and usage errors
        } catch {
            // Anything a command did not catch itself: one line in words, never a raw Swift error.
            complain(error)
            Foundation.exit(Exit.failure.rawValue)
        }
    }
}

/// `crampwatch diary add` for `crampwatch journal diary add`: the parent ("journal") of a command that is not a
/// top-level one but sits under one, so a person gets its place instead of the top-level help.
func nestedCommand(_ args: [String]) -> String? {
    guard let first = args.first, !first.hasPrefix("-") else { return nil }
    let top = Crampwatch.configuration.subcommands
    guard !top.contains(where: { $0._commandName == first }) else { return nil }
    for parent in top {
        if parent.configuration.subcommands.contains(where: { $0._commandName == first }) {
            return parent._commandName
        }
    }
    return nil
}

/// Options shared by the commands that use the journal.
struct JournalOptions: ParsableArguments {
    @Option(name: .customLong("journal"),
            help: ArgumentHelp("The journal file (SQLite). Default: $XDG_DATA_HOME/crampwatch/journal.sqlite.",
                               valueName: "path"))
    var path: String?

    var resolvedPath: String { path ?? Journal.defaultPath() }
}

/// `--min-night`, for every command that saves a night (replay, monitor, journal recover): Sessions' one rule.
struct MinimumNightOption: ParsableArguments {
    @Option(name: .customLong("min-night"),
            help: ArgumentHelp("Shortest recording saved as a night, in minutes (default 10; 0 saves any). A shorter "
                               + "one is printed, not saved; its recording is kept.", valueName: "minutes"))
    var minutes: Double = MinimumNight.defaultMinutes

    var rule: MinimumNight { MinimumNight(minutes: minutes) }

    func validate() throws {
        if !MinimumNight.allowedMinutes.contains(minutes) {
            throw ValidationError("--min-night must be between 0 and 1440 minutes.")
        }
    }
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
    let line = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    FileHandle.standardError.write(Data("crampwatch: \(line)\n".utf8))
}

/// An error as one line for a person: ours say what happened and where; one from Foundation or the standard
/// library is put in plain words, never shown as its raw Swift description.
func complain(_ error: Error, _ context: String? = nil) {
    complain((context.map { "\($0): " } ?? "") + words(for: error))
}

func words(for error: Error) -> String {
    if let e = error as? CocoaError { return fileWords(e) }
    if let e = error as? DecodingError { return "the JSON cannot be read (\(describe(e)))" }
    if error is EncodingError {
        return "a value could not be written as JSON (a number that is not finite?); please report this"
    }
    let type = String(reflecting: Swift.type(of: error))
    if type.hasPrefix("Foundation.") || type.hasPrefix("Swift.") || type.hasPrefix("__C.") {
        return "an unexpected problem (\(type)); please report it with the command you ran"
    }
    return "\(error)"
}

/// A Foundation file error in words.
private func fileWords(_ e: CocoaError) -> String {
    let path = (e.userInfo[NSFilePathErrorKey] as? String).map { "\($0): " } ?? ""
    switch e.code {
    case .fileNoSuchFile, .fileReadNoSuchFile: return path + "no such file; check the path"
    case .fileReadNoPermission, .fileWriteNoPermission: return path + "permission denied; check who owns it"
    case .fileWriteOutOfSpace: return path + "the disk is full; free some space and try again"
    case .fileReadInapplicableStringEncoding, .fileReadUnknownStringEncoding:
        return path + "not UTF-8 text; save it as UTF-8"
    case .fileWriteFileExists: return path + "already exists; give another name"
    default: return path + "cannot be read or written (file error \(e.code.rawValue))"
    }
}

/// One JSON object on stdout, as every command prints it for scripts.
func printJSON<T: Encodable>(_ value: T, snakeCase: Bool = false) throws {
    FileHandle.standardOutput.write(try isoJSON(value, snakeCase: snakeCase))
    FileHandle.standardOutput.write(Data("\n".utf8))
}

/// JSON as every command writes it: sorted keys, times in ISO 8601 with the local offset
/// ("2026-11-24T23:10:00+01:00"), and a number that is not finite (a journal row changed by hand) as the string
/// "inf", "-inf" or "nan" instead of a failure.
func isoJSON<T: Encodable>(_ value: T, snakeCase: Bool = false) throws -> Data {
    let encoder = JSONEncoder()
    if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .custom { date, encoder in
        var c = encoder.singleValueContainer()
        try c.encode(isoLocalTime(date))
    }
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                  nan: "nan")
    return try encoder.encode(value)
}

/// An optional value that JSON gives as `null` when absent, instead of leaving the key out.
struct Nullable<T: Encodable>: Encodable {
    var value: T?
    init(_ value: T?) { self.value = value }
    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let value { try c.encode(value) } else { try c.encodeNil() }
    }
}

/// A moment in ISO 8601 with this machine's offset from UTC.
func isoLocalTime(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.timeZone = .current
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: date)
}

var stderrIsTerminal: Bool { isatty(2) != 0 }
