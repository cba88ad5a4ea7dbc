#if canImport(Glibc)
import Glibc
#endif
import DeviceProtocol
import SystemPackage
import Recordings
import NightAnalysis
import SignalCore

/// Writes a night's signals as one JSON object while it is replayed (`replay --export-signals FILE.json`):
///
/// ```json
/// {"format": "crampwatch-signals", "version": 1,
///  "device": {"serial": "SIM-7", "emg_channels": 2, "accel_axes": 3},
///  "channels": [
///    {"name": "emg1", "kind": "emg", "unit": "uV", "rate_hz": 2000, "count": 960000,
/// "segments": [{"start_s": 0, "first_sample": 0, "count": 602464}, {"start_s": 301.248, "first_sample": 602464,
/// "count": 357536}],
///     "samples": [1.25, -3.5, …]},
///    {"name": "accel_x", "kind": "accel", "unit": "g", "rate_hz": 100, …}, …],
///  "gaps": [{"onset_s": 301.232, "offset_s": 301.248, "note": "1 frame lost in transit"}],
///  "events": [{"kind": "cramp", "onset_s": 126.4, "offset_s": 149.6, "channel": 1}, …]}
/// ```
///
/// `samples` holds every sample of the channel in order, in its unit (the same numbers as the CSV export's
/// column `name_unit`); `segments` say where the time jumps: sample `k` of a segment is at
/// `start_s + (k − first_sample) / rate_hz` seconds from the recording's first sample. A night without gaps
/// has one segment. `events` are the detector's final events, sorted by onset (channel 0-based, artifacts
/// with their cause). Non-finite values are written as `null`.
///
/// Streaming: each channel's samples go, as JSON text, into its own unlinked temporary file beside the
/// output (mode 0600, gone when closed, even after a crash); at the end they are copied into the output
/// one after another. Memory stays at a few 64-KiB buffers whatever the night's length. The output is
/// created 0600.
public final class SignalJSONWriter: NightObserver {
    public let path: String
    /// The most bytes of sample text held in memory at once (the streaming promise, measured by a test).
    public private(set) var peakBufferedBytes = 0

    struct Channel {
        var name: String
        var kind: String
        var unit: String
        var rateHz: Int
        var fd: Int32 = -1
        var text: [UInt8] = []
        var count = 0
        var bytesOnDisk = 0
        var segments: [(startSeconds: Double, firstSample: Int)] = []
        var needsSegment = true
        var nextStartSeconds = 0.0
    }

    var channels: [Channel] = []
    var emgChannels = 0
    var accelAxes = 0
    var serial = ""
    /// The clock: EMG samples (accelerometer samples without EMG) since the start, gaps included.
    var clock = 0
    var clockRateHz = 1
    var gaps: [(onset: Double, offset: Double, note: String)] = []
    var events: [DetectedEvent] = []
    static let flushBytes = 1 << 16

    public init(path: String) { self.path = path }

    deinit {
        for c in channels where c.fd >= 0 { close(c.fd) }
    }

    public func nightStarted(_ d: DeviceInfo) throws {
        emgChannels = d.emgChannels
        accelAxes = d.accelAxes
        serial = d.serial
        clockRateHz = emgChannels > 0 ? max(1, d.emgRateHz) : max(1, d.accelRateHz)
        guard emgChannels > 0 || accelAxes == 3 else {
            throw RecordingError(path: path, offset: nil,
                                 "the recording has neither EMG nor an accelerometer: no signals to export")
        }
        for c in 0..<emgChannels {
            channels.append(Channel(name: "emg\(c + 1)", kind: "emg", unit: "uV", rateHz: d.emgRateHz))
        }
        if accelAxes == 3 {
            for axis in ["x", "y", "z"] {
                channels.append(Channel(name: "accel_\(axis)", kind: "accel", unit: "g", rateHz: d.accelRateHz))
            }
        }
        // Create the output first, so a path that cannot be written fails before any work.
        do {
            try FileDescriptor.createPrivate(path).close()
        } catch {
            throw RecordingError(path: path, offset: nil, "cannot create: \(Errno.text(error))")
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        for k in channels.indices {
            let temporary = "\(directory.isEmpty ? "/" : directory)/.\(base).\(channels[k].name).\(getpid()).part"
            let fd: Int32
            do {
                fd = try FileDescriptor.createPrivate(temporary, .readWrite, exclusive: true).rawValue
            } catch {
                throw RecordingError(path: temporary, offset: nil, "cannot create a temporary file for the export: "
                                                                   + Errno.text(error))
            }
            unlink(temporary)
            channels[k].fd = fd
            channels[k].text.reserveCapacity(Self.flushBytes + 64)
        }
    }

    @inline(__always)
    private func append(_ k: Int, _ value: Float) throws {
        if channels[k].needsSegment {
            channels[k].segments.append((channels[k].nextStartSeconds, channels[k].count))
            channels[k].needsSegment = false
        }
        if channels[k].count > 0 { channels[k].text.append(44) }
        if value.isFinite {
            channels[k].text += String(value).utf8
        } else {
            channels[k].text += "null".utf8
        }
        channels[k].count += 1
        if channels[k].text.count >= Self.flushBytes { try flush(k) }
    }

    public func samples(emg: UnsafeBufferPointer<Float>, accel: UnsafeBufferPointer<Float>) throws {
        if emgChannels > 0 {
            for i in 0..<emg.count { try append(i % emgChannels, emg[i]) }
            clock += emg.count / emgChannels
        }
        if accelAxes == 3 {
            for i in 0..<(accel.count / 3 * 3) { try append(emgChannels + i % 3, accel[i]) }
            if emgChannels == 0 { clock += accel.count / 3 }
        }
        let buffered = channels.reduce(0) { $0 + $1.text.count }
        if buffered > peakBufferedBytes { peakBufferedBytes = buffered }
    }

    public func gap(_ gap: NightGap, skippedSeconds seconds: Double) throws {
        guard seconds > 0 else { return }
        let note = gap.note
        let onset = Double(clock) / Double(clockRateHz)
        clock += Int((seconds * Double(clockRateHz)).rounded())
        let offset = Double(clock) / Double(clockRateHz)
        gaps.append((onset, offset, note))
        for k in channels.indices {
            channels[k].needsSegment = true
            channels[k].nextStartSeconds = offset
        }
    }

    public func event(_ e: DetectedEvent) throws {
        guard !e.isProvisional else { return }
        if !e.isProvisional { events.append(e) }
    }

    public func nightFinished() throws {
        for k in channels.indices { try flush(k) }
        let out = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard out >= 0 else {
            throw RecordingError(path: path, offset: nil,
                                 "cannot open for writing: \(String(cString: strerror(errno)))")
        }
        defer { close(out) }
        var head = "{\"format\":\"crampwatch-signals\",\"version\":1,"
        head += "\"device\":{\"serial\":\(Self.quoted(serial)),"
            + "\"emg_channels\":\(emgChannels),\"accel_axes\":\(accelAxes)},"
        head += "\"channels\":["
        try write(out, Array(head.utf8))
        var buffer = [UInt8](repeating: 0, count: Self.flushBytes)
        for k in channels.indices {
            let c = channels[k]
            var text = k > 0 ? "," : ""
            text += "{\"name\":\"\(c.name)\",\"kind\":\"\(c.kind)\",\"unit\":\"\(c.unit)\","
                + "\"rate_hz\":\(c.rateHz),\"count\":\(c.count),\"segments\":["
            for (s, segment) in c.segments.enumerated() {
                let end = s + 1 < c.segments.count ? c.segments[s + 1].firstSample : c.count
                text += (s > 0 ? "," : "") + "{\"start_s\":\(Self.number(segment.startSeconds)),"
                    + "\"first_sample\":\(segment.firstSample),\"count\":\(end - segment.firstSample)}"
            }
            text += "],\"samples\":["
            try write(out, Array(text.utf8))
            // Copy the channel's sample text from its temporary file.
            var offset = 0
            while offset < c.bytesOnDisk {
                let n = try readBack(c.fd, at: offset, into: &buffer, limit: c.bytesOnDisk - offset)
                guard n > 0 else {
                    throw RecordingError(path: path, offset: nil, "the temporary export data ended early")
                }
                try write(out, buffer[0..<n])
                offset += n
            }
            close(c.fd)
            channels[k].fd = -1
            try write(out, Array("]}".utf8))
        }
        var tail = "],\"gaps\":["
        for (i, g) in gaps.enumerated() {
            tail += (i > 0 ? "," : "") + "{\"onset_s\":\(Self.number(g.onset)),\"offset_s\":\(Self.number(g.offset)),"
                + "\"note\":\(Self.quoted(g.note))}"
        }
        tail += "],\"events\":["
        events.sort { ($0.onsetSeconds, $0.kind.rawValue) < ($1.onsetSeconds, $1.kind.rawValue) }
        for (i, e) in events.enumerated() {
            tail += (i > 0 ? "," : "") + "{\"kind\":\"\(e.kind.rawValue)\",\"onset_s\":\(Self.number(e.onsetSeconds)),"
                + "\"offset_s\":\(Self.number(e.offsetSeconds))"
            if e.channel >= 0 { tail += ",\"channel\":\(e.channel)" }
            if e.kind == .artifact { tail += ",\"cause\":\"\(e.artifactCause.name)\"" }
            tail += "}"
        }
        tail += "]}\n"
        try write(out, Array(tail.utf8))
        // EINVAL: the file is something fsync does not apply to (a pipe); the data is written either way.
        if (try? retryingOnInterrupt { fsync(out) }) == nil && errno != EINVAL {
            throw RecordingError(path: path, offset: nil, "cannot flush to disk: \(String(cString: strerror(errno)))")
        }
    }

    private func flush(_ k: Int) throws {
        guard !channels[k].text.isEmpty else { return }
        try write(channels[k].fd, channels[k].text[...])
        channels[k].bytesOnDisk += channels[k].text.count
        channels[k].text.removeAll(keepingCapacity: true)
    }

    /// Reads back part of a channel's temporary file (FileDescriptor retries a read a signal interrupts).
    private func readBack(_ fd: Int32, at offset: Int, into buffer: inout [UInt8], limit: Int) throws -> Int {
        let count = min(buffer.count, limit)
        do {
            return try buffer.withUnsafeMutableBytes { b in
                try FileDescriptor(rawValue: fd).read(fromAbsoluteOffset: Int64(offset),
                                                      into: UnsafeMutableRawBufferPointer(rebasing: b[0..<count]))
            }
        } catch {
            throw RecordingError(path: path, offset: nil, "cannot read back the temporary export data: \(error)")
        }
    }

    private func write<C: Collection>(_ fd: Int32, _ bytes: C) throws where C.Element == UInt8 {
        do {
            // FileDescriptor.writeAll retries interrupted and short writes.
            _ = try FileDescriptor(rawValue: fd).writeAll(Array(bytes))
        } catch {
            throw RecordingError(path: path, offset: nil, "write failed: \(error) (is the disk full?)")
        }
    }

    /// A JSON number (Swift's shortest round-tripping form); `null` when not finite.
    static func number(_ x: Double) -> String { x.isFinite ? String(x) : "null" }

    /// A JSON string literal.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
