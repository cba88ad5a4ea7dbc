import RealModule

/// The coefficients of a second-order IIR section (transposed direct form II), `a0` normalised to 1:
/// what a design gives. The detector runs them as `Section4`s (`FilterCascade`).
public struct Biquad: Sendable, Equatable {
    public var b0: Float, b1: Float, b2: Float, a1: Float, a2: Float

    public init(b0: Float, b1: Float, b2: Float, a1: Float, a2: Float) {
        self.b0 = b0; self.b1 = b1; self.b2 = b2; self.a1 = a1; self.a2 = a2
    }

    /// Magnitude of the frequency response at `hz` for sampling rate `fs`.
    public func gain(atHz hz: Double, sampleRateHz fs: Double) -> Double {
        let w = 2 * Double.pi * hz / fs
        let (c1, s1, c2, s2) = (Double.cos(w), Double.sin(w), Double.cos(2 * w), Double.sin(2 * w))
        let nr = Double(b0) + Double(b1) * c1 + Double(b2) * c2
        let ni = -(Double(b1) * s1 + Double(b2) * s2)
        let dr = 1 + Double(a1) * c1 + Double(a2) * c2
        let di = -(Double(a1) * s1 + Double(a2) * s2)
        return ((nr * nr + ni * ni) / (dr * dr + di * di)).squareRoot()
    }

    /// True when both poles lie strictly inside the unit circle.
    public var isStable: Bool { abs(a2) < 1 && abs(a1) < 1 + a2 }
}

/// Errors in a filter or detector configuration (thrown from `init` only).
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Butterworth and notch designs, computed at run time for any sampling rate.
public enum FilterDesign {
    public enum Kind: Sendable { case lowPass, highPass }

    /// A Butterworth filter of `order` as second-order sections (bilinear transform, pre-warped).
    public static func butterworth(_ kind: Kind, order: Int, cutoffHz: Double,
                                   sampleRateHz fs: Double) throws -> [Biquad] {
        guard order >= 1 && order <= 12 else { throw ConfigurationError("filter order \(order) is outside 1…12") }
        guard cutoffHz > 0 && cutoffHz < fs / 2 else {
            throw ConfigurationError("cutoff \(cutoffHz) Hz must lie between 0 and half the sampling rate (\(fs / 2) "
                                     + "Hz)")
        }
        let k = Double.tan(Double.pi * cutoffHz / fs)
        var sections: [Biquad] = []
        for pair in 0..<(order / 2) {
            let theta = Double.pi * Double(2 * pair + 1) / Double(2 * order)
            let q = 2 * Double.sin(theta)
            let norm = 1 / (1 + q * k + k * k)
            let a1 = 2 * (k * k - 1) * norm
            let a2 = (1 - q * k + k * k) * norm
            switch kind {
            case .lowPass:
                let b0 = k * k * norm
                sections.append(Biquad(b0: Float(b0), b1: Float(2 * b0), b2: Float(b0), a1: Float(a1), a2: Float(a2)))
            case .highPass:
                sections.append(Biquad(b0: Float(norm), b1: Float(-2 * norm), b2: Float(norm), a1: Float(a1),
                                       a2: Float(a2)))
            }
        }
        if order % 2 == 1 {
            let norm = 1 / (1 + k)
            let a1 = (k - 1) * norm
            switch kind {
            case .lowPass: sections.append(Biquad(b0: Float(k * norm), b1: Float(k * norm), b2: 0, a1: Float(a1),
                                                  a2: 0))
            case .highPass: sections.append(Biquad(b0: Float(norm), b1: Float(-norm), b2: 0, a1: Float(a1), a2: 0))
            }
        }
        return sections
    }

    /// A notch (band-reject) section at `centerHz` with quality factor `q` (RBJ cookbook).
    public static func notch(centerHz: Double, q: Double, sampleRateHz fs: Double) throws -> Biquad {
        guard centerHz > 0 && centerHz < fs / 2 else {
            throw ConfigurationError("notch at \(centerHz) Hz is above half the sampling rate")
        }
        guard q > 0 else { throw ConfigurationError("notch quality factor must be positive") }
        let w0 = 2 * Double.pi * centerHz / fs
        let alpha = Double.sin(w0) / (2 * q)
        let a0 = 1 + alpha
        return Biquad(b0: Float(1 / a0), b1: Float(-2 * Double.cos(w0) / a0), b2: Float(1 / a0),
                      a1: Float(-2 * Double.cos(w0) / a0), a2: Float((1 - alpha) / a0))
    }
}
