import CSignalKernels
import Testing

@testable import SignalCore

/// The AVX wavefront (`cw_cascade5`) must give exactly the samples of the portable Swift loop: same
/// sections, same arithmetic, same order. Bit for bit, so live, replay and sweeps agree on every machine.
@Suite struct WavefrontTests {
    /// The default chain at `fs`: band-pass 20–450 Hz (order 2 each side), notches at 50, 100, 150 Hz.
    static func chain(fs: Double) throws -> [Biquad] {
        let c = DetectorConfiguration()
        var s = try FilterDesign.butterworth(.highPass, order: 2, cutoffHz: c.bandLowHz, sampleRateHz: fs)
        s += try FilterDesign.butterworth(.lowPass, order: 2, cutoffHz: min(c.bandHighHz, 0.45 * fs), sampleRateHz: fs)
        for h in 1...3 { s.append(try FilterDesign.notch(centerHz: 50 * Double(h), q: c.notchQ, sampleRateHz: fs)) }
        return s
    }

    static func signal(count: Int, channels: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<(count * channels)).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
            return 40 * noise + 300 * Float(sin(Double(i / channels) * 0.157)) + (i % 977 < 300 ? 150 * noise : 0)
        }
    }

    /// Where two sequences first differ, with both values (nil: equal), so a failure names one sample, not thousands.
    static func firstDifference<T: Equatable>(_ a: [T], _ b: [T]) -> String? {
        if let i = a.indices.first(where: { $0 < b.count && a[$0] != b[$0] }) { return "at \(i): \(a[i]) against \(b[i])" }
        return a.count == b.count ? nil : "\(a.count) values against \(b.count)"
    }

    /// Runs the kernel over `x` in blocks of `block` samples, keeping the state between blocks.
    func kernel(_ sections: [Biquad], _ x: [Float], channels: Int, block: Int) -> (band: [SIMD4<Float>], out: [SIMD4<Float>], state: [Float])? {
        let n = x.count / channels
        var params = [Float](repeating: 0, count: 65)
        for (j, q) in sections.enumerated() { params.replaceSubrange((5 * j)..<(5 * j + 5), with: [q.b0, q.b1, q.b2, q.a1, q.a2]) }
        var xs = [SIMD4<Float>](repeating: .zero, count: n), band = xs, out = xs
        var done = 0
        while done < n {
            let m = min(block, n - done)
            let ok = params.withUnsafeMutableBufferPointer { p in
                x.withUnsafeBufferPointer { xp in
                    xs.withUnsafeMutableBytes { xr in
                        band.withUnsafeMutableBytes { br in
                            out.withUnsafeMutableBytes { or in
                                cw_cascade5(p.baseAddress!, p.baseAddress! + 25, xp.baseAddress! + done * channels, Int32(channels), m,
                                            xr.baseAddress!.assumingMemoryBound(to: Float.self) + 4 * done,
                                            br.baseAddress!.assumingMemoryBound(to: Float.self) + 4 * done,
                                            or.baseAddress!.assumingMemoryBound(to: Float.self) + 4 * done)
                            }
                        }
                    }
                }
            }
            if ok == 0 { return nil }
            done += m
        }
        return (band, out, Array(params[25...]))
    }

    @Test(arguments: [1, 2, 3, 4])
    func kernelEqualsTheSwiftSectionsBitForBit(channels: Int) throws {
        guard cw_cascade5_available() == 1 else { return }  // no AVX here: the Swift loop is all there is
        let sections = try Self.chain(fs: 2000)
        let n = 3000
        let x = Self.signal(count: n, channels: channels, seed: UInt64(channels))
        var swift = sections.map(Section4.init)
        var band = [SIMD4<Float>](), out = [SIMD4<Float>]()
        for i in 0..<n {
            var v = SIMD4<Float>.zero
            for c in 0..<channels { v[c] = x[i * channels + c] }
            v = swift[1].process(swift[0].process(v))
            band.append(v)
            out.append(swift[4].process(swift[3].process(swift[2].process(v))))
        }
        var state: [Float] = []
        for s in swift { for c in 0..<4 { state.append(s.z1[c]) }; for c in 0..<4 { state.append(s.z2[c]) } }
        // Blocks shorter than the wavefront (1–4 samples) only fill and drain it; 257 crosses a block of the detector.
        for block in [1, 2, 3, 4, 5, 7, 257, n] {
            let k = try #require(kernel(sections, x, channels: channels, block: block))
            #expect(Self.firstDifference(k.band, band) == nil, "band-passed samples differ with blocks of \(block)")
            #expect(Self.firstDifference(k.out, out) == nil, "notched samples differ with blocks of \(block)")
            #expect(Self.firstDifference(k.state, state) == nil, "filter state differs with blocks of \(block)")
        }
    }

    @Test(arguments: [(1, 1000), (2, 2000), (3, 500), (4, 4000)])
    func detectorGivesTheSameTicksAndEventsEitherWay(channels: Int, fs: Int) throws {
        let seconds = 40
        let x = Self.signal(count: fs * seconds, channels: channels, seed: 99)
        func run(wavefront: Bool, chunk: Int) throws -> ([TickFeatures], [DetectedEvent]) {
            let d = try NightDetector(configuration: DetectorConfiguration(), sampleRateHz: fs, emgChannels: channels, accelRateHz: 0, accelAxes: 0)
            d.wavefront = wavefront && cw_cascade5_available() == 1
            d.startTickLog()
            var events = EventBuffer()
            var all: [DetectedEvent] = []
            x.withUnsafeBufferPointer { p in
                var i = 0
                while i < x.count {
                    let m = min(chunk * channels, x.count - i)
                    d.process(emg: UnsafeBufferPointer(rebasing: p[i..<(i + m)]), accel: UnsafeBufferPointer(start: nil, count: 0), into: &events)
                    all += events.events
                    events.removeAll()
                    i += m
                }
            }
            d.finish(into: &events)
            return (d.tickLog!.features, all + events.events)
        }
        let portable = try run(wavefront: false, chunk: 4096)
        #expect(portable.0.count > seconds * 90, "the tick log holds the night")
        for chunk in [1, 7, 300, 4096] {
            let fast = try run(wavefront: true, chunk: chunk)
            #expect(Self.firstDifference(fast.0, portable.0) == nil, "tick features differ (chunks of \(chunk))")
            #expect(Self.firstDifference(fast.1, portable.1) == nil, "events differ (chunks of \(chunk))")
        }
    }
}
