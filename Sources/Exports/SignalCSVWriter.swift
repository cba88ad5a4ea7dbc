#if canImport(Glibc)
import Glibc
#endif
import DeviceProtocol
import SystemPackage
import Recordings
import NightAnalysis
import SignalCore

/// Writes a night's signals as CSV while it is replayed: `time_s`, one column per EMG channel (µV), and the
/// accelerometer axes (g) on the rows where an accelerometer sample falls (empty between them when it is slower).
/// Without EMG (an accelerometer-only device) there is one row per accelerometer sample.
/// Gaps show as jumps in `time_s`. `replay` reads this back (CSV import). The file is created 0600.
public final class SignalCSVWriter: NightObserver {
    public let path: String
    var fd: Int32 = -1
    var emgChannels = 1
    var accelAxes = 0
    var fs = 1
    var every = 1
    var row = 0  // index (in samples, gaps included) of the next EMG row
    var accelAnchor = 0  // row of the next accelerometer sample's block start
    var accelWritten = 0
    var pendingEMG: [Float] = []
    var pendingAccel: [Float] = []
    var out: [UInt8] = []

    public init(path: String) { self.path = path }

    public func nightStarted(_ d: DeviceInfo) throws {
        do {
            fd = try FileDescriptor.createPrivate(path).rawValue
        } catch {
            throw RecordingError(path: path, offset: nil, "cannot create: \(Errno.text(error))")
        }
        emgChannels = d.emgChannels
        accelAxes = d.accelAxes
        fs = d.emgRateHz
        if emgChannels == 0 {
            // Accelerometer only: its samples are the rows.
            guard accelAxes == 3, d.accelRateHz > 0 else {
                throw RecordingError(path: path, offset: nil,
                                     "the recording has neither EMG nor an accelerometer: no signals to export")
            }
            fs = d.accelRateHz
        } else if accelAxes == 3 {
            guard d.accelRateHz > 0, fs % d.accelRateHz == 0 else {
                throw RecordingError(path: path, offset: nil,
                                     "the accelerometer rate (\(d.accelRateHz) Hz) does not divide the EMG rate (\(fs) "
                                     + "Hz), so the two cannot share rows of one CSV file")
            }
            every = fs / d.accelRateHz
        }
        var header = "time_s"
        for c in 0..<emgChannels { header += ",emg\(c + 1)_uV" }
        if accelAxes == 3 { header += ",accel_x_g,accel_y_g,accel_z_g" }
        out += Array((header + "\n").utf8)
    }

    public func samples(emg: UnsafeBufferPointer<Float>, accel: UnsafeBufferPointer<Float>) throws {
        pendingEMG += emg
        pendingAccel += accel
        try drain(final: false)
    }

    func drain(final: Bool) throws {
        if emgChannels == 0 {
            var a = 0
            while a + 3 <= pendingAccel.count {
                out += Array(EDFHeader.fixed(Double(row) / Double(fs), decimals: 6).utf8)
                for c in 0..<3 { out.append(44); out += Array(String(pendingAccel[a + c]).utf8) }
                out.append(10)
                a += 3
                row += 1
                if out.count > 1 << 16 { try flush() }
            }
            pendingAccel.removeFirst(a)
            return
        }
        var e = 0
        while e + emgChannels <= pendingEMG.count {
            let k = row - accelAnchor
            let wantsAccel = accelAxes == 3 && k % every == 0
            if wantsAccel && pendingAccel.count < 3 && !final { break }  // wait for the accelerometer to catch up
            out += Array(EDFHeader.fixed(Double(row) / Double(fs), decimals: 6).utf8)
            for c in 0..<emgChannels { out.append(44); out += Array(String(pendingEMG[e + c]).utf8) }
            if accelAxes == 3 {
                if wantsAccel && pendingAccel.count >= 3 {
                    for c in 0..<3 { out.append(44); out += Array(String(pendingAccel[c]).utf8) }
                    pendingAccel.removeFirst(3)
                    accelWritten += 1
                } else {
                    out += Array(",,,".utf8)
                }
            }
            out.append(10)
            e += emgChannels
            row += 1
            if out.count > 1 << 16 { try flush() }
        }
        pendingEMG.removeFirst(e)
    }

    public func gap(_ gap: NightGap, skippedSeconds seconds: Double) throws {
        guard seconds > 0 else { return }
        try drain(final: true)
        pendingAccel.removeAll()
        row += Int((seconds * Double(fs)).rounded())
        accelAnchor = row
        accelWritten = 0
    }

    public func event(_ e: DetectedEvent) throws {}

    public func nightFinished() throws {
        try drain(final: true)
        try flush()
        _ = try? retryingOnInterrupt { fsync(fd) }
        close(fd)
    }

    func flush() throws {
        do {
            // FileDescriptor.writeAll retries interrupted and short writes.
            _ = try FileDescriptor(rawValue: fd).writeAll(out)
        } catch {
            throw RecordingError(path: path, offset: nil, "write failed: \(error) (is the disk full?)")
        }
        out.removeAll(keepingCapacity: true)
    }
}
