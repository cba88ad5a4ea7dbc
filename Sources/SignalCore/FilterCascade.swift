import CSignalKernels

/// One second-order section (transposed direct form II) for up to four channels at once: lane c is
/// channel c. It is CSignalKernels' `cw_section4`, so the AVX kernel runs on these sections in place.
typealias Section4 = cw_section4

extension Section4 {
    /// The section of `q`, its coefficients broadcast to every lane, its state zero.
    init(_ q: Biquad) {
        self.init(b0: SIMD4(repeating: q.b0), b1: SIMD4(repeating: q.b1), b2: SIMD4(repeating: q.b2),
                  a1: SIMD4(repeating: q.a1), a2: SIMD4(repeating: q.a2), z1: .zero, z2: .zero)
    }

    mutating func reset() {
        z1 = .zero
        z2 = .zero
    }

    /// One sample through the section. `cw_cascade5` does exactly these operations, in this order.
    @inline(__always)
    mutating func process(_ x: SIMD4<Float>) -> SIMD4<Float> {
        let y = b0 * x + z1
        z1 = b1 * x - a1 * y + z2
        z2 = b2 * x - a2 * y
        return y
    }
}

/// The detector's EMG filter chain, all channels at once: the band-pass sections, then the mains
/// notches, with their state kept from block to block, and the last block's samples at three points.
///
/// The default chain (band-pass of order 2 each side, three notches) runs as a wavefront in
/// `cw_cascade5` where the CPU has AVX; every other chain, and every chain without AVX, runs in
/// `reference`. Both do the same arithmetic in the same order, so they give the same samples.
struct FilterCascade: ~Copyable {
    /// Samples per block: a block's input, band-passed and notched samples (16 bytes each per sample)
    /// stay in the L1 cache between the filter pass and the feature pass.
    static let blockCapacity = 256

    /// The band-pass sections at `0 ..< bandCount`, then room for the notches.
    let sections: Block<Section4>
    let bandCount: Int
    /// The notches in use, at `bandCount ..< bandCount + notchCount` (none until mains detection found them).
    private(set) var notchCount: Int
    /// The last block: its input, band-passed and notched samples (lane c = channel c, unused lanes 0).
    let input: Block<SIMD4<Float>>
    let banded: Block<SIMD4<Float>>
    let output: Block<SIMD4<Float>>

    /// - Parameter notchCapacity: the most notches `setNotches` will be given.
    init(band: [Biquad], notches: [Biquad], notchCapacity: Int) {
        let capacity = max(1, notchCapacity, notches.count)
        let unused = Biquad(b0: 1, b1: 0, b2: 0, a1: 0, a2: 0)
        let all = band + notches + Array(repeating: unused, count: capacity - notches.count)
        sections = Block(all.map(Section4.init))
        bandCount = band.count
        notchCount = notches.count
        input = Block(repeating: .zero, count: Self.blockCapacity)
        banded = Block(repeating: .zero, count: Self.blockCapacity)
        output = Block(repeating: .zero, count: Self.blockCapacity)
    }

    /// Puts in the notches of `design` (as many as there is room for), their state zero.
    mutating func setNotches(_ design: [Biquad]) {
        let room = sections.count - bandCount
        for (k, q) in design.enumerated() where k < room { sections[bandCount + k] = Section4(q) }
        notchCount = min(design.count, room)
    }

    /// Whether the last block of `n` samples left the chain finite. A section whose state stops being finite
    /// makes its own output, and so every later section's, non-finite at once, so the block's last band-passed
    /// and notched samples tell (a state that turns at the very last sample shows in the next block).
    @inline(__always)
    func isFinite(afterBlockOf n: Int) -> Bool {
        let b = banded[n - 1], y = output[n - 1]
        return all((b - b .== .zero) .& (y - y .== .zero))  // x − x is 0 exactly when x is finite
    }

    /// Restarts every section from zero state (after a gap).
    func reset() {
        for k in sections.indices { sections[k].reset() }
    }

    /// Filters `n` (at most `blockCapacity`) interleaved samples of `channels` channels from `p` into
    /// `input`, `banded` and `output`; `kernel` allows `cw_cascade5` where the chain and the CPU fit it.
    @inline(__always)
    func run(_ p: UnsafePointer<Float>, count n: Int, channels: Int, kernel: Bool) {
        if kernel && bandCount == 2 && notchCount == 3
            && cw_cascade5(sections.base, p, Int32(channels), n, input.base, banded.base, output.base) == 1 {
            return
        }
        Self.reference(sections.base, bandCount: bandCount, notchCount: notchCount, p, channels: channels, count: n,
                       input: input.base, banded: banded.base, output: output.base)
    }

    /// A sample as the filters take it: within ±`CW_EMG_LIMIT_UV`, NaN as +limit. The same two comparisons, in
    /// the same order, as `minps` then `maxps` in `cw_cascade5`, so both paths give the same bits.
    @inline(__always)
    static func bounded(_ x: SIMD4<Float>) -> SIMD4<Float> {
        let high = SIMD4<Float>(repeating: CW_EMG_LIMIT_UV), low = -high
        let below = x.replacing(with: high, where: .!(x .< high))
        return below.replacing(with: low, where: .!(below .> low))
    }

    /// The reference cascade: each sample through the band-pass sections (`banded` is their output) and
    /// then the notches (`output`), one after another. The fallback without AVX, and what tests hold
    /// `cw_cascade5` to, bit for bit.
    @inline(__always)
    static func reference(_ s: UnsafeMutablePointer<Section4>, bandCount: Int, notchCount: Int,
                          _ p: UnsafePointer<Float>, channels: Int, count n: Int,
                          input xs: UnsafeMutablePointer<SIMD4<Float>>, banded bs: UnsafeMutablePointer<SIMD4<Float>>,
                          output ys: UnsafeMutablePointer<SIMD4<Float>>) {
        var x = SIMD4<Float>.zero
        for i in 0..<n {
            let q = p + i * channels
            for c in 0..<channels { x[c] = q[c] }
            x = bounded(x)
            xs[i] = x
            var y = x
            for k in 0..<bandCount { y = s[k].process(y) }
            bs[i] = y
            for k in bandCount..<(bandCount + notchCount) { y = s[k].process(y) }
            ys[i] = y
        }
    }
}
