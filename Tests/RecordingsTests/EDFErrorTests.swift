import Foundation
import Recordings
import TestSupport
import Testing

/// Bad files give one clear error naming the file, the field and the byte offset; never a crash or a wrong read.
@Suite(.tags(.sharedData, .fuzz), .temporaryFolder) struct EDFErrorTests {
    static func sampleBytes() throws -> [UInt8] {
        Array(try Data(contentsOf: Paths.edfSamples.appendingPathComponent("mne_test_uneven_samp.edf")))
    }

    static func expectError(_ bytes: [UInt8], offset: UInt64?, mentions words: [String],
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = try TemporaryFolder.make("bad")
        let path = dir.appendingPathComponent("bad.edf").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try EDFReader(path: path)
            Issue.record("no error for a bad file", sourceLocation: sourceLocation)
        } catch let e as RecordingError {
            #expect(e.path == path, sourceLocation: sourceLocation)
            #expect(e.offset == offset, "\(e)", sourceLocation: sourceLocation)
            for w in words {
                #expect(e.description.contains(w), "\(e) should mention \(w)", sourceLocation: sourceLocation)
            }
            #expect(e.description.hasPrefix("\(path): "), sourceLocation: sourceLocation)
        }
    }

    static func replacing(_ b: [UInt8], at offset: Int, _ text: String) -> [UInt8] {
        var b = b
        let t = Array(text.utf8)
        b.replaceSubrange(offset..<(offset + t.count), with: t)
        return b
    }

    @Test func truncatedInsideTheFixedHeader() throws {
        try Self.expectError(Array(try Self.sampleBytes().prefix(100)), offset: 100, mentions: ["256-byte", "cut off"])
    }

    @Test func truncatedInsideTheSignalHeaders() throws {
        try Self.expectError(Array(try Self.sampleBytes().prefix(400)), offset: 400,
                             mentions: ["signal headers", "2 signals"])
    }

    @Test func truncatedDataRecords() throws {
        let b = try Self.sampleBytes()
        try Self.expectError(Array(b.prefix(b.count - 10)), offset: 236,
                             mentions: ["number of data records says 11", "only 10 complete records",
                                        "crampwatch repair"])
    }

    @Test func headerSizeDisagreesWithSignalCount() throws {
        try Self.expectError(Self.replacing(try Self.sampleBytes(), at: 184, "1024    "), offset: 184,
                             mentions: ["1024 bytes", "must be 768"])
    }

    @Test func corruptNumberFields() throws {
        let b = try Self.sampleBytes()
        try Self.expectError(Self.replacing(b, at: 236, "eleven  "), offset: 236,
                             mentions: ["number of data records", "\"eleven\""])
        try Self.expectError(Self.replacing(b, at: 244, "abc     "), offset: 244,
                             mentions: ["duration of a data record", "not a number"])
        try Self.expectError(Self.replacing(b, at: 176, "10:11:12"), offset: 176, mentions: ["start time", "hh.mm.ss"])
        var ctl = b
        ctl[20] = 0x01
        try Self.expectError(ctl, offset: 20, mentions: ["control byte"])
        try Self.expectError(Self.replacing(b, at: 0, "1       "), offset: 0, mentions: ["not an EDF or BDF file"])
    }

    @Test func impossibleSamplingRateAndDigitalRange() throws {
        let b = try Self.sampleBytes()
        // 2 signals: samples-per-record field of signal 1 is at 256 + 2*(16+80+8*5+80) = 688.
        try Self.expectError(Self.replacing(b, at: 688, "0       "), offset: 688,
                             mentions: ["signal 1", "samples per data record is impossible"])
        // digital maximum of signal 2 below its minimum (digital max field at 256 + 2*(16+80+8*3) + 8).
        let dmax2: Int = 256 + 2 * 120 + 8
        let dminField: UInt64 = 256 + 2 * 120 + 8
        try Self.expectError(Self.replacing(b, at: dmax2, "-40000  "), offset: dminField,
                             mentions: ["signal 2", "digital range"])
        try Self.expectError(Self.replacing(b, at: 244, "-1      "), offset: 244,
                             mentions: ["duration of a data record is -1 s"])
    }

    @Test func damagedAnnotationIsReportedWithItsOffset() throws {
        let src = Paths.edfSamples.appendingPathComponent("pyedflib_test_utf8_annotations.edf")
        var b = Array(try Data(contentsOf: src))
        let r0 = try EDFReader(path: src.path)
        let at = Int(r0.offset(ofRecord: 3)) + r0.header.offsetInRecord(r0.header.annotationSignal!)
        b[at] = UInt8(ascii: "x")
        let dir = try TemporaryFolder.make("tal")
        let path = dir.appendingPathComponent("t.edf").path
        try Data(b).write(to: URL(fileURLWithPath: path))
        let r = try EDFReader(path: path)
        #expect(throws: RecordingError.self) { try r.allAnnotations() }
        do { _ = try r.allAnnotations() } catch let e as RecordingError {
            #expect(e.offset == UInt64(at))
            #expect(e.description.contains("annotation"))
        }
    }
}
