import RealModule

/// Median frequency of a block of samples: the frequency that splits the power spectrum into two
/// halves of equal power (a standard EMG fatigue and firing-pattern feature). Radix-2 FFT on
/// buffers allocated in `init`; `medianFrequency` does not allocate.
public struct MedianFrequencyEstimator: Sendable {
    public let size: Int
    public let sampleRateHz: Double
    private var re: [Float]
    private var im: [Float]
    private let window: [Float]
    private let cosTable: [Float]
    private let sinTable: [Float]
    private let bitReversed: [Int]

    /// - Parameter size: a power of two.
    public init(size: Int, sampleRateHz: Double) {
        precondition(size >= 8 && size & (size - 1) == 0, "FFT size must be a power of two")
        self.size = size
        self.sampleRateHz = sampleRateHz
        re = Array(repeating: 0, count: size)
        im = Array(repeating: 0, count: size)
        window = (0..<size).map { Float(0.5 - 0.5 * Double.cos(2 * Double.pi * Double($0) / Double(size))) }
        cosTable = (0..<(size / 2)).map { Float(Double.cos(2 * Double.pi * Double($0) / Double(size))) }
        sinTable = (0..<(size / 2)).map { Float(-Double.sin(2 * Double.pi * Double($0) / Double(size))) }
        var bits = 0
        while 1 << bits < size { bits += 1 }
        bitReversed = (0..<size).map { i in
            var r = 0
            for b in 0..<bits where i & (1 << b) != 0 { r |= 1 << (bits - 1 - b) }
            return r
        }
    }

    /// The median frequency (Hz) of `samples` (exactly `size` of them, oldest first), Hann-windowed.
    public mutating func medianFrequency(_ sample: (Int) -> Float) -> Float {
        let n = size
        return re.withUnsafeMutableBufferPointer { re in
            im.withUnsafeMutableBufferPointer { im in
                window.withUnsafeBufferPointer { window in
                    cosTable.withUnsafeBufferPointer { cosTable in
                        sinTable.withUnsafeBufferPointer { sinTable in
                            bitReversed.withUnsafeBufferPointer { bitReversed in
                                for i in 0..<n {
                                    re[bitReversed[i]] = sample(i) * window[i]
                                    im[bitReversed[i]] = 0
                                }
                                var half = 1
                                while half < n {
                                    let step = n / (2 * half)
                                    var start = 0
                                    while start < n {
                                        for k in 0..<half {
                                            let c = cosTable[k * step], s = sinTable[k * step]
                                            let a = start + k, b = a + half
                                            let tr = re[b] * c - im[b] * s
                                            let ti = re[b] * s + im[b] * c
                                            re[b] = re[a] - tr
                                            im[b] = im[a] - ti
                                            re[a] += tr
                                            im[a] += ti
                                        }
                                        start += 2 * half
                                    }
                                    half *= 2
                                }
                                var total: Float = 0
                                for k in 1..<(n / 2) { total += re[k] * re[k] + im[k] * im[k] }
                                guard total > 0 else { return 0 }
                                var running: Float = 0
                                for k in 1..<(n / 2) {
                                    running += re[k] * re[k] + im[k] * im[k]
                                    if running >= total / 2 { return Float(Double(k) * sampleRateHz / Double(n)) }
                                }
                                return Float(sampleRateHz / 2)
                            }
                        }
                    }
                }
            }
        }
    }
}
