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

/// What the sample loop sums over the tick being filled, and what it carries from sample to sample.
struct TickSums {
    /// The envelope's energy: squared samples (RMS) or |TKEO|.
    var energy = SIMD4<Float>.zero
    /// Squares of the mains component the notches took out.
    var mains = SIMD4<Float>.zero
    /// What the band-pass removed (offset, drift, motion).
    var low = SIMD4<Float>.zero
    /// 1 in lane c: channel c hit the rail in this tick.
    var clipped = SIMD4<Int32>.zero
    /// TKEO state: the two previous band-passed, notched samples.
    var tkeoPrevious = SIMD4<Float>.zero
    var tkeoPrevious2 = SIMD4<Float>.zero
    /// The energy of the spectrum ring's samples written since it last wrapped, summed in ring order as
    /// they are written.
    var ringEnergy = SIMD4<Float>.zero

    /// A new tick: its sums start from zero (the TKEO state and the ring's energy carry on).
    @inline(__always)
    mutating func startTick() {
        energy = .zero
        mains = .zero
        low = .zero
        clipped = .zero
    }
}

/// A filtered block's samples (`FilterCascade`'s input, band-passed and notched), and where the notched
/// ones go in the spectrum ring: `ring[j]` for sample j (a segment never crosses the ring's end).
struct FilteredSamples {
    let input: UnsafeMutablePointer<SIMD4<Float>>
    let banded: UnsafeMutablePointer<SIMD4<Float>>
    let output: UnsafeMutablePointer<SIMD4<Float>>
    let ring: UnsafeMutablePointer<SIMD4<Float>>

    /// Samples `range` into `s`, for the RMS envelope: clipping, squares, the mains component, the low band.
    @inline(__always)
    func sumSquares(_ range: Range<Int>, clip: SIMD4<Float>, into s: inout TickSums) {
        for j in range {
            let x = input[j], b = banded[j], y = output[j]
            s.clipped = s.clipped.replacing(with: 1, where: (x .>= clip) .| (x .<= -clip))
            let d = b - y  // the mains component the notches took out
            s.low += x - b  // what the band-pass removed: offset, drift, motion
            let e = y * y
            s.energy += e
            s.ringEnergy += e
            s.mains += d * d
            ring[j] = y
        }
    }

    /// Samples `range` into `s`, for the TKEO envelope: as `sumSquares`, but the energy is |TKEO|.
    @inline(__always)
    func sumTKEO(_ range: Range<Int>, clip: SIMD4<Float>, into s: inout TickSums) {
        for j in range {
            let x = input[j], b = banded[j], y = output[j]
            s.clipped = s.clipped.replacing(with: 1, where: (x .>= clip) .| (x .<= -clip))
            let d = b - y
            s.low += x - b
            // Teager–Kaiser energy of the previous sample: x[n-1]² − x[n-2]·x[n].
            let psi = s.tkeoPrevious * s.tkeoPrevious - s.tkeoPrevious2 * y
            s.tkeoPrevious2 = s.tkeoPrevious
            s.tkeoPrevious = y
            s.energy += psi.replacing(with: -psi, where: psi .< 0)
            s.ringEnergy += y * y
            s.mains += d * d
            ring[j] = y
        }
    }
}
