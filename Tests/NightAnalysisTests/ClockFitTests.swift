import Foundation
import NightAnalysis
import Testing

@Suite struct ClockFitTests {
    /// An 8-hour night read every 32 ms with USB/scheduling latency of 1–40 ms (exponential, never early):
    /// the fit follows the earliest arrivals and recovers the device clock's offset and drift.
    @Test(arguments: [40.0, -120.0, 0.0])
    func recoversOffsetAndDriftThroughLatency(driftPPM: Double) {
        var fit = ClockFit()
        var rng = SystemRandomNumberGenerator()
        let offset = 1_795_000_000.25
        var t = 3.5
        while t < 8 * 3600 {
            let latency = 0.001 - 0.008 * log(Double.random(in: 1e-9...1, using: &rng))
            fit.add(deviceSeconds: t, hostSeconds: offset + (1 + driftPPM / 1e6) * t + min(latency, 0.040))
            t += 0.032
        }
        let r = fit.result!
        #expect(abs(r.driftPPM - driftPPM) < 0.5, "drift \(r.driftPPM) ppm")
        // The line lies under the arrivals: within 2 ms of the true zero-latency line (whose minimum latency is 1 ms).
        #expect(abs(r.hostSeconds(device: 4 * 3600) - (offset + (1 + driftPPM / 1e6) * 4 * 3600) - 0.001) < 0.002)
        // One window per 10 s of device time (a window closes at the first reading 10 s or more after it opened).
        #expect((2870...2880).contains(r.points))
        #expect(r.medianResidualMs >= 0 && r.medianResidualMs < 5)
    }

    @Test func aDeviceRestartStartsTheFitAgain() {
        var fit = ClockFit()
        for i in 0..<1000 { fit.add(deviceSeconds: 5000 + Double(i) * 0.1, hostSeconds: 100 + Double(i) * 0.1) }
        // The device rebooted: its clock starts from zero again, now 200 s behind the host's.
        for i in 0..<1000 { fit.add(deviceSeconds: Double(i) * 0.1, hostSeconds: 200 + Double(i) * 0.1) }
        let r = fit.result!
        #expect(fit.resets == 1)
        #expect(abs(r.offsetSeconds - 200) < 1e-6)
        #expect(abs(r.driftPPM) < 0.01)
    }

    @Test func noReadingsNoFit() {
        #expect(ClockFit().result == nil)
    }
}

@Suite struct ClockFitFaultTests {
    /// The host slept for 40 s: the device kept sampling, and what it buffered arrived late all at once.
    @Test func aHostSuspendDoesNotBendTheLine() {
        var fit = ClockFit()
        var t = 0.0
        while t < 3600 {
            let suspended = t > 1800 && t < 1840
            let arrival = suspended ? 1840 + (t - 1800) * 0.01 : t * (1 + 25e-6) + 0.002
            fit.add(deviceSeconds: t, hostSeconds: 1_000 + arrival)
            t += 0.05
        }
        let r = fit.result!
        #expect(abs(r.driftPPM - 25) < 0.5, "drift \(r.driftPPM)")
        #expect(fit.resets == 0)
    }

    /// The device clock stepped forward by an hour mid-night: the fit starts again and follows the new clock.
    @Test func aClockJumpForwardStartsTheFitAgain() {
        var fit = ClockFit()
        for i in 0..<2000 { fit.add(deviceSeconds: Double(i) * 0.1, hostSeconds: 500 + Double(i) * 0.1) }
        for i in 2000..<4000 { fit.add(deviceSeconds: 3600 + Double(i) * 0.1, hostSeconds: 500 + Double(i) * 0.1) }
        let r = fit.result!
        #expect(fit.resets == 1)
        #expect(abs(r.offsetSeconds - (500 - 3600)) < 1e-6)
    }
}

/// The SHA-256 that names recordings and configurations: FIPS 180-4's vectors, fed in pieces of any size.
@Suite struct SHA256Tests {
    func digest(_ bytes: [UInt8], pieces: Int) -> String {
        var h = SHA256()
        var i = 0
        var size = 1
        while i < bytes.count {
            let n = min(size, bytes.count - i)
            bytes[i..<(i + n)].withUnsafeBytes { h.update($0) }
            i += n
            size = size % pieces + 1
        }
        return h.finish()
    }

    @Test(arguments: [1, 7, 63, 64, 65, 1000])
    func knownVectorsWhateverThePieces(pieces: Int) {
        #expect(digest([], pieces: pieces) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(digest(Array("abc".utf8), pieces: pieces)
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8), pieces: pieces)
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(digest([UInt8](repeating: 0x61, count: 1_000_000), pieces: pieces)
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
