/// A night's signals reduced to one value per second, for the report's timeline.
public struct NightTrace: Sendable, Equatable {
    /// Per EMG channel: RMS about the second's mean, µV (unfiltered, so it includes motion and mains; NaN where no data).
    public var emgRMSMicrovolts: [[Float]]
    /// RMS of the acceleration magnitude's deviation from its mean within each second, g (NaN where no data).
    public var accelActivityG: [Float]
    public var secondsPerValue: Double { 1 }
}

/// Collects per-second sums while a capture is decoded. Kept outside the detector so `SignalCore` stays
/// untouched; costs a few additions per sample.
public final class TraceCollector {
    var emgSum: [[Double]] = []
    var emgSumSq: [[Double]] = []
    var emgCount: [[Int]] = []
    var accSum: [Double] = []
    var accSumSq: [Double] = []
    var accCount: [Int] = []

    public init() {}

    static func grow<T>(_ a: inout [T], to n: Int, with v: T) {
        if a.count < n { a.append(contentsOf: repeatElement(v, count: n - a.count)) }
    }

    /// Adds one sample block, interleaved by channel / axis, in physical units.
    public func add(emg: [Float], channels: Int, firstEMGIndex: Int, emgRateHz: Int, accel: [Float], axes: Int, firstAccelIndex: Int, accelRateHz: Int) {
        if channels > 0 && emgRateHz > 0 {
            if emgSum.count < channels {
                emgSum = Array(repeating: [], count: channels); emgSumSq = emgSum; emgCount = Array(repeating: [], count: channels)
            }
            let frames = emg.count / channels
            for i in 0..<frames {
                let second = (firstEMGIndex + i) / emgRateHz
                for c in 0..<channels {
                    Self.grow(&emgSum[c], to: second + 1, with: 0); Self.grow(&emgSumSq[c], to: second + 1, with: 0); Self.grow(&emgCount[c], to: second + 1, with: 0)
                    let v = Double(emg[i * channels + c])
                    emgSum[c][second] += v
                    emgSumSq[c][second] += v * v
                    emgCount[c][second] += 1
                }
            }
        }
        if axes > 0 && accelRateHz > 0 {
            let frames = accel.count / axes
            for i in 0..<frames {
                let second = (firstAccelIndex + i) / accelRateHz
                Self.grow(&accSum, to: second + 1, with: 0); Self.grow(&accSumSq, to: second + 1, with: 0); Self.grow(&accCount, to: second + 1, with: 0)
                var m2 = 0.0
                for a in 0..<axes { let v = Double(accel[i * axes + a]); m2 += v * v }
                let m = m2.squareRoot()
                accSum[second] += m
                accSumSq[second] += m * m
                accCount[second] += 1
            }
        }
    }

    static func rms(_ sum: [Double], _ sumSq: [Double], _ count: [Int], seconds: Int) -> [Float] {
        (0..<seconds).map { s in
            guard s < count.count, count[s] > 1 else { return .nan }
            let n = Double(count[s])
            let mean = sum[s] / n
            return Float(max(0, sumSq[s] / n - mean * mean).squareRoot())
        }
    }

    public func finish(durationSeconds: Double) -> NightTrace {
        let seconds = Int(durationSeconds.rounded(.up))
        return NightTrace(emgRMSMicrovolts: emgSum.indices.map { Self.rms(emgSum[$0], emgSumSq[$0], emgCount[$0], seconds: seconds) },
                          accelActivityG: Self.rms(accSum, accSumSq, accCount, seconds: seconds))
    }
}
