import Foundation
import TestSupport
import Testing

@testable import DeviceProtocol

/// One case of Firmware/protocol/golden_vectors.txt.
struct GoldenCase: CustomStringConvertible {
    var name: String
    var bytes: [UInt8] = []
    var expectations: [[String: String]] = []  // each has "outcome" plus its key=value tokens
    var description: String { name }
}

enum GoldenFile {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Firmware/protocol/golden_vectors.txt")

    static func load() throws -> [GoldenCase] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var cases: [GoldenCase] = []
        var current: GoldenCase?
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = line.split(separator: " ").map(String.init)
            switch words[0] {
            case "case": current = GoldenCase(name: words[1])
            case "bytes":
                let hex = words.dropFirst().joined()
                var i = hex.startIndex
                while i < hex.endIndex {
                    let j = hex.index(i, offsetBy: 2)
                    current!.bytes.append(UInt8(hex[i..<j], radix: 16)!)
                    i = j
                }
            case "expect":
                var fields = ["outcome": words[1]]
                for token in words.dropFirst(2) {
                    let kv = token.split(separator: "=", maxSplits: 1).map(String.init)
                    fields[kv[0]] = kv.count > 1 ? kv[1] : ""
                }
                current!.expectations.append(fields)
            case "end":
                cases.append(current!)
                current = nil
            default:
                Issue.record("golden_vectors.txt line \(number + 1): unknown directive \(words[0])")
            }
        }
        return cases
    }

    /// Renders a decoder outcome as the golden file's key=value fields.
    static func fields(_ event: DecoderEvent) -> [String: String] {
        switch event {
        case .error(let kind, let offset): return ["outcome": "error", "kind": kind.rawValue, "offset": "\(offset)"]
        case .gap(let e, let g, let l): return ["outcome": "gap", "expected": "\(e)", "got": "\(g)", "lost": "\(l)"]
        case .reorder(let e, let g): return ["outcome": "reorder", "expected": "\(e)", "got": "\(g)"]
        case .frame(let view): return fields(view.frame())
        }
    }

    static func fields(_ frame: Frame) -> [String: String] {
        var f = ["outcome": "frame", "type": frame.message.type.name, "seq": "\(frame.sequence)",
                 "ts": "\(frame.timestampMicros)"]
        func list(_ values: [Int16]) -> String { values.isEmpty ? "-" : values.map(String.init).joined(separator: ",") }
        switch frame.message {
        case .sampleBlock(let s):
            f["emg_index"] = "\(s.emgIndex)"; f["accel_index"] = "\(s.accelIndex)"
            f["channels"] = "\(s.emgChannels)"; f["axes"] = "\(s.accelAxes)"; f["flags"] = "\(s.flags)"
            f["emg"] = list(s.emg); f["accel"] = list(s.accel)
        case .deviceInfo(let d):
            f["serial"] = d.serial; f["fw"] = d.firmwareString; f["hw"] = "\(d.hwRevision)"
            f["channels"] = "\(d.emgChannels)"; f["axes"] = "\(d.accelAxes)"; f["mains"] = "\(d.mainsHz)"
            f["adc_bits"] = "\(d.adcBits)"; f["emg_rate"] = "\(d.emgRateHz)"; f["accel_rate"] = "\(d.accelRateHz)"
            f["emg_uv_per_lsb"] = "\(d.emgMicrovoltsPerLSB)"; f["accel_g_per_lsb"] = "\(d.accelGPerLSB)"
            f["block"] = "\(d.emgBlockSamples)"; f["boot_id"] = "\(d.bootID)"
            f["sites"] = d.emgSites.map(String.init).joined(separator: ",")
        case .status(let s):
            f["battery_mv"] = "\(s.batteryMillivolts)"; f["battery_percent"] = "\(s.batteryPercent)"
            f["contact"] = "\(s.electrodeContact)"; f["overflow"] = "\(s.overflowSamples)"
            f["dropped"] = "\(s.framesDropped)"; f["state"] = "\(s.stateFlags)"
        case .ack(let a):
            f["command"] = "\(a.command)"; f["result"] = "\(a.result)"; f["token"] = "\(a.token)"
        case .command(let c):
            f["token"] = "\(c.token)"
            if case .configure(_, let e, let a, let m, let ch) = c {
                f["emg_rate"] = "\(e)"; f["accel_rate"] = "\(a)"; f["mains"] = "\(m)"; f["channels"] = "\(ch)"
            }
        }
        return f
    }

    /// Builds the owned frame an expectation describes (for encode vectors).
    static func frame(from f: [String: String]) -> Frame? {
        func int<T: FixedWidthInteger>(_ k: String) -> T { T(f[k]!, radix: 10) ?? T(f[k]!.dropFirst(2), radix: 16)! }
        func list(_ k: String) -> [Int16] { f[k] == "-" ? [] : f[k]!.split(separator: ",").map { Int16($0)! } }
        let seq: UInt32 = int("seq"), ts: UInt64 = int("ts")
        let message: Message
        switch f["type"]! {
        case "sample_block":
            message = .sampleBlock(SampleBlock(emgIndex: int("emg_index"), accelIndex: int("accel_index"),
                                               emgChannels: int("channels"), accelAxes: int("axes"),
                                               flags: int("flags"), emg: list("emg"), accel: list("accel")))
        case "device_info":
            let fw = f["fw"]!.split(separator: ".").map { UInt8($0)! }
            message = .deviceInfo(DeviceInfo(serial: f["serial"]!, fwMajor: fw[0], fwMinor: fw[1], fwPatch: fw[2],
                                             hwRevision: int("hw"), emgChannels: int("channels"),
                                             accelAxes: int("axes"), mainsHz: int("mains"), adcBits: int("adc_bits"),
                                             emgRateHz: int("emg_rate"), accelRateHz: int("accel_rate"),
                                             emgMicrovoltsPerLSB: Float(f["emg_uv_per_lsb"]!)!,
                                             accelGPerLSB: Float(f["accel_g_per_lsb"]!)!, emgBlockSamples: int("block"),
                                             bootID: int("boot_id"),
                                             emgSites: f["sites"]!.split(separator: ",").map { UInt8($0)! }))
        case "status":
            message = .status(DeviceStatus(batteryMillivolts: int("battery_mv"), batteryPercent: int("battery_percent"),
                                           electrodeContact: int("contact"), overflowSamples: int("overflow"),
                                           framesDropped: int("dropped"), stateFlags: int("state")))
        case "ack": message = .ack(Ack(command: int("command"), result: int("result"), token: int("token")))
        case "start": message = .command(.start(token: int("token")))
        case "stop": message = .command(.stop(token: int("token")))
        case "identify": message = .command(.identify(token: int("token")))
        case "time_sync": message = .command(.timeSync(token: int("token")))
        case "get_status": message = .command(.getStatus(token: int("token")))
        case "configure": message = .command(.configure(token: int("token"), emgRateHz: int("emg_rate"),
                                                        accelRateHz: int("accel_rate"), mainsHz: int("mains"),
                                                        emgChannels: int("channels")))
        default: return nil
        }
        return Frame(sequence: seq, timestampMicros: ts, message: message)
    }

    /// Compares rendered fields with expected ones; numbers compare as numbers (floats as binary32).
    static func matches(_ got: [String: String], _ want: [String: String]) -> Bool {
        guard Set(got.keys) == Set(want.keys) else { return false }
        for (k, w) in want {
            let g = got[k]!
            if g == w { continue }
            if let gd = Double(g), let wd = Double(w), Float(gd) == Float(wd) { continue }
            if w.hasPrefix("0x"), let wv = UInt64(w.dropFirst(2), radix: 16), UInt64(g) == wv { continue }
            return false
        }
        return true
    }
}

@Suite struct GoldenVectorTests {
    static let cases: [GoldenCase] = (try? GoldenFile.load()) ?? []

    @Test func fileIsPresentAndCoversEveryOutcome() throws {
        let cases = try GoldenFile.load()
        #expect(cases.count >= 30)
        let outcomes = Set(cases.flatMap { $0.expectations.map { $0["outcome"]!
                                                                 + ($0["kind"].map { ":" + $0 } ?? "") } })
        for kind in DecodeErrorKind.allCases {
            #expect(outcomes.contains("error:\(kind.rawValue)"), "no golden case for error kind \(kind)")
        }
        #expect(outcomes.contains("gap"))
        #expect(outcomes.contains("reorder"))
        let types = Set(cases.flatMap { $0.expectations.compactMap { $0["type"] } })
        for t in FrameType.allCases { #expect(types.contains(t.name), "no golden frame of type \(t.name)") }
    }

    @Test(arguments: [0, 1, 3, 7, 64, 4096])
    func decodesEveryCase(chunk: Int) throws {
        for c in try GoldenFile.load() {
            let decoder = FrameDecoder()
            var got: [[String: String]] = []
            let size = chunk == 0 ? max(c.bytes.count, 1) : chunk
            var i = 0
            while i < c.bytes.count {
                let piece = Array(c.bytes[i..<min(i + size, c.bytes.count)])
                decoder.feed(piece) { got.append(GoldenFile.fields($0)) }
                i += size
            }
            decoder.finish { got.append(GoldenFile.fields($0)) }
            #expect(got.count == c.expectations.count,
                    "case \(c.name): \(got.count) outcomes, expected \(c.expectations.count)")
            for (g, w) in zip(got, c.expectations) {
                #expect(GoldenFile.matches(g, w),
                        Comment(rawValue: "case \(c.name) chunk \(chunk): got \(g.sorted { $0.key < $1.key })"
                                + " expected \(w.sorted { $0.key < $1.key })"))
            }
        }
    }

    @Test func encodesValidCasesByteForByte() throws {
        var checked = 0
        for c in try GoldenFile.load() where c.name.hasPrefix("valid_") {
            var bytes: [UInt8] = []
            for e in c.expectations where e["outcome"] == "frame" {
                let frame = try #require(GoldenFile.frame(from: e), "case \(c.name)")
                FrameEncoder.encode(frame, appendingTo: &bytes)
            }
            #expect(bytes == c.bytes, "case \(c.name): encoding differs")
            checked += 1
        }
        #expect(checked >= 10)
    }
}

@Suite(.tags(.fuzz)) struct CodecPropertyTests {
    @Test func crcCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32C.softwareChecksum($0) } == 0xE306_9283)
    }

    @Test func hardwareAndTableCRCAgreeOnEveryLength() {
        var rng = SplitMix64(seed: 3)
        for length in 0..<300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes.withUnsafeBytes { #expect(CRC32C.checksum($0) == CRC32C.softwareChecksum($0)) }
        }
    }

    @Test func cobsRoundTripsEveryLengthAroundBlockBoundaries() {
        var rng = SplitMix64(seed: 7)
        for length in [0, 1, 2, 253, 254, 255, 508, 509, 1044] {
            for zeroEvery in [0, 1, 3, 300] {
                var input = (0..<length).map { _ in UInt8.random(in: 1...255, using: &rng) }
                if zeroEvery > 0 { for k in stride(from: 0, to: length, by: zeroEvery) { input[k] = 0 } }
                var encoded: [UInt8] = []
                input.withUnsafeBytes { COBS.encode($0, into: &encoded) }
                #expect(!encoded.contains(0))
                #expect(encoded.count <= COBS.maxEncodedCount(length))
                var out = [UInt8](repeating: 0, count: length + 8)
                let n = encoded.withUnsafeBytes { e in out.withUnsafeMutableBytes { COBS.decode(e, into: $0) } }
                #expect(n == length)
                #expect(Array(out.prefix(length)) == input)
            }
        }
    }

    /// The bulk-copy decoder against the textbook one (run by run), on valid encodings and on damaged
    /// bytes (any non-zero bytes: a code pointing past the end must give nil, and nothing else may differ).
    @Test func cobsDecodeEqualsTheRunByRunDefinition() {
        func reference(_ e: [UInt8]) -> [UInt8]? {
            var out: [UInt8] = []
            var i = 0
            while i < e.count {
                let code = Int(e[i])
                if code == 0 || i + code > e.count { return nil }
                out += e[(i + 1)..<(i + code)]
                i += code
                if code != 0xFF && i < e.count { out.append(0) }
            }
            return out
        }
        var rng = SplitMix64(seed: 11)
        var checked = 0, malformed = 0
        for trial in 0..<4000 {
            var encoded: [UInt8]
            let length = Int.random(in: 0...1100, using: &rng)
            if trial % 2 == 0 {
                // Valid: data with zeros from never to every byte, long zero-free stretches included.
                let p = [0.0, 0.002, 0.05, 0.5, 1.0].randomElement(using: &rng)!
                let input = (0..<length).map { _ in
                    Double.random(in: 0..<1, using: &rng) < p ? 0 : UInt8.random(in: 1...255, using: &rng)
                }
                encoded = []
                input.withUnsafeBytes { COBS.encode($0, into: &encoded) }
                if Bool.random(using: &rng)
                    && !encoded.isEmpty { encoded[Int.random(in: 0..<encoded.count,
                                                             using: &rng)] = .random(in: 1...255, using: &rng) }
            } else {
                encoded = (0..<length).map { _ in UInt8.random(in: 1...255, using: &rng) }
            }
            var out = [UInt8](repeating: 0xAA, count: encoded.count + 8)
            let n = encoded.withUnsafeBytes { e in out.withUnsafeMutableBytes { COBS.decode(e, into: $0) } }
            let expected = reference(encoded)
            #expect(n == expected?.count,
                    Comment(rawValue: "trial \(trial): \(String(describing: n)) bytes, "
                            + "the definition gives \(String(describing: expected?.count))"))
            if let n, let expected { #expect(Array(out.prefix(n)) == expected,
                                             "trial \(trial)") } else { malformed += 1 }
            checked += 1
        }
        #expect(checked == 4000)
        #expect(malformed > 500, "the damaged inputs reach the malformed path")
    }

    @Test func cobsPairedDecodeEqualsTwoSingleDecodes() {
        var rng = SplitMix64(seed: 12)
        func input() -> [UInt8] {
            let length = Int.random(in: 0...700, using: &rng)
            if Bool.random(using: &rng) { return (0..<length).map { _ in UInt8.random(in: 1...255, using: &rng) } }
            let p = [0.0, 0.05, 0.5].randomElement(using: &rng)!
            let raw = (0..<length).map { _ in
                Double.random(in: 0..<1, using: &rng) < p ? 0 : UInt8.random(in: 1...255, using: &rng)
            }
            var e: [UInt8] = []
            raw.withUnsafeBytes { COBS.encode($0, into: &e) }
            return e
        }
        var malformed = 0
        for trial in 0..<2000 {
            let a = input(), b = input()
            var oneA = [UInt8](repeating: 0xAA, count: a.count + 8), oneB = [UInt8](repeating: 0xAA, count: b.count + 8)
            var twoA = oneA, twoB = oneB
            let na = a.withUnsafeBytes { e in oneA.withUnsafeMutableBytes { COBS.decode(e, into: $0) } }
            let nb = b.withUnsafeBytes { e in oneB.withUnsafeMutableBytes { COBS.decode(e, into: $0) } }
            let (pa, pb) = a.withUnsafeBytes { ea in b.withUnsafeBytes { eb in
                twoA.withUnsafeMutableBytes { oa in twoB.withUnsafeMutableBytes { ob in
                    COBS.decode(ea, into: oa, eb, into: ob)
                } } } }
            #expect(pa == na && pb == nb,
                    Comment(rawValue: "trial \(trial): paired \(String(describing: pa)), \(String(describing: pb)); "
                            + "single \(String(describing: na)), \(String(describing: nb))"))
            if let na { #expect(twoA.prefix(na) == oneA.prefix(na), "trial \(trial), first") }
            if let nb { #expect(twoB.prefix(nb) == oneB.prefix(nb), "trial \(trial), second") }
            if na == nil || nb == nil { malformed += 1 }
        }
        #expect(malformed > 300, "the damaged inputs reach the malformed path")
    }

    /// Fed in one piece, whole frames inside the chunk are decoded two at a time; fed a byte at a time, never.
    /// Both must report the same frames, errors, offsets and gaps, damaged frames included.
    @Test func decoderReportsTheSameWhetherFramesAreDecodedInPairsOrAlone() {
        var rng = SplitMix64(seed: 13)
        var stream: [UInt8] = []
        for i in 0..<400 {
            let frame = Frame(sequence: UInt32(i), timestampMicros: UInt64(i) * 16_000, message: .sampleBlock(
                SampleBlock(emgIndex: UInt32(i * 32), accelIndex: UInt32(i), emgChannels: 2, accelAxes: 3,
                            emg: (0..<64).map { _ in Int16.random(in: -300...300, using: &rng) }, accel: [0, 0, 4096])))
            var bytes = FrameEncoder.encode(frame)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0:  // corrupted
                bytes[Int.random(in: 0..<(bytes.count - 1), using: &rng)] = .random(in: 1...255, using: &rng)
            case 1: continue  // lost
            case 2: bytes.removeFirst(Int.random(in: 1..<(bytes.count - 1), using: &rng))  // starts mid-frame
            case 3: stream += [0, 0]  // empty frames
            default: break
            }
            stream += bytes
        }
        func events(chunk: Int) -> [String] {
            let decoder = FrameDecoder()
            var out: [String] = []
            let handle: (DecoderEvent) -> Void = {
                switch $0 {
                case .frame(let v): out.append("frame \(v.sequence) at \(v.offset): \(Array(v.payload).hashValue)")
                case .error(let kind, let offset): out.append("error \(kind) at \(offset)")
                case .gap(let e, let g, let l): out.append("gap \(e) \(g) \(l)")
                case .reorder(let e, let g): out.append("reorder \(e) \(g)")
                }
            }
            stream.withUnsafeBytes { all in
                var i = 0
                while i < all.count {
                    let n = min(chunk, all.count - i)
                    decoder.feed(UnsafeRawBufferPointer(rebasing: all[i..<(i + n)]), handle)
                    i += n
                }
            }
            decoder.finish(handle)
            return out
        }
        let whole = events(chunk: stream.count), single = events(chunk: 1)
        let first = (0..<min(whole.count, single.count)).first { whole[$0] != single[$0] }
        #expect(whole.count == single.count && first == nil,
                Comment(rawValue: "\(whole.count) vs \(single.count) events; first difference at "
                        + "\(first.map { "\($0): \(whole[$0]) vs \(single[$0])" } ?? "the end")"))
        #expect(whole.filter { $0.hasPrefix("frame") }.count > 250)
        #expect(whole.filter { $0.hasPrefix("error") }.count > 40)
        #expect(events(chunk: 700) == single, "fed 700 bytes at a time")
    }

    @Test func decodeOfEncodeIsIdentityForRandomSampleBlocks() {
        var rng = SplitMix64(seed: 42)
        let decoder = FrameDecoder()
        for sequence in 0..<200 as Range<UInt32> {
            let channels = Int.random(in: 0...4, using: &rng)
            let axes = Bool.random(using: &rng) ? 3 : 0
            let n = Int.random(in: 0...(channels == 0 ? 0 : 100 / channels), using: &rng)
            let m = Int.random(in: 0...4, using: &rng)
            let block = SampleBlock(
                emgIndex: .random(in: 0...UInt32.max, using: &rng),
                accelIndex: .random(in: 0...UInt32.max, using: &rng),
                emgChannels: channels, accelAxes: axes, flags: UInt16.random(in: 0...3, using: &rng),
                emg: (0..<(n * channels)).map { _ in Int16.random(in: .min ... .max, using: &rng) },
                accel: (0..<(m * axes)).map { _ in Int16.random(in: .min ... .max, using: &rng) })
            let frame = Frame(sequence: sequence, timestampMicros: .random(in: 0...UInt64.max, using: &rng),
                              message: .sampleBlock(block))
            var decoded: [Frame] = []
            decoder.feed(FrameEncoder.encode(frame)) { if case .frame(let v) = $0 { decoded.append(v.frame()) } }
            #expect(decoded == [frame])
        }
    }

    @Test func resynchronisesAfterGarbageWithinOneFrame() {
        var rng = SplitMix64(seed: 9)
        let frames = (0..<50).map { i in
            Frame(sequence: UInt32(i), timestampMicros: UInt64(i) * 16_000, message: .sampleBlock(
                SampleBlock(emgIndex: UInt32(i * 32), accelIndex: UInt32(i), emgChannels: 2, accelAxes: 3,
                            emg: (0..<64).map { _ in Int16.random(in: -500...500, using: &rng) }, accel: [0, 0, 4096])))
        }
        var stream: [UInt8] = []
        for (i, f) in frames.enumerated() {
            if i == 20 { stream += (0..<37).map { _ in UInt8.random(in: 0...255, using: &rng) } }
            FrameEncoder.encode(f, appendingTo: &stream)
        }
        let decoder = FrameDecoder()
        var sequences: [UInt32] = []
        var gaps = 0
        decoder.feed(stream) {
            switch $0 {
            case .frame(let v): sequences.append(v.sequence)
            case .gap: gaps += 1
            default: break
            }
        }
        // Garbage may swallow at most the frame that follows it.
        #expect(sequences.count >= 49)
        #expect(Set(sequences).isSuperset(of: Set((0..<50).map(UInt32.init)).subtracting([20])))
        #expect(gaps == 50 - sequences.count)
    }
}
