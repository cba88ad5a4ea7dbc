import CSignalKernels
import Foundation
import Testing

@testable import SignalCore

/// The AVX wavefront (`cw_cascade5`) must give exactly the samples of the Swift reference cascade
/// (`FilterCascade.reference`): same sections, same arithmetic, same order. Bit for bit, so live, replay
/// and sweeps agree on every machine.
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
        if let i = a.indices.first(where: { $0 < b.count && a[$0] != b[$0] }) {
            return "at \(i): \(a[i]) against \(b[i])"
        }
        return a.count == b.count ? nil : "\(a.count) values against \(b.count)"
    }

    /// Runs `x` through `sections` in blocks of `block` samples, keeping the state between blocks: with
    /// `cw_cascade5` (nil where this CPU cannot run it) or with the Swift reference.
    static func cascade(_ sections: [Biquad], _ x: [Float], channels: Int, block: Int, kernel: Bool)
        -> (band: [SIMD4<Float>], out: [SIMD4<Float>], state: [SIMD4<Float>])? {
        let n = x.count / channels
        var chain = sections.map(Section4.init)
        var xs = [SIMD4<Float>](repeating: .zero, count: n), band = xs, out = xs
        var done = 0
        while done < n {
            let m = min(block, n - done)
            let ok = chain.withUnsafeMutableBufferPointer { s in
                x.withUnsafeBufferPointer { xp in
                    xs.withUnsafeMutableBufferPointer { xr in
                        band.withUnsafeMutableBufferPointer { br in
                            out.withUnsafeMutableBufferPointer { or in
                                let p = xp.baseAddress! + done * channels
                                let (i, b, o) = (xr.baseAddress! + done, br.baseAddress! + done, or.baseAddress! + done)
                                if kernel { return cw_cascade5(s.baseAddress!, p, Int32(channels), m, i, b, o) == 1 }
                                FilterCascade.reference(s.baseAddress!, bandCount: 2, notchCount: 3, p,
                                                        channels: channels, count: m, input: i, banded: b, output: o)
                                return true
                            }
                        }
                    }
                }
            }
            if !ok { return nil }
            done += m
        }
        return (band, out, chain.flatMap { [$0.z1, $0.z2] })
    }

    @Test(.enabled(if: cw_cascade5_available() == 1, "no AVX on this CPU: the Swift reference is all there is"),
          arguments: [1, 2, 3, 4])
    func kernelEqualsTheSwiftReferenceBitForBit(channels: Int) throws {
        let sections = try Self.chain(fs: 2000)
        let n = 3000
        let x = Self.signal(count: n, channels: channels, seed: UInt64(channels))
        let reference = try #require(Self.cascade(sections, x, channels: channels, block: n, kernel: false))
        // The reference really filters: the signal's 300 µV sine at 0.157 rad/sample (50 Hz) is notched out.
        func amplitude(_ v: [Float]) -> Double {
            var re = 0.0, im = 0.0
            for i in 1000..<n {
                re += Double(v[i]) * cos(0.157 * Double(i))
                im += Double(v[i]) * sin(0.157 * Double(i))
            }
            return 2 * (re * re + im * im).squareRoot() / Double(n - 1000)
        }
        let before = amplitude((0..<n).map { x[$0 * channels] }), after = amplitude(reference.out.map { $0[0] })
        #expect(abs(before - 300) < 10 && after < 15, "50 Hz amplitude \(before) µV before the chain, \(after) after")
        // Blocks shorter than the wavefront (1–4 samples) only fill and drain it; 257 crosses a block of the detector.
        for block in [1, 2, 3, 4, 5, 7, 257, n] {
            let k = try #require(Self.cascade(sections, x, channels: channels, block: block, kernel: true))
            #expect(Self.firstDifference(k.band, reference.band) == nil, "band samples differ, blocks of \(block)")
            #expect(Self.firstDifference(k.out, reference.out) == nil, "notched samples differ with blocks of \(block)")
            #expect(Self.firstDifference(k.state, reference.state) == nil, "state differs, blocks of \(block)")
            // Unused lanes stay zero.
            #expect(k.out.allSatisfy { v in (channels..<4).allSatisfy { v[$0] == 0 } })
        }
    }

    /// Run in pieces, the reference gives the samples it gives in one block (the state carries over).
    @Test func referenceKeepsItsStateAcrossBlocks() throws {
        let sections = try Self.chain(fs: 1000)
        let x = Self.signal(count: 2000, channels: 2, seed: 7)
        let whole = try #require(Self.cascade(sections, x, channels: 2, block: 2000, kernel: false))
        for block in [1, 3, 256] {
            let pieces = try #require(Self.cascade(sections, x, channels: 2, block: block, kernel: false))
            #expect(Self.firstDifference(pieces.out, whole.out) == nil, "blocks of \(block)")
            #expect(Self.firstDifference(pieces.state, whole.state) == nil, "blocks of \(block)")
        }
    }

    @Test(arguments: [(1, 1000), (2, 2000), (3, 500), (4, 4000)])
    func detectorGivesTheSameTicksAndEventsEitherWay(channels: Int, fs: Int) throws {
        let seconds = 40
        let x = Self.signal(count: fs * seconds, channels: channels, seed: 99)
        func run(wavefront: Bool, chunk: Int) throws -> ([TickFeatures], [DetectedEvent]) {
            let d = try NightDetector(configuration: DetectorConfiguration(), sampleRateHz: fs, emgChannels: channels,
                                      accelRateHz: 0, accelAxes: 0)
            d.wavefront = wavefront && cw_cascade5_available() == 1
            d.startTickLog()
            let events = d.events(feeding: x, chunk: chunk * channels, capacity: 256)
            return (d.tickLog!.features, events)
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
