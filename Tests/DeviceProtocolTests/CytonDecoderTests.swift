import Testing

@testable import DeviceProtocol

/// The Cyton packet decoder against bytes written out by hand from the OpenBCI data format.
@Suite struct CytonDecoderTests {
    static func packet(_ n: UInt8, counts: [Int32] = [0, 0, 0, 0, 0, 0, 0, 0], accel: [Int16]? = nil,
                       stop: UInt8 = 0xC0) -> [UInt8] {
        CytonPacket(sampleNumber: n, counts: counts, accel: accel, stopByte: stop, offset: 0).bytes
    }

    static func decode(_ bytes: [UInt8], chunk: Int = 1 << 20) -> [CytonEvent] {
        let d = CytonDecoder()
        var events: [CytonEvent] = []
        var i = 0
        while i < bytes.count {
            d.feed(bytes[i..<min(bytes.count, i + chunk)]) { events.append($0) }
            i += chunk
        }
        d.finish { events.append($0) }
        return events
    }

    static func packets(_ events: [CytonEvent]) -> [CytonPacket] {
        events.compactMap { if case .packet(let p) = $0 { p } else { nil } }
    }

    @Test func bytesByHandDecodeToCountsMicrovoltsAndG() {
        // Channel 1 = 0x000001 (+1), channel 2 = 0xFFFFFF (−1), channel 3 = 0x7FFFFF (the largest),
        // channel 4 = 0x800000 (the smallest), channel 5 = 0x012345; accel X = 0x0010 (16), Y = 0xFFF0 (−16),
        // Z = 0x2000 (8192 = 1.024 g).
        var b: [UInt8] = [0xA0, 0x07]
        b += [0x00, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x01, 0x23, 0x45]
        b += [UInt8](repeating: 0, count: 9)
        b += [0x00, 0x10, 0xFF, 0xF0, 0x20, 0x00, 0xC0]
        #expect(b.count == 33)
        let p = Self.packets(Self.decode(b))
        #expect(p.count == 1)
        #expect(p.first?.sampleNumber == 7)
        #expect(p.first?.counts == [1, -1, 8_388_607, -8_388_608, 0x012345, 0, 0, 0])
        #expect(p.first?.accel == [16, -16, 8192])
        #expect(abs(Cyton.microvoltsPerCount(gain: 24) - 0.022351744455307063) < 1e-15)
        #expect(abs(Cyton.microvoltsPerCount(gain: 1) * 8_388_607 - 4_500_000) < 1e-6)
        #expect(Double(8192) * Cyton.gPerCount == 1.024)
        // The encoder writes back the same bytes.
        #expect(p.first?.bytes == b)
    }

    @Test func accelerometerOnlyWhenStopByteIsC0AndAuxIsNotZero() {
        var s = Self.packet(0, accel: [1, 2, 3], stop: 0xC0)
        s += Self.packet(1, accel: nil, stop: 0xC0)
        s += Self.packet(2, accel: [1, 2, 3], stop: 0xC1)
        s += Self.packet(3, accel: [4, 5, 6], stop: 0xC6)
        let p = Self.packets(Self.decode(s))
        #expect(p.map(\.accel) == [[1, 2, 3], nil, nil, nil])
        #expect(p.map(\.stopByte) == [0xC0, 0xC0, 0xC1, 0xC6])
    }

    @Test func garbageIsSkippedAndCountedInOneRun() {
        let s: [UInt8] = Array("OpenBCI V3 8-16 channel\n$$$".utf8) + Self.packet(0) + [1, 2, 3] + Self.packet(1)
        let e = Self.decode(s)
        #expect(e == [.skipped(count: 27, offset: 0), .packet(CytonPacket(sampleNumber: 0, counts: Array(repeating: 0,
                      count: 8), accel: nil, stopByte: 0xC0, offset: 27)), .skipped(count: 3, offset: 60),
                      .packet(CytonPacket(sampleNumber: 1, counts: Array(repeating: 0, count: 8), accel: nil,
                                          stopByte: 0xC0, offset: 63))])
    }

    @Test func aDamagedStopByteLosesThatPacketOnly() {
        var bad = Self.packet(1)
        bad[32] = 0x55
        let e = Self.decode(Self.packet(0) + bad + Self.packet(2))
        #expect(Self.packets(e).map(\.sampleNumber) == [0, 2])
        #expect(e.contains(.damaged(offset: 33)))
        #expect(e.contains(.lost(count: 1, before: 2)))
    }

    @Test func aPacketCutShortDoesNotTakeTheNextOneWithIt() {
        // 20 bytes of packet 1, then packet 2 whole: the decoder finds packet 2's header inside the 33 bytes it
        // first tried, so only packet 1 is lost (BrainFlow's reader loses packet 2 as well; docs/cyton.md).
        let cut = Array(Self.packet(1, counts: [5, 5, 5, 5, 5, 5, 5, 5]).prefix(20))
        let e = Self.decode(Self.packet(0) + cut + Self.packet(2) + Self.packet(3))
        #expect(Self.packets(e).map(\.sampleNumber) == [0, 2, 3])
        #expect(e.filter { if case .lost = $0 { true } else { false } } == [.lost(count: 1, before: 2)])
    }

    @Test func lostPacketsWrapAt255AndAreBounded() {
        #expect(Cyton.packetsLost(after: 254, got: 255) == 0)
        #expect(Cyton.packetsLost(after: 255, got: 0) == 0)
        #expect(Cyton.packetsLost(after: 250, got: 4) == 9)
        // 256 lost packets look like none, 300 like 44: the sample number alone cannot tell.
        #expect(Cyton.packetsLost(after: 10, got: 10 &+ UInt8(truncatingIfNeeded: 257)) == 0)
        #expect(Cyton.packetsLost(after: 10, got: 10 &+ UInt8(truncatingIfNeeded: 301)) == 44)
        let s = Self.packet(250) + Self.packet(251) + Self.packet(3) + Self.packet(4)
        let e = Self.decode(s)
        #expect(e.contains(.lost(count: 7, before: 3)))
    }

    @Test func eventsDoNotDependOnChunking() {
        var s: [UInt8] = Array("junk\u{A0}".utf8)
        for n in 0..<40 where n != 17 {
            s += Self.packet(UInt8(n), counts: (0..<8).map { Int32(n * 1000 - $0 * 77_777) },
                             accel: n % 10 == 0 ? [Int16(n), -1, 8000] : nil)
            if n == 9 { s += [0xA0, 0x01, 0x02] }
        }
        let whole = Self.decode(s)
        for chunk in [1, 7, 33, 64] { #expect(Self.decode(s, chunk: chunk) == whole) }
        #expect(Self.packets(whole).count == 39)
        #expect(whole.contains(.lost(count: 1, before: 18)))
    }

    @Test func theBoardTextTellsADaisyAndTheFirmware() {
        let alone = Cyton.BoardText("OpenBCI V3 8-16 channel\nOn Board ADS1299 Device ID: 0x3E\n"
                                    + "LIS3DH Device ID: 0x33\nFirmware: v3.1.2\n$$$")
        #expect(!alone.hasDaisy)
        #expect(alone.firmware == "v3.1.2")
        #expect(alone.isComplete)
        let daisy = Cyton.BoardText("OpenBCI V3 8-16 channel\nOn Board ADS1299 Device ID: 0x3E\n"
                                    + "On Daisy ADS1299 Device ID: 0x3E\nLIS3DH Device ID: 0x33\nFirmware: v3.0.0\n$$")
        #expect(daisy.hasDaisy)
        #expect(daisy.firmware == "v3.0.0")
        #expect(!daisy.isComplete)
    }
}
