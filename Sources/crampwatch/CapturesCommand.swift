import ArgumentParser
import Foundation
import Journal
import Sessions

/// `crampwatch captures`: the monitor's raw captures, and keeping them from filling the disk.
struct CapturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "captures",
        abstract: "Lists the monitor's raw captures, and keeps only the newest nights' (the rest deleted or "
                  + "converted to compressed BDF+/EDF+).",
        discussion: """
            A raw capture takes about 317 MB a night. The nightly service runs `captures prune` every morning \
            (docs/install.md). Only captures the journal knows as a monitor night's are touched, and only once \
            that night is finished: a capture whose night is not in the journal, or still being recorded, stays, \
            as does any file you replayed from elsewhere. The nights themselves, their events, figures and traces \
            stay in the journal, which also notes what became of each capture.
            """,
        subcommands: [List.self, Prune.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lists the monitor's captures, newest night first, with what became of each.")
        @OptionGroup var journal: JournalOptions
        @Flag(help: "Print JSON.") var json = false

        struct Row: Encodable {
            var nights: [Int64]
            var started_at: String
            var state: String
            var path: String
            var size_bytes: Int64
            var original_path: String?
        }

        func run() throws {
            let j = try openJournal(journal)
            let iso = ISO8601DateFormatter()
            iso.timeZone = .current
            let rows: [Row] = try j.recordingUses().filter { $0.nights.contains { $0.source == "monitor" } }
                .map { use in
                    let start = use.nights.map { $0.startedAt ?? $0.createdAt }.max() ?? use.recording.importedAt
                    let unfinished = use.nights.contains { $0.status == NightStatus.recording }
                    let state = use.retention.map {
                        $0.action == CaptureRetentionAction.deleted ? "deleted" : use.recording.format
                    } ?? (unfinished ? "recording" : "capture")
                    return Row(nights: use.nights.compactMap(\.id), started_at: iso.string(from: start), state: state,
                               path: use.recording.path,
                               size_bytes: use.retention?.action == CaptureRetentionAction.deleted
                                   ? 0 : use.recording.sizeBytes,
                               original_path: use.retention?.originalPath)
                }
                .sorted { ($0.started_at, $0.nights.max() ?? 0) > ($1.started_at, $1.nights.max() ?? 0) }
            if json { return try printJSON(rows) }
            if rows.isEmpty { return print("No capture recorded by the monitor in \(j.path).") }
            print("night  started           state      size      file")
            for r in rows {
                let nights = r.nights.map(String.init).joined(separator: ",")
                let started = String(r.started_at.prefix(16)).replacingOccurrences(of: "T", with: " ")
                let size = r.state == "deleted" ? "–" : CaptureRetention.megabytes(r.size_bytes)
                let note = r.original_path.map { r.state == "deleted" ? "" : " (from \($0))" } ?? ""
                print(nights.padding(toLength: 7, withPad: " ", startingAt: 0) + started + "  "
                      + r.state.padding(toLength: 11, withPad: " ", startingAt: 0)
                      + size.padding(toLength: 10, withPad: " ", startingAt: 0) + r.path + note)
            }
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keeps the raw captures of the newest nights; deletes or converts the older ones.",
            discussion: """
                --convert bdf writes 24-bit BDF+ (lossless for the device's ADC), edf 16-bit EDF+, each with the \
                night's events and gaps as annotations, then gzip-compresses it (EDF has no compression of its \
                own): night.bdf.gz, about half the capture's size; `gunzip -k` it to open it. --delete removes \
                the capture; the night stays in the journal, figures, events and trace included, but its signal \
                is gone.
                """)
        @Option(help: ArgumentHelp("Keep the raw captures of this many newest nights (1 or more).",
                                   valueName: "nights")) var keep: Int
        @Option(help: ArgumentHelp("Convert older captures to gzip-compressed bdf (BDF+) or edf (EDF+).",
                                   valueName: "bdf|edf")) var convert: String?
        @Flag(help: "Delete older captures instead.") var delete = false
        @Flag(name: .customLong("dry-run"), help: "Say what would be done; change nothing.") var dryRun = false
        @OptionGroup var journal: JournalOptions

        func validate() throws {
            if keep < 1 { throw ValidationError("--keep must be 1 or more nights.") }
            if let convert, !["bdf", "edf"].contains(convert.lowercased()) {
                throw ValidationError("--convert must be bdf or edf.")
            }
            if (convert == nil) == !delete {
                throw ValidationError("Give --convert bdf, --convert edf or --delete: what becomes of older captures.")
            }
        }

        func run() throws {
            let j = try openJournal(journal)
            let items = try CaptureRetention.plan(journal: j, keep: keep)
            let older: CaptureRetention.Older = delete ? .delete : .convert(bdf: convert?.lowercased() == "bdf")
            for item in items where item.keptBecause != nil && !item.keptBecause!.hasPrefix("one of the") {
                print("\(item.path): kept: \(item.keptBecause!)")
            }
            for path in try CaptureRetention.unknownCaptures(beside: items, journal: j) {
                print("\(path): kept: not in the journal (replay it to save its night)")
            }
            let due = items.filter { $0.keptBecause == nil }
            if dryRun {
                for item in due { print("\(item.path): would be \(delete ? "deleted" : "converted")") }
                return print("captures: \(items.count - due.count) kept, \(due.count) would be "
                             + "\(delete ? "deleted" : "converted") (dry run: nothing changed)")
            }
            let done = CaptureRetention.prune(items, older: older, journal: j) { print($0) }
            let failed = done.filter { $0.item.keptBecause != nil }.count
            let before = done.filter { $0.item.keptBecause == nil }.reduce(Int64(0)) { $0 + $1.item.sizeBytes }
            let after = done.reduce(Int64(0)) { $0 + $1.newSizeBytes }
            print("captures: \(items.count - done.count + failed) kept, \(done.count - failed) "
                  + "\(delete ? "deleted" : "converted") (\(CaptureRetention.megabytes(before - after)) freed)")
            if failed > 0 { throw Exit.failure }
        }
    }
}
