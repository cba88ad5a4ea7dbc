extension Hypnogram {
    /// Epochs that touch joined into spans: each epoch, in onset order, that begins by the end of the span before it
    /// (within 1e-6 s) extends that span. The night's wake (`NightSleep`) and `validate`'s wake bouts from a scoring's
    /// stages are both joined here, so the two agree on what one bout is.
    public static func runs(_ epochs: [Range<Double>]) -> [(onset: Double, offset: Double)] {
        var out: [(onset: Double, offset: Double)] = []
        for e in epochs {
            if let last = out.last, e.lowerBound <= last.offset + 1e-6 {
                out[out.count - 1].offset = max(last.offset, e.upperBound)
            } else {
                out.append((onset: e.lowerBound, offset: e.upperBound))
            }
        }
        return out
    }
}
