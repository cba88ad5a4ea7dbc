/// Epoch-by-epoch agreement of two wake/sleep scorings (30-s epochs, as sleep is scored).
public struct EpochAgreement: Sendable, Equatable {
    public var epochs: Int
    public var truePositives: Int  // wake in both
    public var trueNegatives: Int  // sleep in both
    public var falsePositives: Int  // detected wake, reference sleep
    public var falseNegatives: Int

    /// An epoch is wake when its middle falls inside a wake interval; only epochs whose middle lies `within`
    /// (the sleep period of a staged night) are counted.
    public init(reference: [Interval], detected: [Interval], durationSeconds: Double, epochSeconds: Double = 30,
                within: Interval? = nil) {
        let n = Int(durationSeconds / epochSeconds)
        func wake(_ list: [Interval], _ t: Double) -> Bool { list.contains { t >= $0.onset && t < $0.offset } }
        var tp = 0, tn = 0, fp = 0, fn = 0
        var counted = 0
        for k in 0..<max(0, n) {
            let mid = (Double(k) + 0.5) * epochSeconds
            if let w = within, mid < w.onset || mid >= w.offset { continue }
            counted += 1
            switch (wake(reference, mid), wake(detected, mid)) {
            case (true, true): tp += 1
            case (false, false): tn += 1
            case (false, true): fp += 1
            case (true, false): fn += 1
            }
        }
        epochs = counted
        truePositives = tp
        trueNegatives = tn
        falsePositives = fp
        falseNegatives = fn
    }

    public init(epochs: Int, truePositives: Int, trueNegatives: Int, falsePositives: Int, falseNegatives: Int) {
        self.epochs = epochs
        self.truePositives = truePositives
        self.trueNegatives = trueNegatives
        self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives
    }

    public static func + (a: EpochAgreement, b: EpochAgreement) -> EpochAgreement {
        EpochAgreement(epochs: a.epochs + b.epochs, truePositives: a.truePositives + b.truePositives,
                       trueNegatives: a.trueNegatives + b.trueNegatives,
                       falsePositives: a.falsePositives + b.falsePositives,
                       falseNegatives: a.falseNegatives + b.falseNegatives)
    }

    /// Wake sensitivity.
    public var sensitivity: Double {
        truePositives + falseNegatives > 0 ? Double(truePositives) / Double(truePositives + falseNegatives) : .nan
    }
    /// Sleep specificity.
    public var specificity: Double {
        trueNegatives + falsePositives > 0 ? Double(trueNegatives) / Double(trueNegatives + falsePositives) : .nan
    }
    /// Cohen's kappa.
    public var kappa: Double {
        let n = Double(epochs)
        guard n > 0 else { return .nan }
        let observed = Double(truePositives + trueNegatives) / n
        let refWake = Double(truePositives + falseNegatives) / n, detWake = Double(truePositives + falsePositives) / n
        let expected = refWake * detWake + (1 - refWake) * (1 - detWake)
        return expected < 1 ? (observed - expected) / (1 - expected) : 1
    }
}

/// Order statistics for latency reports.
public enum Percentile {
    /// The p-quantile (0…1) by linear interpolation; NaN for no values.
    public static func of(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let s = values.sorted()
        let x = p * Double(s.count - 1)
        let i = Int(x), f = x - Double(i)
        return i + 1 < s.count ? s[i] * (1 - f) + s[i + 1] * f : s[i]
    }
}
