/// How to read recordings that are not raw device captures.
public struct RecordingOptions: Sendable {
    /// `--emg-channel`: labels or 1-based numbers; nil picks leg EMG by label and unit.
    public var emgChannels: [String]?
    /// `--accel-channels`: three labels or numbers; nil picks by unit; [] for none.
    public var accelChannels: [String]?
    /// Mains frequency for the notch (Hz); nil keeps the configuration's.
    public var mainsHz: Int?
    /// CSV without a time column: the sampling rate (Hz).
    public var csvRateHz: Double?
    /// CSV: the time column's name (seconds).
    public var csvTimeColumn: String?
    /// Repair an EDF/BDF left unclosed by a crash (record count -1, partial last record) in place before reading it.
    public var repairInPlace = true
    /// EDF+: take sleep and wake from the lab's scored stages the recording carries (`ScoredStages`), when it does.
    /// False reads them from the accelerometer as for any other recording (`--sleep-from accelerometer`).
    public var useScoredStages = true

    public init(emgChannels: [String]? = nil, accelChannels: [String]? = nil, mainsHz: Int? = nil,
                csvRateHz: Double? = nil,
                csvTimeColumn: String? = nil, repairInPlace: Bool = true, useScoredStages: Bool = true) {
        self.emgChannels = emgChannels
        self.accelChannels = accelChannels
        self.mainsHz = mainsHz
        self.csvRateHz = csvRateHz
        self.csvTimeColumn = csvTimeColumn
        self.repairInPlace = repairInPlace
        self.useScoredStages = useScoredStages
    }
}
