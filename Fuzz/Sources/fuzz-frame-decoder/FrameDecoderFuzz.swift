// libFuzzer target: the streaming frame decoder (Sources/DeviceProtocol/FrameDecoder.swift).
//
// Arbitrary bytes, fed whole and in an input-derived chunking, must
//  * never crash, and give the same outcomes whatever the chunking;
//  * account for every byte: each run of non-zero bytes between 0x00 delimiters gives exactly one
//    outcome (a frame or an error) at its first byte's stream offset; a run longer than 1050 bytes
//    gives `oversize`; a run cut off by the end gives `truncated`;
//  * report gaps with lost == got − expected, and frames whose payloads can be read in full.
// The same bytes are also wrapped as frame bodies with valid CRC and COBS, so the checks after the
// checksum (version, length, type, payload consistency) are reached by most inputs, not a lucky few.
import DeviceProtocol
import FuzzSupport

enum Outcome: Equatable {
    case frame(type: UInt8, sequence: UInt32, timestamp: UInt64, offset: UInt64, payload: [UInt8])
    case error(DecodeErrorKind, UInt64)
    case gap(UInt32, UInt32, UInt32)
    case reorder(UInt32, UInt32)
}

func record(_ event: DecoderEvent, into out: inout [Outcome]) {
    switch event {
    case .frame(let f):
        require(f.payload.count <= ProtocolV1.maxPayload, "payload of \(f.payload.count) bytes")
        // Read the frame the way replay does: every value, in place and as an owned copy.
        _ = f.message()
        if f.type == .sampleBlock {
            let v = f.sampleBlock
            var emg = [Float](repeating: 0, count: max(1, v.emgCount * v.emgChannels))
            var accel = [Float](repeating: 0, count: max(1, v.accelCount * v.accelAxes))
            emg.withUnsafeMutableBufferPointer { v.convertEMG(into: $0.baseAddress!, scale: 0.25) }
            accel.withUnsafeMutableBufferPointer { v.convertAccel(into: $0.baseAddress!, scale: 0.001) }
        }
        out.append(.frame(type: f.type.rawValue, sequence: f.sequence, timestamp: f.timestampMicros, offset: f.offset, payload: Array(f.payload)))
    case .error(let kind, let offset): out.append(.error(kind, offset))
    case .gap(let e, let g, let lost):
        require(e != g && lost == g &- e, "gap expected \(e) got \(g) lost \(lost)")
        out.append(.gap(e, g, lost))
    case .reorder(let e, let g):
        require(e != g, "reorder with expected == got == \(e)")
        out.append(.reorder(e, g))
    }
}

func decode(_ stream: UnsafeRawBufferPointer, chunks: [Int]?) -> [Outcome] {
    let decoder = FrameDecoder()
    var out: [Outcome] = []
    if let chunks {
        var at = 0
        for size in chunks {
            decoder.feed(UnsafeRawBufferPointer(rebasing: stream[at..<(at + size)])) { record($0, into: &out) }
            at += size
        }
    } else {
        decoder.feed(stream) { record($0, into: &out) }
    }
    require(decoder.streamOffset == UInt64(stream.count), "streamOffset \(decoder.streamOffset) after \(stream.count) bytes")
    decoder.finish { record($0, into: &out) }
    require(decoder.pendingBytes == 0, "bytes still pending after finish")
    return out
}

/// Checks the outcomes against an independent split of the stream at its delimiters.
func checkAccounting(_ stream: UnsafeRawBufferPointer, _ outcomes: [Outcome]) {
    let found = outcomes.filter { o in
        if case .gap = o { return false }
        if case .reorder = o { return false }
        return true
    }
    var k = 0
    var i = 0
    let n = stream.count
    while i < n {
        if stream[i] == 0 { i += 1; continue }
        var j = i
        while j < n && stream[j] != 0 { j += 1 }
        let start = UInt64(i)
        var expected: [String] = []
        if j - i > ProtocolV1.maxEncoded { expected.append("oversize") }
        if j == n { expected.append("truncated") }
        if expected.isEmpty { expected.append("frame-or-error") }
        for e in expected {
            require(k < found.count, "segment at byte \(start) (\(j - i) bytes) has no outcome; expected \(e)")
            switch (e, found[k]) {
            case ("oversize", .error(.oversize, let o)), ("truncated", .error(.truncated, let o)):
                require(o == start, "\(e) reported at \(o), segment starts at \(start)")
            case ("frame-or-error", .frame(_, _, _, let o, _)):
                require(o == start, "frame reported at \(o), segment starts at \(start)")
            case ("frame-or-error", .error(let kind, let o)):
                require(kind != .oversize && kind != .truncated, "\(kind) for a complete \(j - i)-byte segment at \(start)")
                require(o == start, "\(kind) reported at \(o), segment starts at \(start)")
            default:
                require(false, "segment at byte \(start) (\(j - i) bytes): expected \(e), got \(found[k])")
            }
            k += 1
        }
        i = j
    }
    require(k == found.count, "\(found.count - k) outcomes more than segments")
}

func check(_ stream: UnsafeRawBufferPointer) {
    let whole = decode(stream, chunks: nil)
    let chunked = decode(stream, chunks: chunkSizes(for: stream))
    require(whole == chunked, "chunking changed the outcomes: \(whole.count) whole vs \(chunked.count) chunked")
    checkAccounting(stream, whole)
}

/// Every 0xA5-separated piece of the input becomes a frame body with a valid CRC, COBS-encoded and delimited.
func framedBodies(_ data: UnsafeRawBufferPointer) -> [UInt8] {
    var out: [UInt8] = []
    for piece in data.split(separator: 0xA5, omittingEmptySubsequences: false) {
        var body = Array(piece)
        let crc = CRC32C.checksum(body)
        body += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
        body.withUnsafeBytes { COBS.encode($0, into: &out) }
        out.append(0)
    }
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    guard bytes.count > 0 else { return 0 }
    check(bytes)
    framedBodies(bytes).withUnsafeBytes { check($0) }
    return 0
}
