import Exports
import Foundation
import Ingest
import Journal
import Recordings
import SignalCore

/// Keeps the raw captures of the newest nights the monitor recorded (317 MB a night) and, for older ones, deletes
/// them or converts them to gzip-compressed BDF+ or EDF+ (the formats have no compression of their own; the file
/// is `night.bdf.gz`, and `gunzip -k` gives the BDF+ any EDF reader opens and `crampwatch replay` reads).
///
/// Only captures the journal knows as a monitor night's are touched, and only once that night is finished and no
/// monitor holds the file: a capture whose night is not in the journal, or still "recording" (which `journal
/// recover` needs), stays, as does every file the person replayed from elsewhere. The journal keeps the night,
/// its events, figures and trace, and says what became of the capture (`captureRetention`); a converted
/// capture's recording row names the new file.
public enum CaptureRetention {
    /// What becomes of a capture older than the nights kept.
    public enum Older: Sendable, Equatable {
        case delete
        /// To BDF+ (24-bit: the device's ADC steps, lossless up to 24 bits) or EDF+ (16-bit), then gzip.
        case convert(bdf: Bool)
    }

    /// One capture file, the nights recorded into it and what retention does with it.
    public struct Item: Sendable, Equatable {
        public var path: String
        public var nights: [Int64]
        public var recordings: [Int64]
        public var sizeBytes: Int64
        /// When its newest night began.
        public var nightStart: Date
        /// nil: pruned. Otherwise why it is kept.
        public var keptBecause: String?
    }

    /// What `prune` did with one capture.
    public struct Done: Sendable, Equatable {
        public var item: Item
        /// The file that replaced it (converted), nil when deleted or kept.
        public var newPath: String?
        public var newSizeBytes: Int64
        /// One line for a person.
        public var message: String
    }

    /// The monitor's captures, newest night first, with the decision for each: the newest `keep` are kept, and
    /// so is any whose night is unfinished, that a monitor is writing, or that is not there any more.
    public static func plan(journal: Journal, keep: Int) throws -> [Item] {
        // Every row naming the file (a monitor capture replayed later has a row of its own) is grouped, so that
        // all of them are updated; the file is the monitor's when one of its nights is a monitor night, and its
        // age is that night's.
        var byPath: [String: Item] = [:], monitors: Set<String> = []
        for use in try journal.recordingUses() where use.retention == nil
            && use.recording.format == RecordingFormat.rawCapture.rawValue {
            let path = (use.recording.path as NSString).standardizingPath
            var item = byPath[path] ?? Item(path: path, nights: [], recordings: [], sizeBytes: use.recording.sizeBytes,
                                            nightStart: .distantPast, keptBecause: nil)
            item.nights += use.nights.compactMap(\.id)
            item.recordings.append(use.recording.id!)
            for night in use.nights where night.source == "monitor" {
                monitors.insert(path)
                item.nightStart = max(item.nightStart, night.startedAt ?? night.createdAt)
            }
            if let open = use.nights.first(where: { $0.status == NightStatus.recording }) {
                item.keptBecause = "night \(open.id!) is not finished; `crampwatch journal recover` needs its capture"
            }
            byPath[path] = item
        }
        let newestFirst = byPath.values.filter { monitors.contains($0.path) }
            .sorted { ($0.nightStart, $0.nights.max() ?? 0) > ($1.nightStart, $1.nights.max() ?? 0) }
        return newestFirst.enumerated().map { index, item in
            var item = item
            item.nights.sort()
            if index < keep {
                item.keptBecause = "one of the \(keep) newest night\(keep == 1 ? "" : "s")"
            } else if item.keptBecause == nil && CaptureLock.isRecording(path: item.path) {
                item.keptBecause = "a monitor is recording into it"
            } else if item.keptBecause == nil && !FileManager.default.fileExists(atPath: item.path) {
                item.keptBecause = "it is not there any more (moved or deleted by hand); the journal is left as it is"
            }
            return item
        }
    }

    /// Capture files (`*.cwcap`) in the folders of the monitor's captures that the journal does not know: never
    /// touched, named so that a person can replay them.
    public static func unknownCaptures(beside items: [Item], journal: Journal) throws -> [String] {
        let known = Set(try journal.recordingUses().flatMap { use in
            [use.recording.path, use.retention?.originalPath].compactMap { $0 }
                .map { ($0 as NSString).standardizingPath }
        })
        let folders = Set(items.map { ($0.path as NSString).deletingLastPathComponent })
        return folders.sorted().flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
                .filter { $0.hasSuffix(".cwcap") }
                .map { (folder as NSString).appendingPathComponent($0) }
                .filter { !known.contains($0) }
        }
    }

    /// Applies the plan to each capture not kept; `log` hears each line as it happens (conversions take a while).
    public static func prune(_ items: [Item], older: Older, journal: Journal,
                             log: (String) -> Void = { _ in }) -> [Done] {
        items.filter { $0.keptBecause == nil }.map { item in
            let done: Done
            do {
                switch older {
                case .delete: done = try delete(item, journal: journal)
                case .convert(let bdf): done = try convert(item, bdf: bdf, journal: journal)
                }
            } catch {
                var kept = item
                kept.keptBecause = "\(error)"
                done = Done(item: kept, newPath: nil, newSizeBytes: 0,
                            message: "\(item.path): kept: \(error)")
            }
            log(done.message)
            return done
        }
    }

    /// The journal first, then the file: the journal never names a capture as there when it is gone.
    static func delete(_ item: Item, journal: Journal) throws -> Done {
        try journal.markCaptureDeleted(recordings: item.recordings)
        guard unlink(item.path) == 0 || errno == ENOENT else {
            let why = String(cString: strerror(errno))
            try journal.unmarkCaptureDeleted(recordings: item.recordings)
            throw SessionError("cannot delete it: \(why)")
        }
        // Its times file goes with it: the journal keeps the night's start.
        unlink(CaptureTimes.path(forCapture: item.path))
        return Done(item: item, newPath: nil, newSizeBytes: 0,
                    message: "\(item.path): deleted (\(megabytes(item.sizeBytes)); \(nightList(item)) stay in the "
                             + "journal)")
    }

    /// Replays the capture into BDF+/EDF+ with the night's own configuration (so its annotations are the events
    /// the journal holds), compresses it, puts it in place atomically, records it, and only then deletes the
    /// capture.
    static func convert(_ item: Item, bdf: Bool, journal: Journal) throws -> Done {
        let final = (item.path.hasSuffix(".cwcap") ? String(item.path.dropLast(6)) : item.path)
            + (bdf ? ".bdf.gz" : ".edf.gz")
        guard !FileManager.default.fileExists(atPath: final) else {
            throw SessionError("\(final) is already there; move it away and run this again")
        }
        let folder = (final as NSString).deletingLastPathComponent, name = (final as NSString).lastPathComponent
        let edfPath = (folder as NSString).appendingPathComponent(".\(name.dropLast(3)).converting")
        let gzPath = (folder as NSString).appendingPathComponent(".\(name).converting")
        defer {
            unlink(edfPath)
            unlink(gzPath)
        }
        let night = try journal.night(id: item.nights.last!)
        // The night's start as the journal knows it; none is "Startdate X", never a time made up from its saving.
        let start = night?.startedAt.map { EDFStartTime(unixSeconds: $0.timeIntervalSince1970.rounded(.down)) }
            ?? .unknown
        let writer = EDFNightWriter(path: edfPath, bdf: bdf, start: start)
        var replayer = Replayer(configuration: try configuration(of: night, journal: journal))
        replayer.observers = [writer]
        let result = try replayer.replay(path: item.path)
        guard let records = writer.writer?.recordsWritten, records > 0 else {
            throw SessionError("the capture holds no whole second of signal to convert")
        }
        try gzip(edfPath, into: gzPath)
        guard rename(gzPath, final) == 0 else {
            throw SessionError("cannot put \(final) in place: \(String(cString: strerror(errno)))")
        }
        syncFolder(folder)
        let size = fileSize(final)
        let format = (bdf ? RecordingFormat.bdfPlus : RecordingFormat.edfPlus).rawValue + ".gz"
        try journal.markCaptureConverted(recordings: item.recordings, to: final, format: format, sizeBytes: size)
        unlink(item.path)
        // The converted file's header holds the night's start; the times file has nothing left to describe.
        unlink(CaptureTimes.path(forCapture: item.path))
        return Done(item: item, newPath: final, newSizeBytes: size,
                    message: "\(item.path): converted to \(final) (\(bdf ? "BDF+" : "EDF+"), \(records) s, "
                             + "\(result.events.filter { $0.kind != .gap }.count) events as annotations; "
                             + "\(megabytes(item.sizeBytes)) → \(megabytes(size)))")
    }

    /// The detector configuration the night was recorded with (the default when the journal lacks it).
    static func configuration(of night: NightRecord?, journal: Journal) throws -> DetectorConfiguration {
        guard let id = night?.detectorConfigId, let stored = try journal.configuration(id: id) else {
            return DetectorConfiguration()
        }
        return (try? JSONDecoder().decode(DetectorConfiguration.self, from: Data(stored.json.utf8)))
            ?? DetectorConfiguration()
    }

    /// `gzip -n -6` (Debian's essential gzip; Foundation on Linux has no deflate), into a new 0600 file, synced.
    static func gzip(_ source: String, into target: String) throws {
        guard FileManager.default.createFile(atPath: target, contents: nil, attributes: [.posixPermissions: 0o600]),
              let out = FileHandle(forWritingAtPath: target) else {
            throw SessionError("cannot create \(target): \(String(cString: strerror(errno)))")
        }
        defer { try? out.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-n", "-6", "-c", "--", source]
        process.standardOutput = out
        process.standardError = FileHandle.standardError
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit && process.terminationStatus == 0 else {
            throw SessionError("gzip failed (status \(process.terminationStatus)); is gzip installed?")
        }
        try out.synchronize()
    }

    static func fileSize(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : 0
    }

    static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = try? retryingOnInterrupt { fsync(fd) }
        close(fd)
    }

    static func nightList(_ item: Item) -> String {
        (item.nights.count == 1 ? "night " : "nights ") + item.nights.map(String.init).joined(separator: ", ")
    }

    /// Sizes for a person: "317 MB", "1.2 MB".
    public static func megabytes(_ bytes: Int64) -> String {
        let mb = Double(bytes) / 1_000_000
        return mb >= 10 ? "\(Int(mb.rounded())) MB" : String(format: "%.1f MB", mb)
    }
}
