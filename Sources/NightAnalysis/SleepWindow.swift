import SignalCore

/// The sleep period of a night from the accelerometer's z-angle, in the spirit of van Hees et al.
/// 2018 (HDCZA): 5-s epochs, absolute change of the z-angle between epochs, its 5-minute rolling
/// median, a night-specific threshold (15 × its 10th percentile, at least 0.2°); stretches under
/// the threshold lasting 30 min or more, joined across gaps under 60 min; the longest is the sleep
/// period. Recordings too short for that use the whole recording.
public enum SleepWindow {
    public struct Result: Sendable, Equatable {
        public var onsetSeconds: Double
        public var offsetSeconds: Double
        /// False when the recording was too short (or had no accelerometer) and the whole of it was used.
        public var detected: Bool
    }

    public static func find(zAngleEpochs z: [Float], epochSeconds: Double, durationSeconds: Double) -> Result {
        let whole = Result(onsetSeconds: 0, offsetSeconds: durationSeconds, detected: false)
        let window = Int(300 / epochSeconds)
        let minRun = Int(1800 / epochSeconds), maxGap = Int(3600 / epochSeconds)
        guard z.count > minRun else { return whole }
        var change = [Float](repeating: 0, count: z.count)
        for i in 1..<z.count {
            let d = abs(z[i] - z[i - 1])
            change[i] = d.isNaN ? 0 : d
        }
        var rolling = [Float](repeating: 0, count: z.count)
        var scratch: [Float] = []
        scratch.reserveCapacity(window + 1)
        for i in 0..<z.count {
            let lo = max(0, i - window / 2), hi = min(z.count, i + window / 2 + 1)
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: change[lo..<hi])
            scratch.sort()
            rolling[i] = scratch[scratch.count / 2]
        }
        // Epochs without data (a gap: z is NaN) are neither still nor moving: they set no threshold and end a run,
        // so a long gap is never read as a long sleep.
        let sorted = z.indices.filter { !z[$0].isNaN }.map { rolling[$0] }.sorted()
        guard !sorted.isEmpty else { return whole }
        let threshold = max(0.2, 15 * sorted[sorted.count / 10])
        // Runs below the threshold of at least 30 minutes.
        var runs: [(Int, Int)] = []
        var start: Int?
        for i in 0...z.count {
            let below = i < z.count && rolling[i] < threshold && !z[i].isNaN
            if below, start == nil { start = i }
            if !below, let s = start {
                if i - s >= minRun { runs.append((s, i)) }
                start = nil
            }
        }
        guard !runs.isEmpty else { return whole }
        // Join runs separated by less than an hour; keep the longest block.
        var blocks: [(Int, Int)] = [runs[0]]
        for r in runs.dropFirst() {
            if r.0 - blocks[blocks.count - 1].1 < maxGap { blocks[blocks.count - 1].1 = r.1 } else { blocks.append(r) }
        }
        let best = blocks.max { ($0.1 - $0.0) < ($1.1 - $1.0) }!
        return Result(onsetSeconds: Double(best.0) * epochSeconds,
                      offsetSeconds: min(durationSeconds, Double(best.1) * epochSeconds), detected: true)
    }
}
