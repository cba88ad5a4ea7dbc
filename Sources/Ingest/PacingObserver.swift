#if canImport(Glibc)
import Glibc
#endif
import DeviceProtocol
import Exports
import NightAnalysis

/// Slows a replay to `factor` times real time, as if the night were arriving live (demos, and the crash tests
/// that kill a recording mid-night). Put it last among the observers: the others see each block before it waits.
public final class PacingObserver: NightObserver {
    public let factor: Double
    var emgChannels = 1
    var rateHz = 1.0
    var samples = 0
    var started = 0.0

    public init(factor: Double) { self.factor = factor }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    public func nightStarted(_ info: DeviceInfo) throws {
        emgChannels = info.emgChannels
        rateHz = Double(max(1, info.emgChannels > 0 ? info.emgRateHz : info.accelRateHz))
        started = Self.now()
    }

    public func samples(emg: UnsafeBufferPointer<Float>, accel: UnsafeBufferPointer<Float>) throws {
        samples += emgChannels > 0 ? emg.count / emgChannels : accel.count / 3
        let due = started + Double(samples) / rateHz / factor
        let wait = due - Self.now()
        if wait > 0 { usleep(UInt32(min(wait, 10) * 1e6)) }
    }

    public func gap(_ gap: NightGap, skippedSeconds: Double) throws {
        samples += Int(skippedSeconds * rateHz)
    }
}
