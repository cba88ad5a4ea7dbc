import Foundation
import Testing

@testable import SignalCore

@Suite struct FilterTests {
    @Test(arguments: [250.0, 1000.0, 2000.0, 4000.0])
    func butterworthHasDesignedGain(fs: Double) throws {
        for order in [1, 2, 3, 4, 6] {
            let low = Chain(try FilterDesign.butterworth(.lowPass, order: order, cutoffHz: fs / 10, sampleRateHz: fs))
            let high = Chain(try FilterDesign.butterworth(.highPass, order: order, cutoffHz: fs / 10, sampleRateHz: fs))
            // −3 dB at the cutoff, unity far in the pass band, |H| = 1/sqrt(1+(f/fc)^2n) roughly below.
            #expect(abs(low.gain(atHz: fs / 10, sampleRateHz: fs) - 0.5.squareRoot()) < 1e-3)
            #expect(abs(high.gain(atHz: fs / 10, sampleRateHz: fs) - 0.5.squareRoot()) < 1e-3)
            #expect(abs(low.gain(atHz: 0.001, sampleRateHz: fs) - 1) < 1e-3)
            #expect(abs(high.gain(atHz: fs / 2 - 0.001, sampleRateHz: fs) - 1) < 1e-3)
            // The bilinear Butterworth response: |H|² = 1 / (1 + (tan(πf/fs) / tan(πfc/fs))^(±2n)).
            for f in [0.02, 0.05, 0.2, 0.3, 0.45].map({ $0 * fs }) {
                let r = tan(Double.pi * f / fs) / tan(Double.pi * 0.1)
                #expect(abs(low.gain(atHz: f, sampleRateHz: fs)
                            - 1 / (1 + pow(r, Double(2 * order))).squareRoot()) < 1e-4)
                #expect(abs(high.gain(atHz: f, sampleRateHz: fs)
                            - 1 / (1 + pow(r, Double(-2 * order))).squareRoot()) < 1e-4)
            }
            #expect(low.sections.allSatisfy(\.isStable) && high.sections.allSatisfy(\.isStable))
        }
    }

    @Test func notchRemovesMainsAndKeepsNeighbours() throws {
        for (fs, mains) in [(1000.0, 50.0), (2000.0, 60.0), (250.0, 50.0)] {
            let n = try FilterDesign.notch(centerHz: mains, q: 30, sampleRateHz: fs)
            #expect(n.gain(atHz: mains, sampleRateHz: fs) < 1e-3)
            #expect(n.gain(atHz: mains * 1.2, sampleRateHz: fs) > 0.95)
            #expect(n.gain(atHz: mains * 0.8, sampleRateHz: fs) > 0.95)
        }
    }

    @Test func measuredResponseMatchesDesignForASine() throws {
        // Filter a 100 Hz sine through the 20–450 Hz band at 2 kHz: the steady-state amplitude is the designed gain.
        let band = Chain(try FilterDesign.butterworth(.highPass, order: 2, cutoffHz: 20, sampleRateHz: 2000)
                         + FilterDesign.butterworth(.lowPass, order: 2, cutoffHz: 450, sampleRateHz: 2000))
        let x = (0..<8000).map { Float(sin(2 * Double.pi * 100 * Double($0) / 2000)) }
        let y = band.filter(x)
        let peak = y[6000...].map(abs).max()!
        #expect(abs(Double(peak) - band.gain(atHz: 100, sampleRateHz: 2000)) < 0.01)
        #expect(abs(Double(peak) - 1) < 0.01, "100 Hz lies in the pass band")
    }

    @Test func badDesignsAreRefusedWithReasons() {
        #expect(throws: ConfigurationError.self) {
            try FilterDesign.butterworth(.lowPass, order: 2, cutoffHz: 600, sampleRateHz: 1000)
        }
        #expect(throws: ConfigurationError.self) {
            try FilterDesign.butterworth(.lowPass, order: 0, cutoffHz: 10, sampleRateHz: 1000)
        }
        #expect(throws: ConfigurationError.self) { try NightDetector(configuration: .init(), sampleRateHz: 10,
                                                                     emgChannels: 1, accelRateHz: 0, accelAxes: 0) }
    }

    @Test func medianFrequencyOfKnownSpectra() {
        var est = MedianFrequencyEstimator(size: 512, sampleRateHz: 2000)
        // A pure tone: the median is the tone (within one bin, 3.9 Hz).
        let tone = est.medianFrequency { Float(sin(2 * Double.pi * 80 * Double($0) / 2000)) }
        #expect(abs(tone - 80) <= 4)
        // Two equal tones at 50 and 200 Hz: the median lies between them.
        let two = est.medianFrequency { Float(sin(2 * Double.pi * 50 * Double($0) / 2000)
                                              + sin(2 * Double.pi * 200 * Double($0) / 2000)) }
        #expect(two >= 50 && two <= 200)
        // White noise: about a quarter of the sampling rate.
        var state: UInt64 = 99
        var noise = [Float](repeating: 0, count: 512)
        for i in 0..<512 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            noise[i] = Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
        }
        let white = est.medianFrequency { noise[$0] }
        #expect(abs(white - 500) < 80)
    }

    @Test func baselineIsALowPercentileAndIgnoresShortBursts() {
        var b = RestingBaseline(windowSeconds: 30, percentile: 0.2)
        for s in 0..<30 { b.push(s % 10 == 0 ? 80 : 3 + Float(s % 3) * 0.1) }
        #expect(abs(b.value - 3.0) < 0.15)
    }
}

/// A deterministic synthetic recording: resting noise, 50 Hz mains, and contractions at known times.
struct SyntheticNight {
    static func make(fs: Int, seconds: Int, bursts: [(onset: Double, length: Double,
                                                      microvolts: Float)], mainsHz: Double = 50) -> [Float] {
        var state: UInt64 = 12345
        func noise() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            // Sum of 4 uniforms ≈ Gaussian, unit variance.
            var s: Float = 0
            for k in 0..<4 { s += Float((state >> (16 * UInt64(k))) & 0xFFFF) / 65535 - 0.5 }
            return s * 1.732
        }
        return (0..<(fs * seconds)).map { i in
            let t = Double(i) / Double(fs)
            var x = 2.5 * noise() + 8 * Float(sin(2 * Double.pi * mainsHz * t))
            for b in bursts where t >= b.onset && t < b.onset + b.length { x += b.microvolts * noise() }
            return x
        }
    }
}

@Suite struct DetectorTests {
    func run(_ samples: [Float], fs: Int, chunk: Int,
             config: DetectorConfiguration = .init()) throws -> [DetectedEvent] {
        let d = try NightDetector(configuration: config, sampleRateHz: fs, emgChannels: 1, accelRateHz: 0, accelAxes: 0)
        return d.events(feeding: samples, chunk: chunk, capacity: 256)
    }

    @Test func findsLegMovementsAndACrampAtTheRightTimes() throws {
        let night = SyntheticNight.make(fs: 1000, seconds: 120, bursts: [(20, 2, 30), (50, 4, 60), (70, 25, 120)])
        let events = try run(night, fs: 1000, chunk: 333).filter { !$0.isProvisional }
        let lms = events.filter { $0.kind == .legMovement }
        let cramps = events.filter { $0.kind == .cramp }
        #expect(lms.count == 2)
        #expect(cramps.count == 1)
        for (e, (onset, length)) in zip(lms, [(20.0, 2.0), (50.0, 4.0)]) {
            #expect(abs(e.onsetSeconds - onset) < 0.2)
            #expect(abs(e.durationSeconds - length) < 0.4)
        }
        #expect(abs(cramps[0].onsetSeconds - 70) < 0.2)
        #expect(abs(cramps[0].durationSeconds - 25) < 0.5)
    }

    @Test func provisionalCrampNoticeComesAtTheMinimumDuration() throws {
        let night = SyntheticNight.make(fs: 1000, seconds: 90, bursts: [(30, 40, 120)])
        let events = try run(night, fs: 1000, chunk: 100)
        let provisional = try #require(events.first { $0.isProvisional })
        #expect(provisional.kind == .cramp)
        #expect(abs(provisional.offsetSeconds - 40) < 0.1)  // onset 30 s + 10 s minimum
        #expect(events.filter { $0.kind == .cramp && !$0.isProvisional }.count == 1)
    }

    @Test(arguments: [1, 7, 64, 256, 1000, 2000, 4096, 20_000])
    func eventsDoNotDependOnChunking(chunk: Int) throws {
        let night = SyntheticNight.make(fs: 1000, seconds: 100, bursts: [(20, 2, 30), (40, 15, 100), (80, 0.7, 50)])
        let reference = try run(night, fs: 1000, chunk: 100_000)
        #expect(reference.count >= 3)
        #expect(try run(night, fs: 1000, chunk: chunk) == reference)
    }

    @Test(arguments: [50.0, 60.0])
    func mainsFrequencyIsFoundInTheSignalWhenNobodySaysIt(mains: Double) throws {
        var config = DetectorConfiguration()
        config.mainsHz = 0
        let night = SyntheticNight.make(fs: 1000, seconds: 30, bursts: [(12, 3, 40)], mainsHz: mains)
        let d = try NightDetector(configuration: config, sampleRateHz: 1000, emgChannels: 1, accelRateHz: 0,
                                  accelAxes: 0)
        var events = EventBuffer()
        night.withUnsafeBufferPointer { d.process(emg: $0, accel: UnsafeBufferPointer(start: nil, count: 0),
                                                  into: &events) }
        #expect(d.detectedMainsHz == mains)
        // And detection does not depend on chunking even across the switch to the notches.
        var known = config
        known.mainsHz = 0
        let whole = try run(night, fs: 1000, chunk: 100_000, config: known)
        #expect(try run(night, fs: 1000, chunk: 333, config: known) == whole)
        #expect(whole.contains { $0.kind == .legMovement && abs($0.onsetSeconds - 12) < 0.3 })
    }

    @Test func largeSlowSwingsAreMotionArtifacts() throws {
        var night = SyntheticNight.make(fs: 1000, seconds: 60, bursts: [])
        for i in 30_000..<36_000 { night[i] += 1500 * Float(sin(2 * Double.pi * 2 * Double(i) / 1000)) }
        let events = try run(night, fs: 1000, chunk: 500)
        let motion = events.filter { $0.kind == .artifact && $0.artifactCause == .motion }
        #expect(motion.count == 1)
        #expect(abs((motion.first?.onsetSeconds ?? 0) - 30) < 1.2)
        #expect(events.filter { $0.kind == .legMovement || $0.kind == .cramp }.isEmpty)
    }

    @Test func tkeoEnvelopeAlsoFindsTheBursts() throws {
        var config = DetectorConfiguration()
        config.envelopeKind = .tkeo
        let night = SyntheticNight.make(fs: 1000, seconds: 80, bursts: [(20, 2, 60), (40, 15, 150)])
        let events = try run(night, fs: 1000, chunk: 256, config: config).filter { !$0.isProvisional }
        #expect(events.contains { $0.kind == .legMovement && abs($0.onsetSeconds - 20) < 0.3 })
        #expect(events.contains { $0.kind == .cramp && abs($0.onsetSeconds - 40) < 0.3 })
    }

    @Test func configurationFilesAreTolerantButCatchTypos() throws {
        let partial = Data(#"{"version": 1, "crampMinSeconds": 20}"#.utf8)
        let c = try JSONDecoder().decode(DetectorConfiguration.self, from: partial)
        #expect(c.crampMinSeconds == 20 && c.legMovementOnsetAboveRestMicrovolts == 8)
        let typo = Data(#"{"crampMinSecond": 20}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DetectorConfiguration.self, from: typo) }
        let future = Data(#"{"version": 99}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DetectorConfiguration.self, from: future) }
        let roundTrip = try JSONDecoder().decode(DetectorConfiguration.self, from: JSONEncoder().encode(c))
        #expect(roundTrip == c)
        #expect(DetectorConfiguration.documentation.count >= 30)
    }

    @Test func flatLineIsAnArtifactAndHidesNothingFalse() throws {
        var night = SyntheticNight.make(fs: 1000, seconds: 60, bursts: [])
        for i in 20_000..<35_000 { night[i] = 0 }
        let events = try run(night, fs: 1000, chunk: 500)
        let artifacts = events.filter { $0.kind == .artifact }
        #expect(artifacts.count == 1)
        #expect(artifacts.first?.artifactCause == .flatLine)
        // The 50 Hz notch (Q 30) rings for ~0.6 s after the signal stops; the flat line is seen after that.
        #expect(abs((artifacts.first?.onsetSeconds ?? 0) - 20) < 0.8)
        #expect(events.filter { $0.kind == .legMovement || $0.kind == .cramp }.isEmpty)
    }
}

/// Designed sections as one chain: the product of their gains, and a signal through the detector's
/// reference cascade (one channel, lane 0).
struct Chain {
    let sections: [Biquad]

    init(_ sections: [Biquad]) { self.sections = sections }

    func gain(atHz hz: Double, sampleRateHz fs: Double) -> Double {
        sections.reduce(1) { $0 * $1.gain(atHz: hz, sampleRateHz: fs) }
    }

    func filter(_ x: [Float]) -> [Float] {
        var s = sections.map(Section4.init)
        var xs = [SIMD4<Float>](repeating: .zero, count: x.count), banded = xs, out = xs
        s.withUnsafeMutableBufferPointer { s in
            x.withUnsafeBufferPointer { p in
                xs.withUnsafeMutableBufferPointer { i in
                    banded.withUnsafeMutableBufferPointer { b in
                        out.withUnsafeMutableBufferPointer { o in
                            FilterCascade.reference(s.baseAddress!, bandCount: s.count, notchCount: 0, p.baseAddress!,
                                                    channels: 1, count: x.count, input: i.baseAddress!,
                                                    banded: b.baseAddress!, output: o.baseAddress!)
                        }
                    }
                }
            }
        }
        return out.map { $0[0] }
    }
}
