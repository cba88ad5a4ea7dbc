import Foundation
import TestSupport
import Testing

@testable import DeviceProtocol

/// PROTOCOL.md allows `emg_channels` 0 (0 … 4) in `device_info` and `sample_block`: an accelerometer-only device.
/// The independent Python generator (Firmware/protocol/gen_golden_vectors.py, used here as a library, writing its
/// own file to a temporary path) builds such frames; the Swift codec must encode them byte for byte and decode
/// them to the same values.
@Suite(.tags(.python), .temporaryFolder) struct AccelerometerOnlyFrameTests {
    static let generator = GoldenFile.url.deletingLastPathComponent()
        .appendingPathComponent("gen_golden_vectors.py").path

    /// Frames as the Python generator encodes and renders them: (bytes, rendered expectation).
    static func pythonFrames() async throws -> [(name: String, bytes: [UInt8], expect: [String: String])] {
        let scratch = TemporaryFolder.path("golden.txt")
        let script = """
            import runpy, sys
            generator, scratch = sys.argv[1], sys.argv[2]
            sys.argv = ["gen_golden_vectors.py", scratch]  # the generator writes its file here, not over the real one
            g = runpy.run_path(generator)
            info = dict(g["INFO"]); info.update(channels=0, emg_rate=0, emg_uv_per_lsb=0.0, block=0,
                                                sites=[0, 0, 0, 0], serial="CW-ACC1")
            frames = [
                ("accel_only_info", info),
                ("accel_only_block", g["sample"](3, 1516000, ch=0, ax=3, n=0, m=4, emg=[],
                                                 accel=[0, -4096, 4096, 12, -12, 4100, 32767, -32768, 1, 2, 3, 4096],
                                                 emg_index=0, accel_index=100)),
                ("accel_only_empty_block", g["sample"](4, 1556000, ch=0, ax=3, n=0, m=0, emg=[], accel=[],
                                                       emg_index=0, accel_index=104)),
            ]
            for name, f in frames:
                print("case " + name)
                print("bytes " + g["wire"](g["body"](f)).hex())
                print("expect " + g["render"](f))
            """
        let p = try await Python.run(["-c", script, generator, scratch])
        guard p.status == 0 else { throw GeneratorFailure(description: p.stderr) }
        var frames: [(String, [UInt8], [String: String])] = []
        var name = "", bytes: [UInt8] = []
        for line in p.stdout.split(separator: "\n").map(String.init) {
            let words = line.split(separator: " ").map(String.init)
            switch words.first {
            case "case": name = words[1]
            case "bytes":
                let hex = Array(words[1].utf8)
                bytes = stride(from: 0, to: hex.count, by: 2).map {
                    UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)!
                }
            case "expect":
                var fields = ["outcome": words[1]]
                for token in words.dropFirst(2) {
                    let kv = token.split(separator: "=", maxSplits: 1).map(String.init)
                    fields[kv[0]] = kv.count > 1 ? kv[1] : ""
                }
                frames.append((name, bytes, fields))
            default: break
            }
        }
        return frames
    }

    struct GeneratorFailure: Error, CustomStringConvertible { let description: String }

    @Test func pythonAndSwiftAgreeOnAccelerometerOnlyFrames() async throws {
        let frames = try await Self.pythonFrames()
        #expect(frames.map(\.name) == ["accel_only_info", "accel_only_block", "accel_only_empty_block"])
        for f in frames {
            // Encode: the frame the Python rendering describes, byte for byte.
            let frame = try #require(GoldenFile.frame(from: f.expect), "\(f.name)")
            var encoded: [UInt8] = []
            FrameEncoder.encode(frame, appendingTo: &encoded)
            #expect(encoded == f.bytes, "\(f.name): Swift encodes \(encoded.count) bytes, Python \(f.bytes.count)")
            // Decode: the same values, no error.
            let decoder = FrameDecoder()
            var got: [[String: String]] = []
            decoder.feed(f.bytes) { got.append(GoldenFile.fields($0)) }
            decoder.finish { got.append(GoldenFile.fields($0)) }
            #expect(got.count == 1 && GoldenFile.matches(got[0], f.expect), "\(f.name): \(got)")
        }
        // The decoded block: no EMG, four accelerometer samples.
        let decoder = FrameDecoder()
        var block: SampleBlock?
        decoder.feed(frames[1].bytes) {
            if case .frame(let v) = $0, case .sampleBlock(let b) = v.message() { block = b }
        }
        let b = try #require(block)
        #expect(b.emgChannels == 0 && b.emgCount == 0 && b.emg.isEmpty && b.accelCount == 4 && b.accelIndex == 100)
        #expect(b.accel == [0, -4096, 4096, 12, -12, 4100, 32767, -32768, 1, 2, 3, 4096])
        var info: DeviceInfo?
        decoder.feed(frames[0].bytes) { if case .frame(let v) = $0, case .deviceInfo(let d) = v.message() { info = d } }
        #expect(info?.emgChannels == 0 && info?.accelAxes == 3 && info?.emgRateHz == 0 && info?.accelRateHz == 100)
    }
}
