import Glibc

/// xoshiro256** seeded through SplitMix64: fast, and the same sequence for the same seed on
/// every platform, so a simulated night is reproducible from its seed alone.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    private var spareGaussian: Double?

    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    @inline(__always)
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unit() }

    /// Log-uniform in [lo, hi].
    public mutating func logUniform(_ lo: Double, _ hi: Double) -> Double { lo * pow(hi / lo, unit()) }

    /// Standard normal (Box–Muller).
    public mutating func gaussian() -> Double {
        if let g = spareGaussian {
            spareGaussian = nil
            return g
        }
        var u = unit()
        while u <= 1e-300 { u = unit() }
        let v = unit()
        let r = (-2 * log(u)).squareRoot()
        spareGaussian = r * sin(2 * .pi * v)
        return r * cos(2 * .pi * v)
    }

    /// Poisson-distributed count with mean `lambda` (Knuth; fine for small means).
    public mutating func poisson(_ lambda: Double) -> Int {
        let l = exp(-lambda)
        var k = 0
        var p = 1.0
        repeat {
            k += 1
            p *= unit()
        } while p > l
        return k - 1
    }

    public mutating func chance(_ p: Double) -> Bool { unit() < p }
}
