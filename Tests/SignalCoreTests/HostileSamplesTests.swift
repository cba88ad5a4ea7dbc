import Foundation
@testable import SignalCore
import TestSupport
import Testing

/// The numeric core fed what no electrode gives (NaN, infinities, 1e38, denormals, −0): every filter, envelope and
/// baseline stays finite, the bad stretch becomes a clipping artifact, and a leg movement after it is still found.
@Suite(.tags(.fuzz)) struct HostileSamplesTests {
    static let rate = 1000
    static let extremes: [Float] = [.nan, .infinity, -.infinity, 1e38, -1e38, .greatestFiniteMagnitude,
                                    Float(bitPattern: 0x0001_16C2), -0.0, 1e6, -1e6, 999_999, .leastNonzeroMagnitude]

    /// A quiet night of `seconds` with one EMG channel: 5 µV noise; `burst` (start, seconds) adds a 150 µV
    /// 90-Hz contraction, a leg movement by any reading of WASM 2016. The accelerometer lies still.
    static func quiet(_ seconds: Double, burst: (Double, Double)? = nil, random: inout SplitMix64) -> [Float] {
        (0..<Int(seconds * Double(rate))).map { i in
            let t = Double(i) / Double(rate)
            var x = Float(random.uniform(-5, 5))
            if let (start, length) = burst, t >= start && t < start + length {
                x += Float(150 * sin(2 * Double.pi * 90 * t))
            }
            return x
        }
    }

    func detector() throws -> NightDetector {
        try NightDetector(configuration: DetectorConfiguration(), sampleRateHz: Self.rate, emgChannels: 1,
                          accelRateHz: 100, accelAxes: 3)
    }

    /// Feeds `emg` in blocks of 250 samples with the matching still accelerometer samples.
    func feed(_ d: NightDetector, _ emg: [Float], accel: SIMD3<Float> = [0, 0, 1], into events: inout EventBuffer) {
        var i = 0
        while i < emg.count {
            let n = min(250, emg.count - i)
            let a = [Float](repeating: 0, count: 3 * n / 10).enumerated().map { k, _ in accel[k % 3] }
            emg[i..<(i + n)].withUnsafeBufferPointer { e in
                a.withUnsafeBufferPointer { d.process(emg: e, accel: $0, into: &events) }
            }
            i += n
        }
    }

    static func stateIsFinite(_ d: NightDetector) -> Bool {
        var finite = true
        for k in 0..<d.filters.sections.count {
            let z = d.filters.sections[k].z1 + d.filters.sections[k].z2
            finite = finite && z.x.isFinite && z.y.isFinite && z.z.isFinite && z.w.isFinite
        }
        return finite
    }

    func expectFinite(_ events: EventBuffer) {
        for e in events.events {
            let values = [e.onsetSeconds, e.offsetSeconds, Double(e.peakAboveRestMicrovolts),
                          Double(e.meanAboveRestMicrovolts), Double(e.accelActivityG), Double(e.confidence)]
            #expect(values.allSatisfy { $0.isFinite }, "\(e)")
        }
    }

    @Test(arguments: 0..<6)
    func randomExtremesStayFiniteAndDetectionRecovers(seed: Int) throws {
        // The AVX kernel and the Swift reference bound the samples alike: the same events either way.
        let avx = try extremesNight(seed: seed, wavefront: true)
        let reference = try extremesNight(seed: seed, wavefront: false)
        #expect(avx == reference)
    }

    func extremesNight(seed: Int, wavefront: Bool) throws -> [DetectedEvent] {
        var random = SplitMix64(seed: UInt64(seed) + 17)
        let d = try detector()
        d.wavefront = wavefront && d.wavefront
        var events = EventBuffer()
        feed(d, Self.quiet(30, random: &random), into: &events)
        // One second in which a third of the samples are extremes, and the accelerometer says absurd things too.
        var bad = Self.quiet(1, random: &random)
        for k in bad.indices where random.next() % 3 == 0 {
            bad[k] = Self.extremes[Int(random.next() % UInt64(Self.extremes.count))]
        }
        feed(d, bad, accel: [.nan, 1e30, -.infinity], into: &events)
        #expect(Self.stateIsFinite(d), "every section's state is finite after the extremes")
        feed(d, Self.quiet(60, burst: (40, 2), random: &random), into: &events)
        d.finish(into: &events)
        expectFinite(events)
        let artifacts = events.events.filter { $0.kind == .artifact }
        #expect(artifacts.count == 1 && artifacts.first?.artifactCause == .clipping, "\(artifacts)")
        #expect(artifacts.allSatisfy { $0.onsetSeconds >= 29.5 && $0.onsetSeconds <= 31.5 }, "\(artifacts)")
        let movements = events.events.filter { $0.kind == .legMovement }
        #expect(movements.count == 1, "the burst at 71 s: \(events.events.map { ($0.kind, $0.onsetSeconds) })")
        #expect(movements.allSatisfy { abs($0.onsetSeconds - 71) < 0.5 })
        #expect(d.filterResets == 0, "clipped inputs never reach a filter as non-finite values")
        return events.events
    }

    @Test func aFilterStateThatTurnsNonFiniteRestartsTheCascade() throws {
        // Defence in depth: should a filter's state ever stop being finite, the cascade restarts, the block is a
        // clipping artifact, and detection carries on (a poisoned filter used to stay NaN all night).
        var random = SplitMix64(seed: 5)
        let d = try detector()
        var events = EventBuffer()
        feed(d, Self.quiet(30, random: &random), into: &events)
        d.filters.sections[0].z1 = SIMD4(repeating: .nan)
        feed(d, Self.quiet(60, burst: (40, 2), random: &random), into: &events)
        d.finish(into: &events)
        #expect(d.filterResets == 1)
        expectFinite(events)
        let kinds = events.events.map { ($0.kind, $0.onsetSeconds) }
        #expect(events.events.filter { $0.kind == .artifact }.count == 1, "\(kinds)")
        #expect(events.events.filter { $0.kind == .legMovement && abs($0.onsetSeconds - 70) < 0.5 }.count == 1,
                "\(kinds)")
    }

    @Test(arguments: 0..<40)
    func lostAccelerometerSamplesCountAsOneByOne(seed: Int) throws {
        // A gap adds its lost samples to the 5-s epochs in a few steps, with exactly the epochs that adding
        // them one by one gives, whatever the fill of the epoch it starts in.
        var random = SplitMix64(seed: UInt64(seed))
        let bulk = try detector()
        let single = try detector()
        for _ in 0..<3 {
            let present = Int(random.next() % 1200), lost = Int(random.next() % 3000)
            for d in [bulk, single] {
                for k in 0..<present { d.addToEpoch(SIMD3(0, Float(k % 7) / 10, 1)) }
            }
            bulk.addLostToEpochs(lost)
            for _ in 0..<lost { single.addToEpoch(SIMD3(repeating: .nan)) }
        }
        #expect(bulk.zAngleEpochs.count == single.zAngleEpochs.count)
        #expect(zip(bulk.zAngleEpochs, single.zAngleEpochs).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        #expect(bulk.epochFill == single.epochFill && bulk.epochCount == single.epochCount)
    }

    @Test func clippingHelpersKeepEveryValueInsideTheLimits() {
        let limit = SampleLimits.emgMicrovolts
        for x in Self.extremes + [0, 12.5, -3200] {
            let c = SampleLimits.clip(x, limit: limit)
            #expect(c.isFinite && abs(c) <= limit, "\(x) → \(c)")
            #expect(abs(x) < limit ? c == x || (x.isNaN) : abs(c) == limit, "\(x) → \(c)")
        }
        #expect(SampleLimits.emg(1e39) == limit && SampleLimits.emg(-1e300) == -limit)
        #expect(SampleLimits.accel(.nan) == SampleLimits.accelG && SampleLimits.accel(0.98) == Float(0.98))
        // The cascade's own bound (the same comparisons as the AVX kernel's minps/maxps) agrees with the helper.
        for x in Self.extremes + [0, 12.5, -3200] {
            let b = FilterCascade.bounded(SIMD4(x, -x, 0, x))
            #expect(b[0].bitPattern == SampleLimits.clip(x, limit: limit).bitPattern || (x.isNaN && b[0] == limit),
                    "\(x) → \(b[0])")
            #expect(b[2] == 0 && b.x.isFinite && b.y.isFinite)
        }
    }
}
