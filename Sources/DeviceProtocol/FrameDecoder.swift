/// Why a frame was rejected (PROTOCOL.md section 3, in the order the checks run).
public enum DecodeErrorKind: String, Sendable, CaseIterable {
    case cobs, short, crc, version, length, type, payload, oversize, truncated

    /// A sentence for a person.
    public var explanation: String {
        switch self {
        case .cobs: "the frame's byte stuffing is broken"
        case .short: "the frame is too short to hold a header and checksum"
        case .crc: "the frame's checksum does not match (bytes were corrupted)"
        case .version: "the frame is from an unsupported protocol version"
        case .length: "the frame's declared length does not match its size"
        case .type: "the frame has an unknown type"
        case .payload: "the frame's contents contradict its length"
        case .oversize: "more than 1050 bytes arrived without a frame delimiter"
        case .truncated: "the data ends in the middle of a frame"
        }
    }
}

/// One outcome of decoding, in stream order.
public enum DecoderEvent {
    case frame(FrameView)
    /// `offset` is the stream offset of the bad frame's first byte.
    case error(DecodeErrorKind, offset: UInt64)
    /// Frames `expected ..< got` never arrived intact.
    case gap(expected: UInt32, got: UInt32, lost: UInt32)
    /// A frame whose sequence is behind the expected one (duplicate, late, or device restart).
    case reorder(expected: UInt32, got: UInt32)
}

/// A well-formed frame, borrowed from the decoder's buffer: valid only inside the handler.
public struct FrameView {
    public let type: FrameType
    public let sequence: UInt32
    public let timestampMicros: UInt64
    /// The payload bytes.
    public let payload: UnsafeRawBufferPointer
    /// Stream offset of the frame's first encoded byte.
    public let offset: UInt64

    /// The sample block in place (only for `type == .sampleBlock`).
    @inlinable
    public var sampleBlock: SampleBlockView { SampleBlockView(payload) }

    /// An owned copy of the frame.
    public func frame() -> Frame {
        Frame(sequence: sequence, timestampMicros: timestampMicros, message: message())
    }

    /// An owned copy of the payload.
    public func message() -> Message {
        let p = payload
        switch type {
        case .sampleBlock:
            let v = sampleBlock
            var emg = [Int16]()
            emg.reserveCapacity(v.emgCount * v.emgChannels)
            for i in 0..<(v.emgCount * v.emgChannels) { emg.append(v.emgValue(flatIndex: i)) }
            var accel = [Int16]()
            for i in 0..<(v.accelCount * v.accelAxes) { accel.append(v.accelValue(flatIndex: i)) }
            return .sampleBlock(SampleBlock(emgIndex: v.emgIndex, accelIndex: v.accelIndex, emgChannels: v.emgChannels,
                                            accelAxes: v.accelAxes, flags: v.flags, emg: emg, accel: accel))
        case .deviceInfo:
            let serialBytes = (0..<16).map { p[$0] }.prefix { $0 != 0 }
            return .deviceInfo(DeviceInfo(
                serial: String(decoding: serialBytes, as: UTF8.self),
                fwMajor: p[16], fwMinor: p[17], fwPatch: p[18], hwRevision: p[19],
                emgChannels: Int(p[20]), accelAxes: Int(p[21]), mainsHz: Int(p[22]), adcBits: Int(p[23]),
                emgRateHz: Int(p.le(UInt16.self, 24)), accelRateHz: Int(p.le(UInt16.self, 26)),
                emgMicrovoltsPerLSB: Float(bitPattern: p.le(UInt32.self, 28)),
                accelGPerLSB: Float(bitPattern: p.le(UInt32.self, 32)),
                emgBlockSamples: Int(p.le(UInt16.self, 36)), bootID: p.le(UInt32.self, 38),
                emgSites: [p[42], p[43], p[44], p[45]]))
        case .status:
            return .status(DeviceStatus(
                batteryMillivolts: p.le(UInt16.self, 0), batteryPercent: p[2], electrodeContact: p[3],
                overflowSamples: p.le(UInt32.self, 4), framesDropped: p.le(UInt32.self, 8),
                stateFlags: p.le(UInt16.self, 12)))
        case .ack:
            return .ack(Ack(command: p[0], result: p[1], token: p.le(UInt32.self, 4)))
        case .start: return .command(.start(token: p.le(UInt32.self, 0)))
        case .stop: return .command(.stop(token: p.le(UInt32.self, 0)))
        case .identify: return .command(.identify(token: p.le(UInt32.self, 0)))
        case .timeSync: return .command(.timeSync(token: p.le(UInt32.self, 0)))
        case .getStatus: return .command(.getStatus(token: p.le(UInt32.self, 0)))
        case .configure:
            return .command(.configure(
                token: p.le(UInt32.self, 0), emgRateHz: p.le(UInt16.self, 4), accelRateHz: p.le(UInt16.self, 6),
                mainsHz: p[8], emgChannels: p[9]))
        }
    }
}

/// A sample block read in place from a decoded frame.
public struct SampleBlockView {
    @usableFromInline let payload: UnsafeRawBufferPointer

    @inlinable
    init(_ payload: UnsafeRawBufferPointer) { self.payload = payload }

    @inlinable public var emgIndex: UInt32 { payload.le(UInt32.self, 0) }
    @inlinable public var accelIndex: UInt32 { payload.le(UInt32.self, 4) }
    @inlinable public var emgChannels: Int { Int(payload[8]) }
    @inlinable public var accelAxes: Int { Int(payload[9]) }
    @inlinable public var emgCount: Int { Int(payload.le(UInt16.self, 10)) }
    @inlinable public var accelCount: Int { Int(payload.le(UInt16.self, 12)) }
    @inlinable public var flags: UInt16 { payload.le(UInt16.self, 14) }

    /// EMG count at `flatIndex = sample * emgChannels + channel`.
    @inlinable
    public func emgValue(flatIndex: Int) -> Int16 {
        Int16(bitPattern: payload.le(UInt16.self, 16 + 2 * flatIndex))
    }

    /// Writes every EMG value × `scale` to `out` (sample-major, as on the wire).
    @inlinable
    public func convertEMG(into out: UnsafeMutablePointer<Float>, scale: Float) {
        let n = emgCount * emgChannels
        let p = payload.baseAddress! + 16
        for i in 0..<n {
            out[i] = Float(Int16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) * scale
        }
    }

    /// Writes every accelerometer value × `scale` to `out`.
    @inlinable
    public func convertAccel(into out: UnsafeMutablePointer<Float>, scale: Float) {
        let n = accelCount * accelAxes
        let p = payload.baseAddress! + 16 + 2 * emgCount * emgChannels
        for i in 0..<n {
            out[i] = Float(Int16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) * scale
        }
    }

    /// Accelerometer count at `flatIndex = sample * accelAxes + axis`.
    @inlinable
    public func accelValue(flatIndex: Int) -> Int16 {
        Int16(bitPattern: payload.le(UInt16.self, 16 + 2 * (emgCount * emgChannels + flatIndex)))
    }
}

extension UnsafeRawBufferPointer {
    @inlinable
    func le<T: FixedWidthInteger>(_: T.Type, _ offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

/// Streaming frame decoder: feed bytes in any chunking, get frames, errors, gaps.
///
/// Buffers are allocated once in `init`; decoding does not allocate.
public final class FrameDecoder {
    private let encoded: UnsafeMutableRawBufferPointer
    private let body: UnsafeMutableRawBufferPointer
    private let body2: UnsafeMutableRawBufferPointer  // the second of two frames decoded together
    private var encodedCount = 0
    private var dropping = false
    private var frameStart: UInt64 = 0
    /// Total bytes consumed so far.
    public private(set) var streamOffset: UInt64 = 0
    /// The sequence number the next device frame should carry (nil before the first).
    public private(set) var expectedSequence: UInt32?

    public init() {
        encoded = .allocate(byteCount: ProtocolV1.maxEncoded, alignment: 8)
        body = .allocate(byteCount: ProtocolV1.maxBody + 256, alignment: 8)
        body2 = .allocate(byteCount: ProtocolV1.maxBody + 256, alignment: 8)
    }

    deinit {
        encoded.deallocate()
        body.deallocate()
        body2.deallocate()
    }

    /// Forget the expected sequence (e.g. after the device restarted on purpose).
    public func resetSequence() { expectedSequence = nil }

    /// Bytes of an unfinished frame currently buffered.
    public var pendingBytes: Int { encodedCount }

    /// Decodes `bytes`, calling `handle` for every outcome in order.
    public func feed(_ bytes: UnsafeRawBufferPointer, _ handle: (DecoderEvent) -> Void) {
        var i = 0
        let n = bytes.count
        while i < n {
            let j = Self.delimiter(in: bytes, from: i)
            let segment = j - i
            if segment > 0 {
                if encodedCount == 0 && !dropping { frameStart = streamOffset + UInt64(i) }
                if !dropping {
                    if encodedCount + segment > ProtocolV1.maxEncoded {
                        handle(.error(.oversize, offset: frameStart))
                        dropping = true
                        encodedCount = 0
                    } else {
                        // Copy only what may be needed later: a frame completed within this chunk is decoded in place.
                        if encodedCount > 0 || j == n {
                            (encoded.baseAddress! + encodedCount)
                                .copyMemory(from: bytes.baseAddress! + i, byteCount: segment)
                        }
                        encodedCount += segment
                    }
                }
            }
            if j < n {
                // Delimiter at j.
                if dropping {
                    dropping = false
                } else if encodedCount == segment && segment > 0 {
                    // The whole frame is inside this chunk: decode it in place, without the copy; and if the next
                    // frame is inside it too (and not oversized), decode the two together.
                    let k = j + 1 < n ? Self.delimiter(in: bytes, from: j + 1) : n
                    if k < n && k > j + 1 && k - (j + 1) <= ProtocolV1.maxEncoded {
                        let second = streamOffset + UInt64(j + 1)
                        let (a, b) = COBS.decode(UnsafeRawBufferPointer(rebasing: bytes[i..<j]), into: body,
                                                 UnsafeRawBufferPointer(rebasing: bytes[(j + 1)..<k]), into: body2)
                        finishFrame(body, decoded: a, start: frameStart, handle)
                        finishFrame(body2, decoded: b, start: second, handle)
                        encodedCount = 0
                        i = k + 1
                        continue
                    }
                    decodeFrame(UnsafeRawBufferPointer(rebasing: bytes[i..<j]), handle)
                } else if encodedCount > 0 {
                    decodeFrame(UnsafeRawBufferPointer(rebasing: encoded[0..<encodedCount]), handle)
                }
                encodedCount = 0
                i = j + 1
            } else {
                i = j
            }
        }
        streamOffset += UInt64(n)
    }

    public func feed(_ bytes: [UInt8], _ handle: (DecoderEvent) -> Void) {
        bytes.withUnsafeBytes { feed($0, handle) }
    }

    /// The stream has ended: reports a trailing partial frame as `truncated`.
    public func finish(_ handle: (DecoderEvent) -> Void) {
        if encodedCount > 0 || dropping {
            handle(.error(.truncated, offset: frameStart))
        }
        encodedCount = 0
        dropping = false
    }

    /// The index of the next delimiter (zero byte) at or after `i`, or `bytes.count`; eight bytes at a time
    /// (a word has a zero byte iff (v − 0x01…) & ~v & 0x80… ≠ 0).
    @inline(__always)
    private static func delimiter(in bytes: UnsafeRawBufferPointer, from i: Int) -> Int {
        var j = i
        let n = bytes.count
        let base = bytes.baseAddress!
        while j + 8 <= n {
            let v = base.loadUnaligned(fromByteOffset: j, as: UInt64.self)
            if (v &- 0x0101_0101_0101_0101) & ~v & 0x8080_8080_8080_8080 != 0 { break }
            j += 8
        }
        while j < n && bytes[j] != 0 { j += 1 }
        return j
    }

    private func decodeFrame(_ input: UnsafeRawBufferPointer, _ handle: (DecoderEvent) -> Void) {
        finishFrame(body, decoded: COBS.decode(input, into: body), start: frameStart, handle)
    }

    /// Checks a COBS-decoded frame in `body` (`decoded` bytes, nil if the COBS was malformed) and reports it.
    private func finishFrame(_ body: UnsafeMutableRawBufferPointer, decoded: Int?, start: UInt64,
                             _ handle: (DecoderEvent) -> Void) {
        guard let count = decoded else {
            return handle(.error(.cobs, offset: start))
        }
        let b = UnsafeRawBufferPointer(body)
        guard count >= ProtocolV1.headerSize + ProtocolV1.crcSize else {
            return handle(.error(.short, offset: start))
        }
        let stored = b.le(UInt32.self, count - 4)
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<(count - 4)])) == stored else {
            return handle(.error(.crc, offset: start))
        }
        guard b[0] == ProtocolV1.version else { return handle(.error(.version, offset: start)) }
        let payloadLength = Int(b.le(UInt16.self, 2))
        guard payloadLength == count - ProtocolV1.headerSize - ProtocolV1.crcSize else {
            return handle(.error(.length, offset: start))
        }
        guard let type = FrameType(rawValue: b[1]) else { return handle(.error(.type, offset: start)) }
        let payload = UnsafeRawBufferPointer(
            rebasing: b[ProtocolV1.headerSize..<(ProtocolV1.headerSize + payloadLength)])
        guard Self.payloadIsConsistent(type, payload) else { return handle(.error(.payload, offset: start)) }
        let sequence = b.le(UInt32.self, 4)
        if type.isFromDevice {
            if let expected = expectedSequence, expected != sequence {
                let ahead = sequence &- expected
                if ahead < 0x8000_0000 {
                    handle(.gap(expected: expected, got: sequence, lost: ahead))
                } else {
                    handle(.reorder(expected: expected, got: sequence))
                }
            }
            expectedSequence = sequence &+ 1
        }
        handle(.frame(FrameView(type: type, sequence: sequence, timestampMicros: b.le(UInt64.self, 8), payload: payload,
                                offset: start)))
    }

    static func payloadIsConsistent(_ type: FrameType, _ p: UnsafeRawBufferPointer) -> Bool {
        switch type {
        case .sampleBlock:
            guard p.count >= ProtocolV1.sampleBlockHeaderSize else { return false }
            let channels = Int(p[8]), axes = Int(p[9])
            guard channels <= 4, axes == 0 || axes == 3 else { return false }
            let emgCount = Int(p.le(UInt16.self, 10)), accelCount = Int(p.le(UInt16.self, 12))
            return p.count == ProtocolV1.sampleBlockHeaderSize + 2 * emgCount * channels + 2 * accelCount * axes
        case .deviceInfo: return p.count == ProtocolV1.deviceInfoSize
        case .status: return p.count == ProtocolV1.statusSize
        case .ack: return p.count == ProtocolV1.ackSize
        case .configure: return p.count == ProtocolV1.configureSize
        case .start, .stop, .identify, .timeSync, .getStatus: return p.count == ProtocolV1.tokenOnlySize
        }
    }
}
