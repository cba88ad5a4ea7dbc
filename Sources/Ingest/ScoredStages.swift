import NightAnalysis
import Recordings

/// A sleep lab's hypnogram inside an EDF+ recording: its "Sleep stage …" annotations (see `SleepStageLabels`) as
/// the night's sleep and wake, which the lab scored from EEG, EOG and chin EMG and a leg cannot see.
enum ScoredStages {
    /// The hypnogram, or nil when the file has no stage annotation. A stage without a duration lasts until the next
    /// one (30 s for the last, AASM's epoch). Stages that overlap are no hypnogram: `note` says where, and the night's
    /// sleep is read as if there were none. `annotations` are the recording's stage annotations
    /// (`EDFSource.stageAnnotations()`, from the one read of the file that also gives its record onsets); any other
    /// annotation among them is passed over.
    static func read(_ annotations: [EDFAnnotation], path: String,
                     durationSeconds: Double) -> (Hypnogram?, note: String?) {
        let stages = annotations.compactMap { a -> (EDFAnnotation, Bool)? in
            SleepStageLabels.asleep(a.text).map { (a, $0) }
        }.sorted { $0.0.onsetSeconds < $1.0.onsetSeconds }
        guard !stages.isEmpty else { return (nil, nil) }
        var epochs: [(onset: Double, offset: Double, asleep: Bool)] = []
        for (i, (a, asleep)) in stages.enumerated() {
            let next = i + 1 < stages.count ? stages[i + 1].0.onsetSeconds : a.onsetSeconds + 30
            let end = min(durationSeconds, a.onsetSeconds + (a.durationSeconds ?? (next - a.onsetSeconds)))
            let start = max(0, a.onsetSeconds)
            if let last = epochs.last, start < last.offset - 1e-6 {
                return (nil, "\(path): the scored sleep stages overlap at \(Words.clock(start, nil)) from the "
                        + "start (\"\(a.text)\" begins before the stage before it ends), so they were not used: sleep "
                        + "and wake come from the accelerometer, if there is one. `crampwatch validate` lists every "
                        + "overlap")
            }
            if end > start { epochs.append((onset: start, offset: end, asleep: asleep)) }
        }
        return (epochs.isEmpty ? nil : Hypnogram(epochs: epochs), nil)
    }
}
