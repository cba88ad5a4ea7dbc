import ArgumentParser
import Foundation
import Journal
import Recordings
import CrampwatchJSON
import Exports
import Ingest
import NightAnalysis
import Sessions
import SignalCore

/// Which detector configuration to use: the defaults, a JSON file, or one saved in the journal by name.
struct DetectorOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp("Use the detector configuration saved under this name (see "
                                                            + "`crampwatch config list`).", valueName: "name"))
    var configName: String?

    @Option(name: .customLong("config-file"),
            help: ArgumentHelp("Use the detector configuration in this JSON file (see `crampwatch config show`).",
                               valueName: "path"))
    var configFile: String?

    func validate() throws {
        if configName != nil && configFile != nil { throw ValidationError("give --config or --config-file, not both.") }
    }

    func resolve(journalPath: String) throws -> DetectorConfiguration {
        if let configFile {
            let text = try TextFile.read(path: configFile, what: "the detector configuration")
            do {
                return try JSONDecoder().decode(DetectorConfiguration.self, from: Data(text.utf8))
            } catch let error as DecodingError {
                throw ReplayError("\(configFile): not a usable detector configuration: \(describe(error))")
            }
        }
        if let configName {
            let journal = try Journal(path: journalPath)
            guard let record = try journal.configuration(named: configName) else {
                let names = (try? journal.namedConfigurations().compactMap(\.name)) ?? []
                throw ReplayError("no configuration named \"\(configName)\" in \(journalPath)"
                                  + (names.isEmpty ? "; save one with `crampwatch validate … --save NAME`"
                                                   : "; saved ones: \(names.joined(separator: ", "))"))
            }
            return try JSONDecoder().decode(DetectorConfiguration.self, from: Data(record.json.utf8))
        }
        return DetectorConfiguration()
    }
}

func describe(_ error: DecodingError) -> String {
    switch error {
    case .dataCorrupted(let c): return c.debugDescription
    case .keyNotFound(let k, _): return "missing \(k.stringValue)"
    case .typeMismatch(_, let c): return "\(c.codingPath.map(\.stringValue).joined(separator: ".")): "
                                         + "\(c.debugDescription)"
    case .valueNotFound(_, let c): return "\(c.codingPath.map(\.stringValue).joined(separator: ".")): "
                                          + "\(c.debugDescription)"
    @unknown default: return "\(error)"
    }
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Shows detector configurations: every threshold, its unit and where it comes from.",
        subcommands: [Show.self, List.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prints a configuration (the defaults unless "
                                                                  + "--config or --config-file).",
                                                        discussion: "With --json the output is a file you can edit and "
                                                                    + "pass back with --config-file.")
        @OptionGroup var detector: DetectorOptions
        @OptionGroup var journal: JournalOptions
        @Flag(help: "Print the configuration as JSON.") var json = false
        @Flag(help: "Print the docs' settings table (defaults, units, allowed values, stages, sources) in Markdown.")
        var markdown = false

        func validate() throws {
            if markdown && (json || detector.configName != nil || detector.configFile != nil) {
                throw ValidationError(
                    "--markdown prints the defaults' table; give it without --json, --config or --config-file.")
            }
        }

        func run() throws {
            if markdown {
                print(DetectorConfiguration.settingsMarkdownTable, terminator: "")
                return
            }
            let c: DetectorConfiguration
            do { c = try detector.resolve(journalPath: journal.resolvedPath) } catch {
                complain(error)
                throw Exit.failure
            }
            if json {
                try printJSON(c)
                return
            }
            print("Detector configuration (hash \(ConfigurationIdentity.hash(c).prefix(12)))")
            for s in DetectorConfiguration.settings {
                let value = s.text(in: c) + (s.unit.isEmpty ? "" : " \(s.unit)")
                let allowed = s.allowed.map { " (must be \($0.phrase)\(s.unit.isEmpty ? "" : " " + s.unit))" } ?? ""
                print("  \(pad(s.key, 38)) \(pad(value, 10))  \(s.meaning)\(allowed) — \(s.source)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists the configurations saved in the journal by "
                                                                  + "name.")
        @OptionGroup var journal: JournalOptions

        func run() throws {
            let j = try openJournal(journal)
            let named = try j.namedConfigurations()
            if named.isEmpty { print("No named configurations yet; `crampwatch validate … --save NAME` saves one.") }
            for r in named { print("\(pad(r.name ?? "", 24))  \(r.hash.prefix(12))  saved \(dayTime(r.createdAt))") }
        }
    }
}
