import RealModule

/// A robust resting baseline (noise floor) of an envelope: a low percentile of the
/// 1-second means over a sliding window (S-PLMAD uses 30 s). It follows slow changes;
/// the caller freezes it during contractions and artifacts so they do not lift it.
public struct RestingBaseline: Sendable {
    private var means: [Float]
    private var sorted: [Float]
    private var head = 0
    public private(set) var count = 0
    private let percentile: Double
    /// Current baseline (µV); 0 until the first second was pushed.
    public private(set) var value: Float = 0

    public init(windowSeconds: Int, percentile: Double) {
        means = [Float](repeating: 0, count: windowSeconds)
        sorted = [Float](repeating: 0, count: windowSeconds)
        self.percentile = percentile
    }

    public var isReady: Bool { count > 0 }

    public mutating func reset() {
        head = 0
        count = 0
        value = 0
    }

    /// Adds one second's mean envelope and recomputes the percentile (insertion sort of ≤ window values).
    public mutating func push(_ mean: Float) {
        means[head] = mean
        head = (head + 1) % means.count
        count = min(count + 1, means.count)
        let n = count
        means.withUnsafeBufferPointer { m in
            sorted.withUnsafeMutableBufferPointer { s in
                for i in 0..<n {
                    let v = m[i]
                    var j = i
                    while j > 0 && s[j - 1] > v {
                        s[j] = s[j - 1]
                        j -= 1
                    }
                    s[j] = v
                }
                value = s[min(n - 1, Int(Double(n - 1) * percentile + 0.5))]
            }
        }
    }
}

/// Accelerometer activity: RMS over the last second of the deviation of the acceleration
/// vector from its own 1-s low-pass (gravity and posture). Still sleep ≈ 0.003 g, any limb
/// movement or turning over ≫ 0.02 g.
public struct AccelActivity: Sendable {
    private var lowPass: SIMD3<Float> = .zero
    private var primed = false
    private let alpha: Float
    private var ring: [Float]
    private var head = 0
    private var filled = 0
    private var sum: Double = 0
    public private(set) var value: Float = 0

    public init(sampleRateHz: Int) {
        alpha = Float(1 - Double.exp(-1 / Double(sampleRateHz)))
        ring = [Float](repeating: 0, count: max(1, sampleRateHz))
    }

    public mutating func reset() {
        primed = false
        head = 0
        filled = 0
        sum = 0
        value = 0
        for i in ring.indices { ring[i] = 0 }
    }

    @inlinable
    public mutating func push(_ a: SIMD3<Float>) -> Float { pushSample(a) }

    @usableFromInline
    mutating func pushSample(_ a: SIMD3<Float>) -> Float {
        if !primed {
            lowPass = a
            primed = true
        }
        lowPass += alpha * (a - lowPass)
        let d = a - lowPass
        let e = (d * d).sum()
        sum += Double(e) - Double(ring[head])
        ring[head] = e
        head += 1
        if head == ring.count { head = 0 }
        filled = min(filled + 1, ring.count)
        value = Float(max(0, sum) / Double(filled)).squareRoot()
        return value
    }
}

