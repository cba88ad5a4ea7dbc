import DeviceProtocol
import NightAnalysis
import SignalCore

/// Follows a night as the night runner detects it, live or replayed: the file writers in this module
/// (EDF+/BDF+, CSV and JSON signals), the live journal recorder, the monitor's status line, replay pacing.
/// One protocol for all of them; every method has an empty default, so each observer says only what it uses.
///
/// Calls come in order: `nightStarted` once, then `samples`, `gap` and `event` as the night unfolds, then
/// `nightFinished` once. An error thrown by an observer stops the run and is reported with the recording.
public protocol NightObserver: AnyObject {
    /// The source has described itself (channels, rates, units); detection starts.
    func nightStarted(_ info: DeviceInfo) throws
    /// Samples as the detector saw them: EMG in µV, interleaved by channel; accelerometer in g, interleaved x, y, z.
    func samples(emg: UnsafeBufferPointer<Float>, accel: UnsafeBufferPointer<Float>) throws
    /// A stretch without data. `skippedSeconds` is the time the detector skipped over (0 when frames were lost
    /// without losing samples, e.g. device-info frames, or at the very end).
    func gap(_ gap: NightGap, skippedSeconds: Double) throws
    /// Every event as the detector emits it; a cramp's provisional notice (`isProvisional`) comes first, its
    /// final event later.
    func event(_ event: DetectedEvent) throws
    /// The night has ended; flush and close.
    func nightFinished() throws
}

extension NightObserver {
    public func nightStarted(_ info: DeviceInfo) throws {}
    public func samples(emg: UnsafeBufferPointer<Float>, accel: UnsafeBufferPointer<Float>) throws {}
    public func gap(_ gap: NightGap, skippedSeconds: Double) throws {}
    public func event(_ event: DetectedEvent) throws {}
    public func nightFinished() throws {}
}
