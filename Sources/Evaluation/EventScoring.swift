/// Event scoring with the definitions of the `timescoring` package (Dan, Pale et al., EPFL; used for
/// seizure-detection challenges), so our figures can be compared with others': annotations become
/// masks at 10 Hz; a reference event (widened by the tolerances) is a true positive if detections
/// cover more than `minOverlap` of it; a detection that touches no true-positive reference is a
/// false positive; precision is TP / (TP + FP) and F1 is 2TP / (2TP + FP + FN). Neighbouring events
/// closer than `minDurationBetweenEvents` are merged first and events longer than `maxEventDuration`
/// split. A test runs the real package on the same lists and checks we agree.
public struct EventScore: Sendable, Equatable {
    public struct Parameters: Sendable, Equatable {
        public var toleranceStart: Double
        public var toleranceEnd: Double
        public var minOverlap: Double
        public var maxEventDuration: Double
        public var minDurationBetweenEvents: Double

        /// Neutral settings: a symmetric tolerance, any overlap, no merging or splitting.
        public init(tolerance: Double = 0, minOverlap: Double = 0, maxEventDuration: Double = 1e9,
                    minDurationBetweenEvents: Double = 0) {
            toleranceStart = tolerance
            toleranceEnd = tolerance
            self.minOverlap = minOverlap
            self.maxEventDuration = maxEventDuration
            self.minDurationBetweenEvents = minDurationBetweenEvents
        }
    }

    public var referenceCount: Int
    public var truePositives: Int
    public var falsePositives: Int
    public var durationSeconds: Double

    public var falseNegatives: Int { referenceCount - truePositives }
    /// NaN when there is no reference event (as timescoring).
    public var sensitivity: Double { referenceCount > 0 ? Double(truePositives) / Double(referenceCount) : .nan }
    public var precision: Double {
        truePositives + falsePositives > 0 ? Double(truePositives) / Double(truePositives + falsePositives) : .nan
    }
    public var f1: Double {
        referenceCount + falsePositives == 0
            ? .nan : Double(2 * truePositives) / Double(2 * truePositives + falsePositives + falseNegatives)
    }
    public var falsePositivesPerHour: Double {
        durationSeconds > 0 ? Double(falsePositives) / (durationSeconds / 3600) : 0
    }

    static let fs = 10.0

    public init(reference: [Interval], detected: [Interval], durationSeconds: Double,
                parameters p: Parameters = Parameters()) {
        let n = Int((durationSeconds * Self.fs).rounded())
        self.durationSeconds = Double(n) / Self.fs
        func index(_ t: Double) -> Int { Int((t * Self.fs).rounded(.toNearestOrEven)) }
        func prepare(_ events: [Interval]) -> [Interval] {
            var merged: [Interval] = []
            for e in events.sorted(by: { $0.onset < $1.onset }) {
                if let last = merged.last, e.onset - last.offset < p.minDurationBetweenEvents {
                    merged[merged.count - 1].offset = e.offset
                } else {
                    merged.append(e)
                }
            }
            var split: [Interval] = []
            for var e in merged {
                while e.offset - e.onset > p.maxEventDuration {
                    split.append(Interval(e.onset, e.onset + p.maxEventDuration))
                    e.onset += p.maxEventDuration
                }
                split.append(e)
            }
            return split
        }
        func mask(_ events: [Interval]) -> [Bool] {
            var m = [Bool](repeating: false, count: n)
            for e in events {
                let a = max(0, min(n, index(e.onset))), b = max(0, min(n, index(e.offset)))
                if a < b { for i in a..<b { m[i] = true } }
            }
            return m
        }
        let ref = prepare(reference), hyp = prepare(detected)
        let hypMask = mask(hyp)
        var tpMask = [Bool](repeating: false, count: n)
        var tp = 0
        for e in ref {
            let start = max(0, e.onset - p.toleranceStart), end = min(self.durationSeconds, e.offset + p.toleranceEnd)
            let a = max(0, min(n, index(start))), b = max(0, min(n, index(end)))
            var covered = 0
            if a < b { for i in a..<b where hypMask[i] { covered += 1 } }
            let relative = (Double(covered) / Self.fs) / (end - start)
            if relative > p.minOverlap + 1e-6 {
                tp += 1
                if a < b { for i in a..<b { tpMask[i] = true } }
            }
        }
        var fp = 0
        for e in hyp {
            let a = max(0, min(n, index(e.onset))), b = max(0, min(n, index(e.offset)))
            var touches = false
            if a < b { for i in a..<b where tpMask[i] { touches = true; break } }
            if !touches { fp += 1 }
        }
        referenceCount = ref.count
        truePositives = tp
        falsePositives = fp
    }
}
