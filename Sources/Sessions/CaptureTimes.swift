import Foundation
import NightAnalysis
import Recordings
import SystemPackage

/// The wall-clock times of a raw capture, kept beside it as `<capture>.times.json` (docs/formats.md, "Capture
/// times"). A raw capture holds only the device's own clock, so without this file nobody can say when the night
/// was: the monitor writes it when the capture begins, rewrites it every few minutes and at the end, and `replay`
/// reads the night's start from it, the very start the live night was saved with.
public struct CaptureTimes: Codable, Sendable, Equatable {
    public static let formatName = "crampwatch-times"
    public static let currentVersion = 1
    /// Bigger than any real one (an 8-hour night's clock fit is about 150 KB): anything larger is not this file.
    public static let largestBytes = 16 << 20

    /// A moment on the host's wall clock, with the host's time zone then.
    public struct HostClock: Codable, Sendable, Equatable {
        /// ISO 8601 in UTC to the millisecond, e.g. "2026-11-24T22:10:03.250Z".
        public var utc: String
        /// The same moment in Unix seconds.
        public var unixSeconds: Double
        /// The host's time zone (its IANA name, e.g. "Europe/Berlin") and its offset from UTC at that moment.
        public var timeZone: String
        public var utcOffsetSeconds: Int
        /// Local civil time with its offset, e.g. "2026-11-24T23:10:03.250+01:00".
        public var local: String

        enum CodingKeys: String, CodingKey {
            case utc, local
            case unixSeconds = "unix_s", timeZone = "time_zone", utcOffsetSeconds = "utc_offset_s"
        }

        public init(_ date: Date, timeZone: TimeZone = .current) {
            utc = CaptureTimes.iso(date, TimeZone(identifier: "UTC")!)
            unixSeconds = date.timeIntervalSince1970
            self.timeZone = timeZone.identifier
            utcOffsetSeconds = timeZone.secondsFromGMT(for: date)
            local = CaptureTimes.iso(date, timeZone)
        }
    }

    /// The device clock fitted to the host's (`ClockFit`): host Unix time = offset + (1 + drift/10⁶) × device time.
    public struct Fit: Codable, Sendable, Equatable {
        public var windowSeconds: Double
        /// Absent until two windows have data.
        public var offsetSeconds: Double?
        public var driftPPM: Double?
        public var medianResidualMs: Double?
        /// Times the device clock restarted or stepped: the points below are those since the last one.
        public var resets: Int
        /// `[device µs, host Unix seconds]`: each window's earliest arrival, oldest first.
        public var points: [[Double]]

        enum CodingKeys: String, CodingKey {
            case resets, points
            case windowSeconds = "window_s", offsetSeconds = "offset_s", driftPPM = "drift_ppm"
            case medianResidualMs = "median_residual_ms"
        }

        public init(_ fit: ClockFit) {
            windowSeconds = fit.windowSeconds
            let line = fit.result.flatMap { $0.points >= 2 ? $0 : nil }
            offsetSeconds = line?.offsetSeconds
            driftPPM = line?.driftPPM
            medianResidualMs = line?.medianResidualMs
            resets = fit.resets
            points = fit.points.map { [($0.deviceSeconds * 1e6).rounded(), $0.hostSeconds] }
        }
    }

    /// When the night began, as the monitor saved it.
    public struct Start: Codable, Sendable, Equatable {
        public var unixSeconds: Double
        public var utc: String
        /// "device" (the first sample's device time through the clock fit) or "monitor" (the host's clock when the
        /// monitor began, before the fit had two windows).
        public var source: String

        enum CodingKeys: String, CodingKey {
            case utc, source
            case unixSeconds = "unix_s"
        }

        public init(_ date: Date, source: String) {
            unixSeconds = date.timeIntervalSince1970
            utc = CaptureTimes.iso(date, TimeZone(identifier: "UTC")!)
            self.source = source
        }

        public var date: Date { Date(timeIntervalSince1970: unixSeconds) }
    }

    public var format = CaptureTimes.formatName
    public var version = CaptureTimes.currentVersion
    /// The capture's file name (without its folder) when it was recorded.
    public var capture: String
    /// The host's clock when the monitor began the capture.
    public var hostStart: HostClock
    /// The device time of the night's first sample, once one has arrived.
    public var firstSampleDeviceMicros: UInt64?
    public var clockFit: Fit?
    public var nightStart: Start
    /// The capture's length when this was written.
    public var captureBytes: UInt64
    /// True once the monitor finished the night (false: it was still recording, or was killed).
    public var complete: Bool
    public var writtenAt: String

    enum CodingKeys: String, CodingKey {
        case format, version, capture, complete
        case hostStart = "host_start", firstSampleDeviceMicros = "first_sample_device_us", clockFit = "clock_fit"
        case nightStart = "night_start", captureBytes = "capture_bytes", writtenAt = "written_at"
    }

    /// A capture's times as they are when the monitor begins it: the host's clock is all there is.
    public init(capturePath: String, startedAt: Date, timeZone: TimeZone = .current) {
        capture = (capturePath as NSString).lastPathComponent
        hostStart = HostClock(startedAt, timeZone: timeZone)
        nightStart = Start(startedAt, source: "monitor")
        captureBytes = 0
        complete = false
        writtenAt = hostStart.utc
    }

    /// Where the times of `capturePath` are kept.
    public static func path(forCapture capturePath: String) -> String { capturePath + ".times.json" }

    static func iso(_ date: Date, _ zone: TimeZone) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = zone
        return f.string(from: date)
    }
}

extension CaptureTimes {
    /// The times kept beside `capturePath`; nil when there are none (a capture from before they were kept, one
    /// copied without them, or one written by `simulate`). A file that is there but unusable throws, in words.
    public static func read(capturePath: String) throws -> CaptureTimes? {
        let path = path(forCapture: capturePath)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text: String
        do { text = try TextFile.read(path: path, what: "the capture's times file") } catch {
            throw SessionError("\(error)")
        }
        guard text.utf8.count <= largestBytes else { throw SessionError("\(path): too large to be a times file") }
        let times: CaptureTimes
        do { times = try JSONDecoder().decode(CaptureTimes.self, from: Data(text.utf8)) } catch {
            throw SessionError("\(path): not a capture times file (\(reason(error)))")
        }
        guard times.format == formatName else {
            throw SessionError("\(path): its format is \"\(times.format)\", not \"\(formatName)\"")
        }
        guard times.version <= currentVersion else {
            throw SessionError("\(path): written by a newer Crampwatch (version \(times.version)); update Crampwatch")
        }
        let start = times.nightStart.unixSeconds
        // The years 1970 to 2199: any other start comes from a damaged file.
        guard start.isFinite, start > 0, start < 7_258_118_400 else {
            throw SessionError("\(path): the night's start (\(start)) is not a time a night can have")
        }
        return times
    }

    static func reason(_ error: Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): return "\"\(key.stringValue)\" is missing"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            let at = c.codingPath.map(\.stringValue).joined(separator: ".")
            return at.isEmpty ? c.debugDescription : "\(at): \(c.debugDescription)"
        default: return "\(error)"
        }
    }

    /// Writes the times beside the capture so that a crash at any moment leaves either the old file or the new one,
    /// whole: to a temporary file (0600), forced to disk, renamed over the old one, and the folder forced too.
    public func write(capturePath: String) throws {
        let path = Self.path(forCapture: capturePath)
        let encoder = JSONEncoder()
        // One line: an 8-hour night's 2,880 clock-fit points stay about 100 KB (`python3 -m json.tool` indents it).
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(self) + Data("\n".utf8)
        let temporary = path + ".tmp"
        let file: FileDescriptor
        do {
            file = try .createPrivate(temporary)
        } catch {
            throw SessionError("\(temporary): cannot create: \(Errno.text(error))")
        }
        let fd = file.rawValue
        do {
            _ = try file.writeAll(data)
            try retryingOnInterrupt { fsync(fd) }
            try file.close()
        } catch {
            try? file.close()
            unlink(temporary)
            throw SessionError("\(temporary): cannot write: \(error)")
        }
        guard rename(temporary, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw SessionError("\(path): cannot put in place: \(why)")
        }
        let folder = open((path as NSString).deletingLastPathComponent.isEmpty
                              ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = try? retryingOnInterrupt { fsync(folder) }
            close(folder)
        }
    }
}
