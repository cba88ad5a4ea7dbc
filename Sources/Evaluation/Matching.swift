/// A labelled or detected interval, in seconds from the recording's start.
public struct Interval: Sendable, Equatable {
    public var onset: Double
    public var offset: Double
    public init(_ onset: Double, _ offset: Double) {
        self.onset = onset
        self.offset = offset
    }
    public var duration: Double { offset - onset }
}

/// The outcome of matching detections to references.
public struct MatchResult: Sendable {
    /// Pairs of (reference index, detection index).
    public var pairs: [(reference: Int, detection: Int)]
    public var referenceCount: Int
    public var detectionCount: Int

    public init(pairs: [(reference: Int, detection: Int)], referenceCount: Int, detectionCount: Int) {
        self.pairs = pairs
        self.referenceCount = referenceCount
        self.detectionCount = detectionCount
    }

    public var truePositives: Int { pairs.count }
    public var falseNegatives: Int { referenceCount - pairs.count }
    public var falsePositives: Int { detectionCount - pairs.count }
    /// Sensitivity (recall); 1 when there is nothing to find.
    public var sensitivity: Double { referenceCount == 0 ? 1 : Double(truePositives) / Double(referenceCount) }
    /// Precision; 1 when nothing was detected.
    public var precision: Double { detectionCount == 0 ? 1 : Double(truePositives) / Double(detectionCount) }
    public var f1: Double {
        let denominator = 2 * truePositives + falsePositives + falseNegatives
        return denominator == 0 ? 1 : Double(2 * truePositives) / Double(denominator)
    }
}

/// Any-overlap event matching, one to one.
public enum EventMatcher {
    /// A detection matches a reference when they overlap once both are widened by `toleranceSeconds`;
    /// each is used at most once, the largest overlaps first.
    public static func match(reference: [Interval], detected: [Interval], toleranceSeconds: Double = 0) -> MatchResult {
        var candidates: [(overlap: Double, r: Int, d: Int)] = []
        for (r, ref) in reference.enumerated() {
            for (d, det) in detected.enumerated() {
                let lo = max(ref.onset - toleranceSeconds, det.onset)
                let hi = min(ref.offset + toleranceSeconds, det.offset)
                if hi > lo || (hi == lo && det.duration == 0) { candidates.append((hi - lo, r, d)) }
            }
        }
        candidates.sort { ($0.overlap, -$0.r, -$0.d) > ($1.overlap, -$1.r, -$1.d) }
        var usedR = Set<Int>(), usedD = Set<Int>()
        var pairs: [(reference: Int, detection: Int)] = []
        for c in candidates where !usedR.contains(c.r) && !usedD.contains(c.d) {
            usedR.insert(c.r)
            usedD.insert(c.d)
            pairs.append((c.r, c.d))
        }
        pairs.sort { $0.reference < $1.reference }
        return MatchResult(pairs: pairs, referenceCount: reference.count, detectionCount: detected.count)
    }

    /// Detection onset minus reference onset for every matched pair (seconds).
    public static func onsetErrors(_ result: MatchResult, reference: [Interval], detected: [Interval]) -> [Double] {
        result.pairs.map { detected[$0.detection].onset - reference[$0.reference].onset }
    }
}
