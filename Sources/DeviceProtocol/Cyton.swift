/// The OpenBCI Cyton's byte stream as its USB dongle delivers it (docs/cyton.md): 33-byte packets, nothing else
/// once streaming. Pure: no I/O, no Foundation, so it is tested (and fuzzed) with bytes alone.
///
/// A packet: 0xA0, the sample number (0…255, wrapping), 8 channels × 24-bit two's complement (MSB first),
/// 6 aux bytes, a stop byte 0xC0…0xC6. With stop byte 0xC0 the aux bytes are the LIS3DH accelerometer's
/// X, Y, Z as 16-bit two's complement, all six zero on the packets without a new reading (it reads at 25 Hz,
/// one packet in ten at 250 Hz).
public enum Cyton {
    public static let packetLength = 33
    public static let header: UInt8 = 0xA0
    /// The stop bytes the firmware sends (0xC0 standard, 0xC1 analog, 0xC2…0xC6 user and time-stamped modes).
    public static let stopBytes: ClosedRange<UInt8> = 0xC0...0xC6
    public static let standardStop: UInt8 = 0xC0
    public static let channels = 8
    /// Packets per second through the dongle (the Cyton alone; with a Daisy it is still 250 packets, 125 Hz each).
    public static let sampleRateHz = 250
    /// The accelerometer's rate in the standard mode.
    public static let accelRateHz = 25
    /// The ADS1299's reference voltage.
    public static let referenceVolts = 4.5
    /// The LIS3DH at ±4 g in high-resolution mode: 2 mg per count of its 12-bit value, left-justified by 4 bits.
    public static let gPerCount = 0.002 / 16
    /// The gains the ADS1299 offers; 24 is the firmware's default.
    public static let gains = [1, 2, 4, 6, 8, 12, 24]

    /// µV per count of a channel at `gain`: 4.5 V / gain / (2^23 − 1).
    public static func microvoltsPerCount(gain: Int) -> Double {
        referenceVolts / Double(gain) / Double((1 << 23) - 1) * 1_000_000
    }

    /// What the board says after `v` (its soft reset), up to its `$$$` prompt.
    public struct BoardText: Equatable, Sendable {
        public var text: String
        /// A Daisy module is attached: 16 channels, each at 125 Hz, alternating packets. Crampwatch refuses it
        /// (docs/cyton.md): two calf channels need no Daisy, and 125 Hz is too slow for the EMG band.
        public var hasDaisy: Bool { text.contains("Daisy") }
        /// The firmware's version as the board states it ("v3.1.2"), if it does.
        public var firmware: String? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Firmware:") }) else { return nil }
            return line.dropFirst("Firmware:".count).trimmingCharacters(in: " ")
        }
        /// The board answered and is ready: the text ends in `$$$`.
        public var isComplete: Bool { text.hasSuffix("$$$") }

        public init(_ text: String) { self.text = text }
    }

    /// Packets lost between two sample numbers: the numbers wrap at 255, so a loss of n + 256·k packets reads as
    /// n. Only the host's clock can tell the difference (a hang-up is timed that way).
    @inlinable
    public static func packetsLost(after previous: UInt8, got current: UInt8) -> Int {
        Int(current &- previous &- 1)
    }
}

/// One packet, decoded; counts are raw ADC values (scale with `Cyton.microvoltsPerCount`).
public struct CytonPacket: Equatable, Sendable {
    public var sampleNumber: UInt8
    /// 8 channels, sign-extended 24-bit counts.
    public var counts: [Int32]
    /// X, Y, Z counts when the packet carries a new accelerometer reading (stop byte 0xC0, aux bytes not all zero).
    public var accel: [Int16]?
    public var stopByte: UInt8
    /// Stream offset of the packet's header byte.
    public var offset: UInt64

    public init(sampleNumber: UInt8, counts: [Int32], accel: [Int16]?, stopByte: UInt8, offset: UInt64) {
        self.sampleNumber = sampleNumber
        self.counts = counts
        self.accel = accel
        self.stopByte = stopByte
        self.offset = offset
    }

    /// The 33 bytes of this packet (the generator's and the tests' encoder).
    public var bytes: [UInt8] {
        var b: [UInt8] = [Cyton.header, sampleNumber]
        for c in counts.prefix(Cyton.channels) {
            let u = UInt32(bitPattern: c)
            b += [UInt8(truncatingIfNeeded: u >> 16), UInt8(truncatingIfNeeded: u >> 8), UInt8(truncatingIfNeeded: u)]
        }
        for a in accel ?? [0, 0, 0] {
            let u = UInt16(bitPattern: a)
            b += [UInt8(truncatingIfNeeded: u >> 8), UInt8(truncatingIfNeeded: u)]
        }
        b.append(stopByte)
        return b
    }
}

/// What the decoder found, in stream order.
public enum CytonEvent: Equatable, Sendable {
    case packet(CytonPacket)
    /// `count` packets are missing before the packet with sample number `before` (bounded: see `packetsLost`).
    case lost(count: Int, before: UInt8)
    /// A header byte whose packet ended in a byte that is no stop byte: the packet was damaged or cut short, and
    /// the decoder looks for the next header from the byte after this one.
    case damaged(offset: UInt64)
    /// Bytes outside packets (the board's text, noise) from `offset`, skipped.
    case skipped(count: Int, offset: UInt64)
}

/// Cuts a Cyton byte stream into packets, resynchronising after garbage and damaged packets, and counts lost
/// packets from the sample numbers. Feed it bytes in chunks of any size; the events do not depend on the chunking.
public final class CytonDecoder {
    var buffer: [UInt8] = []
    /// Stream offset of `buffer[0]`.
    var bufferOffset: UInt64 = 0
    var lastSampleNumber: UInt8?
    var skippedRun = 0
    var skippedFrom: UInt64 = 0

    public init() {}

    /// Forgets the previous sample number: after a reconnect the board restarts its count, and the gap is timed
    /// by the host instead.
    public func restartNumbering() { lastSampleNumber = nil }

    public func feed(_ bytes: some Sequence<UInt8>, _ handler: (CytonEvent) -> Void) {
        buffer.append(contentsOf: bytes)
        var start = 0
        while start < buffer.count {
            guard buffer[start] == Cyton.header else {
                skip(at: bufferOffset + UInt64(start))
                start += 1
                continue
            }
            guard buffer.count - start >= Cyton.packetLength else { break }
            let stop = buffer[start + Cyton.packetLength - 1]
            guard Cyton.stopBytes.contains(stop) else {
                flushSkipped(handler)
                handler(.damaged(offset: bufferOffset + UInt64(start)))
                start += 1
                continue
            }
            flushSkipped(handler)
            emit(packetAt: start, stop: stop, handler)
            start += Cyton.packetLength
        }
        buffer.removeFirst(start)
        bufferOffset += UInt64(start)
    }

    /// The end of the stream: an incomplete packet at the end is reported as skipped bytes.
    public func finish(_ handler: (CytonEvent) -> Void) {
        for i in buffer.indices { skip(at: bufferOffset + UInt64(i)) }
        bufferOffset += UInt64(buffer.count)
        buffer.removeAll()
        flushSkipped(handler)
    }

    private func skip(at offset: UInt64) {
        if skippedRun == 0 { skippedFrom = offset }
        skippedRun += 1
    }

    private func flushSkipped(_ handler: (CytonEvent) -> Void) {
        guard skippedRun > 0 else { return }
        handler(.skipped(count: skippedRun, offset: skippedFrom))
        skippedRun = 0
    }

    private func emit(packetAt s: Int, stop: UInt8, _ handler: (CytonEvent) -> Void) {
        let b = buffer
        var counts = [Int32](repeating: 0, count: Cyton.channels)
        for ch in 0..<Cyton.channels {
            let p = s + 2 + 3 * ch
            let raw = Int32(b[p]) << 16 | Int32(b[p + 1]) << 8 | Int32(b[p + 2])
            counts[ch] = (raw << 8) >> 8
        }
        var accel: [Int16]?
        let aux = s + 26
        if stop == Cyton.standardStop && b[aux..<(aux + 6)].contains(where: { $0 != 0 }) {
            accel = (0..<3).map { Int16(bitPattern: UInt16(b[aux + 2 * $0]) << 8 | UInt16(b[aux + 2 * $0 + 1])) }
        }
        let number = b[s + 1]
        if let last = lastSampleNumber {
            let lost = Cyton.packetsLost(after: last, got: number)
            if lost > 0 { handler(.lost(count: lost, before: number)) }
        }
        lastSampleNumber = number
        handler(.packet(CytonPacket(sampleNumber: number, counts: counts, accel: accel, stopByte: stop,
                                    offset: bufferOffset + UInt64(s))))
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
