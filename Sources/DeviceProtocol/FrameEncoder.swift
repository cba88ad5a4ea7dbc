/// Encodes frames into wire bytes (COBS body + 0x00 delimiter).
public enum FrameEncoder {
    /// The complete wire bytes of `frame`, delimiter included.
    public static func encode(_ frame: Frame) -> [UInt8] {
        var out: [UInt8] = []
        encode(frame, appendingTo: &out)
        return out
    }

    /// Appends the wire bytes of `frame` to `out`.
    public static func encode(_ frame: Frame, appendingTo out: inout [UInt8]) {
        var body: [UInt8] = []
        body.reserveCapacity(ProtocolV1.headerSize + 64)
        body.append(ProtocolV1.version)
        body.append(frame.message.type.rawValue)
        body.append(0)
        body.append(0)  // payload length, patched below
        body.appendLE(frame.sequence)
        body.appendLE(frame.timestampMicros)
        appendPayload(frame.message, to: &body)
        let payloadLength = body.count - ProtocolV1.headerSize
        precondition(payloadLength <= ProtocolV1.maxPayload,
                     "payload of \(payloadLength) bytes exceeds protocol v1's 1024")
        body[2] = UInt8(payloadLength & 0xFF)
        body[3] = UInt8(payloadLength >> 8)
        body.appendLE(CRC32C.checksum(body))
        out.reserveCapacity(out.count + COBS.maxEncodedCount(body.count) + 1)
        body.withUnsafeBytes { COBS.encode($0, into: &out) }
        out.append(0)
    }

    static func appendPayload(_ message: Message, to b: inout [UInt8]) {
        switch message {
        case .sampleBlock(let s):
            b.appendLE(s.emgIndex)
            b.appendLE(s.accelIndex)
            b.append(UInt8(s.emgChannels))
            b.append(UInt8(s.accelAxes))
            b.appendLE(UInt16(s.emgCount))
            b.appendLE(UInt16(s.accelCount))
            b.appendLE(s.flags)
            for v in s.emg { b.appendLE(UInt16(bitPattern: v)) }
            for v in s.accel { b.appendLE(UInt16(bitPattern: v)) }
        case .deviceInfo(let d):
            var serial = Array(d.serial.utf8.prefix(16))
            serial += [UInt8](repeating: 0, count: 16 - serial.count)
            b += serial
            b += [d.fwMajor, d.fwMinor, d.fwPatch, d.hwRevision]
            b += [UInt8(d.emgChannels), UInt8(d.accelAxes), UInt8(d.mainsHz), UInt8(d.adcBits)]
            b.appendLE(UInt16(d.emgRateHz))
            b.appendLE(UInt16(d.accelRateHz))
            b.appendLE(d.emgMicrovoltsPerLSB.bitPattern)
            b.appendLE(d.accelGPerLSB.bitPattern)
            b.appendLE(UInt16(d.emgBlockSamples))
            b.appendLE(d.bootID)
            var sites = Array(d.emgSites.prefix(4))
            sites += [UInt8](repeating: 0, count: 4 - sites.count)
            b += sites
            b.appendLE(UInt16(0))
        case .status(let s):
            b.appendLE(s.batteryMillivolts)
            b.append(s.batteryPercent)
            b.append(s.electrodeContact)
            b.appendLE(s.overflowSamples)
            b.appendLE(s.framesDropped)
            b.appendLE(s.stateFlags)
            b.appendLE(UInt16(0))
        case .ack(let a):
            b.append(a.command)
            b.append(a.result)
            b.appendLE(UInt16(0))
            b.appendLE(a.token)
        case .command(let c):
            b.appendLE(c.token)
            if case .configure(_, let emgRate, let accelRate, let mains, let channels) = c {
                b.appendLE(emgRate)
                b.appendLE(accelRate)
                b.append(mains)
                b.append(channels)
                b.appendLE(UInt16(0))
            }
        }
    }
}

extension Array where Element == UInt8 {
    @inlinable
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}
