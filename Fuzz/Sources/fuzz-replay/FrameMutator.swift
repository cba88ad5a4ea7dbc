// A custom mutator that keeps device frames valid. A raw capture is a stream of COBS-encoded frames, each with
// a CRC-32C: a byte changed inside one almost always breaks its checksum, so plain mutations would only ever
// test the decoder's error paths, never a device description, a sample block or a timestamp with hostile
// values. When the input holds valid frames, most mutations therefore work on frame bodies (libFuzzer's own
// mutations on one body, extreme values written into a field, frames duplicated, dropped or swapped) and the
// frames are then encoded again with a fresh checksum and payload length. Other inputs (CSV, EDF/BDF) and one
// mutation in five get libFuzzer's plain mutations, so damaged frames and delimiters are fuzzed too.
import CFuzzDriver
import DeviceProtocol

/// One delimited piece of a capture: a frame body whose checksum held (without the checksum), or bytes kept as
/// they were (a corrupt frame, garbage).
enum Piece {
    case body([UInt8])
    case raw([UInt8])
}

/// The input cut at its 0x00 delimiters; nil when no piece is a frame with a valid checksum.
func pieces(of bytes: UnsafeRawBufferPointer) -> [Piece]? {
    var out: [Piece] = []
    var frames = 0
    var scratch = [UInt8](repeating: 0, count: ProtocolV1.maxEncoded + 8)
    for segment in bytes.split(separator: 0, omittingEmptySubsequences: false) {
        let encoded = Array(segment)
        var piece = Piece.raw(encoded)
        if encoded.count <= ProtocolV1.maxEncoded, encoded.count >= 4 {
            let n = encoded.withUnsafeBytes { e in scratch.withUnsafeMutableBytes { COBS.decode(e, into: $0) } }
            if let n, n >= ProtocolV1.headerSize + ProtocolV1.crcSize {
                let body = Array(scratch[0..<(n - 4)])
                let stored = UInt32(scratch[n - 4]) | UInt32(scratch[n - 3]) << 8 | UInt32(scratch[n - 2]) << 16
                    | UInt32(scratch[n - 1]) << 24
                if CRC32C.checksum(body) == stored {
                    piece = .body(body)
                    frames += 1
                }
            }
        }
        out.append(piece)
    }
    // split() gives a last, empty piece after a final delimiter: that delimiter is written again by encode().
    if case .raw(let last)? = out.last, last.isEmpty { out.removeLast() }
    return frames > 0 ? out : nil
}

/// The pieces as a capture again: bodies with their checksum, COBS-encoded; each piece followed by 0x00.
func encode(_ pieces: [Piece], fixLength: Bool) -> [UInt8] {
    var out: [UInt8] = []
    for p in pieces {
        switch p {
        case .raw(let bytes): out += bytes
        case .body(var body):
            if fixLength, body.count >= ProtocolV1.headerSize {
                let length = UInt16(truncatingIfNeeded: body.count - ProtocolV1.headerSize)
                body[2] = UInt8(length & 0xFF)
                body[3] = UInt8(length >> 8)
            }
            let crc = CRC32C.checksum(body)
            body += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
            body.withUnsafeBytes { COBS.encode($0, into: &out) }
        }
        out.append(0)
    }
    return out
}

/// A small deterministic generator seeded by libFuzzer, so a run can be repeated with -seed.
struct Generator {
    var state: UInt64
    mutating func next(_ below: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int(truncatingIfNeeded: (state >> 33) % UInt64(max(1, below)))
    }
}

/// Values that stress the numbers a frame carries (rates, counts, scales, sequence numbers, timestamps).
let extremes: [UInt64] = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
                          0x7FF0_0000_0000_0000, 0x7FF8_0000_0000_0000, 0x0010_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF,
                          0x8000_0000_0000_0000, 1 << 53, 10_000_000_000_000_000, 0x7F80_0000, 0x7FC0_0000]

func mutateFrames(_ list: inout [Piece], _ g: inout Generator) {
    let bodies = list.indices.filter { if case .body = list[$0] { return true } else { return false } }
    guard let i = bodies.isEmpty ? nil : bodies[g.next(bodies.count)], case .body(var body) = list[i] else { return }
    switch g.next(10) {
    case 0..<5:  // libFuzzer's mutations (and the dictionary) on one body
        let room = ProtocolV1.maxBody - ProtocolV1.crcSize
        var buffer = body + [UInt8](repeating: 0, count: max(0, room - body.count))
        let n = buffer.withUnsafeMutableBufferPointer { LLVMFuzzerMutate($0.baseAddress!, body.count, room) }
        body = Array(buffer[0..<min(n, room)])
    case 5, 6:  // an extreme value, 1 to 8 bytes wide, written into the body (a field, most likely)
        let width = [1, 2, 4, 8][g.next(4)]
        guard body.count >= width else { break }
        let at = g.next(body.count - width + 1), v = extremes[g.next(extremes.count)]
        for k in 0..<width { body[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
    case 7:  // the frame again, elsewhere (a duplicate, a sequence number seen twice)
        list.insert(list[i], at: g.next(list.count + 1))
        return
    case 8:  // frames lost
        list.removeSubrange(i..<min(list.count, i + 1 + g.next(8)))
        return
    default:  // two frames swapped (out of order)
        let j = bodies[g.next(bodies.count)]
        list.swapAt(i, j)
        return
    }
    list[i] = .body(body)
}

@_cdecl("LLVMFuzzerCustomMutator")
public func customMutator(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int,
                          _ seed: CUnsignedInt) -> Int {
    guard let data else { return 0 }
    var g = Generator(state: UInt64(seed) | 1 << 40)
    guard g.next(5) != 0, var list = pieces(of: UnsafeRawBufferPointer(start: data, count: size)) else {
        return LLVMFuzzerMutate(data, size, maxSize)
    }
    for _ in 0...g.next(3) { mutateFrames(&list, &g) }
    // Now and then a wrong payload length, which only a valid checksum lets the decoder see.
    var out = encode(list, fixLength: g.next(16) != 0)
    while out.count > maxSize, !list.isEmpty {  // too long: whole frames off the end
        list.removeLast(max(1, list.count / 8))
        out = encode(list, fixLength: true)
    }
    guard !out.isEmpty, out.count <= maxSize else { return LLVMFuzzerMutate(data, size, maxSize) }
    out.withUnsafeBytes { UnsafeMutableRawPointer(data).copyMemory(from: $0.baseAddress!, byteCount: out.count) }
    return out.count
}
