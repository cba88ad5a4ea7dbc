// libFuzzer target: the OpenBCI Cyton's packet decoder and its capture format
// (Sources/DeviceProtocol/Cyton.swift, CytonCapture.swift).
//
// Arbitrary bytes, as the dongle's stream, fed whole and in an input-derived chunking, must
//  * never crash, and give the same events whatever the chunking (what `monitor --cyton` reads live in the
//    serial port's chunks, replay reads in the capture's records);
//  * account for every byte, in order: each packet covers its 33 bytes, each skipped run its count, each
//    damaged packet its header byte, and each event starts where the one before ended (resynchronisation never
//    loses or reuses a byte);
//  * give packets that re-encode to their own bytes (stop byte 0xC0), 24-bit counts, an accelerometer reading
//    only with the standard stop byte, and losses that agree with the sample numbers (1 to 255, wrapping).
// The same bytes are also framed as a Cyton capture (header, bytes records, a gap record) and read back by the
// capture parser, which must give back exactly those records; and read raw, where it must stop with an error
// or hold the rest as left over, never crash.
import DeviceProtocol
import FuzzSupport

func decode(_ stream: UnsafeRawBufferPointer, chunks: [Int]?) -> [CytonEvent] {
    let decoder = CytonDecoder()
    var out: [CytonEvent] = []
    var at = 0
    for size in chunks ?? [stream.count] {
        decoder.feed(stream[at..<(at + size)]) { out.append($0) }
        at += size
    }
    decoder.finish { out.append($0) }
    return out
}

/// The events against the stream they came from.
func checkAccounting(_ stream: UnsafeRawBufferPointer, _ events: [CytonEvent]) {
    var position: UInt64 = 0
    var last: UInt8?
    var lostBefore: (count: Int, before: UInt8)?
    for e in events {
        switch e {
        case .packet(let p):
            require(p.offset == position, "packet at \(p.offset), expected at \(position)")
            require(Int(p.offset) + Cyton.packetLength <= stream.count, "packet past the end at \(p.offset)")
            require(stream[Int(p.offset)] == Cyton.header && Cyton.stopBytes.contains(p.stopByte), "not a packet")
            require(p.counts.count == Cyton.channels && p.counts.allSatisfy { (-(1 << 23)..<(1 << 23)).contains($0) },
                    "counts \(p.counts)")
            require(p.accel == nil || p.stopByte == Cyton.standardStop, "accelerometer with stop byte \(p.stopByte)")
            if p.stopByte == Cyton.standardStop {
                let own = Array(stream[Int(p.offset)..<(Int(p.offset) + Cyton.packetLength)])
                require(p.bytes == own, "packet at \(p.offset) does not re-encode to its bytes")
            }
            if let last {
                let lost = Cyton.packetsLost(after: last, got: p.sampleNumber)
                let said = lostBefore.map { $0.count == lost && $0.before == p.sampleNumber }
                require(lost == 0 ? lostBefore == nil : said == true,
                        "loss \(String(describing: lostBefore)) before \(p.sampleNumber) after \(last)")
            } else {
                require(lostBefore == nil, "a loss before the first packet")
            }
            (last, lostBefore) = (p.sampleNumber, nil)
            position += UInt64(Cyton.packetLength)
        case .lost(let count, let before):
            require((1...255).contains(count) && lostBefore == nil, "lost \(count) before \(before)")
            lostBefore = (count, before)
        case .damaged(let offset):
            require(offset == position && stream[Int(offset)] == Cyton.header, "damaged at \(offset), at \(position)")
            position += 1
        case .skipped(let count, let offset):
            require(offset == position && count > 0, "skipped \(count) at \(offset), expected at \(position)")
            position += UInt64(count)
        }
    }
    require(lostBefore == nil, "a loss with no packet after it")
    require(position == UInt64(stream.count), "events cover \(position) of \(stream.count) bytes")
}

/// The input as a capture: its bytes in records of input-derived sizes, a gap record in the middle.
func checkCapture(_ stream: UnsafeRawBufferPointer) {
    let header = CytonCapture.Header(port: "/dev/ttyUSB0", channels: [1, 2], gain: 24, firmware: "v3.1.2")
    var file = header.bytes
    var records: [[UInt8]] = []
    var at = 0
    for size in chunkSizes(for: stream) {
        let piece = Array(stream[at..<(at + size)])
        records.append(piece)
        file += CytonCapture.bytesRecord(piece)
        at += size
    }
    let micros = UInt64(stream.count) * 4000
    file += CytonCapture.gapRecord(micros: micros)
    var read: [[UInt8]] = [], gaps: [UInt64] = [], headers = 0
    let parser = CytonCaptureParser()
    do {
        var from = 0
        for n in file.withUnsafeBytes({ chunkSizes(for: $0) }) {
            try parser.feed(file[from..<(from + n)]) { e in
                switch e {
                case .header(let h):
                    headers += 1
                    require(h == header, "header read back as \(h)")
                case .bytes(let b): read.append(Array(b))
                case .gap(let m): gaps.append(m)
                }
            }
            from += n
        }
    } catch {
        require(false, "a capture written by the writer was refused: \(error)")
    }
    require(headers == 1 && read == records, "\(read.count) records read back of \(records.count), or not as written")
    require(gaps == [micros] && parser.leftoverBytes == 0, "gap \(gaps), \(parser.leftoverBytes) bytes left")
    // The raw input as a capture: refused or read, never a crash.
    let raw = CytonCaptureParser()
    _ = try? raw.feed(stream) { _ in }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    guard bytes.count > 0 else { return 0 }
    let whole = decode(bytes, chunks: nil)
    require(whole == decode(bytes, chunks: chunkSizes(for: bytes)), "chunking changed the events")
    checkAccounting(bytes, whole)
    checkCapture(bytes)
    return 0
}
