/// The features of ticks the sample loop has finished and the state machines have not yet seen (they
/// wait for the accelerometer to catch up): one ring per feature, indexed by tick number. The envelope
/// ring is written by `cw_window_rms` too, as 4 floats a slot.
struct PendingTicks: ~Copyable {
    /// The most ticks that can wait; the detector resolves the oldest without the accelerometer before that.
    static let capacity = 4096

    let envelope: Ring<SIMD4<Float>>
    let mains: Ring<SIMD4<Float>>
    let bandRMS: Ring<SIMD4<Float>>
    let clip: Ring<UInt8>
    let medianFrequency: Ring<SIMD4<Float>>
    let lowFrequency: Ring<SIMD4<Float>>

    init() {
        envelope = Ring(repeating: .zero, capacity: Self.capacity)
        mains = Ring(repeating: .zero, capacity: Self.capacity)
        bandRMS = Ring(repeating: .zero, capacity: Self.capacity)
        clip = Ring(repeating: 0, capacity: Self.capacity)
        medianFrequency = Ring(repeating: .zero, capacity: Self.capacity)
        lowFrequency = Ring(repeating: .zero, capacity: Self.capacity)
    }

    /// Tick `t`'s features, with the accelerometer's `activity` at its end.
    @inline(__always)
    func features(ofTick t: Int, activity: Float) -> TickFeatures {
        TickFeatures(envelope: envelope[t], mains: mains[t], bandRMS: bandRMS[t], clipped: clip[t], activity: activity,
                     medianFrequencyHz: medianFrequency[t], lowFrequency: lowFrequency[t])
    }

    /// Tick `t` holds the features of tick `t − 1`, without its clipping (inside a bridged gap).
    func repeatPrevious(intoTick t: Int) {
        envelope[t] = envelope[t - 1]
        mains[t] = mains[t - 1]
        bandRMS[t] = bandRMS[t - 1]
        clip[t] = 0
        medianFrequency[t] = medianFrequency[t - 1]
        lowFrequency[t] = lowFrequency[t - 1]
    }
}

/// The motion level per channel (µV RMS): the max–min range over the last second of the tick means of
/// what the band-pass removed (offset, drift, motion), rescanned every 5 ticks. Half the range of a
/// swing is its amplitude; its RMS is that / √2.
struct MotionLevel: ~Copyable {
    /// One second of tick means, tick t at slot t % count (a second of ticks is rarely a power of two).
    let means: Block<SIMD4<Float>>
    // The smallest and largest of each group of 5 consecutive `means` slots, so the scan of the last second
    // reads a fifth as many values (min and max are exact, so the result is the same).
    let groupMin: Block<SIMD4<Float>>
    let groupMax: Block<SIMD4<Float>>
    private(set) var level = SIMD4<Float>.zero

    init(ticksPerSecond: Int) {
        means = Block(repeating: .zero, count: ticksPerSecond)
        groupMin = Block(repeating: .zero, count: (ticksPerSecond + 4) / 5)
        groupMax = Block(repeating: .zero, count: groupMin.count)
    }

    /// Adds tick `t`'s mean and gives the level after it.
    @inline(__always)
    mutating func push(tick t: Int, mean: SIMD4<Float>) -> SIMD4<Float> {
        let slot = t % means.count
        means[slot] = mean
        let group = slot / 5
        var gLo = means[5 * group], gHi = gLo
        for k in (5 * group + 1)..<min(5 * group + 5, means.count) {
            let v = means[k]
            gLo = gLo.replacing(with: v, where: v .< gLo)
            gHi = gHi.replacing(with: v, where: v .> gHi)
        }
        groupMin[group] = gLo
        groupMax[group] = gHi
        if t % 5 == 0 {
            var lo = groupMin[0], hi = groupMax[0]
            for g in 1..<groupMin.count {
                lo = lo.replacing(with: groupMin[g], where: groupMin[g] .< lo)
                hi = hi.replacing(with: groupMax[g], where: groupMax[g] .> hi)
            }
            level = (hi - lo) * 0.3536
        }
        return level
    }

    /// Forgets everything (after a gap).
    mutating func reset() {
        means.fill(.zero)
        groupMin.fill(.zero)
        groupMax.fill(.zero)
        level = .zero
    }
}
