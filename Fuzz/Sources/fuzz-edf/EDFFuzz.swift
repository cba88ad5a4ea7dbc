// libFuzzer target: the EDF/EDF+/BDF/BDF+ reader (Sources/Recordings: EDFHeader, EDFReader, TAL, EDFRepair,
// ChannelSelector), on a real file, as replay opens it.
//
// Arbitrary file bytes must give either a RecordingError naming the file, with a byte offset inside the file
// when it has one, or a reader whose
//  * complete records fit in the file (header + records × record size ≤ file size);
//  * samples are finite in every unit replay converts to (×1 to ×10⁶ for V → µV, as Float) and lie within the
//    physical values of the format's full integer range;
//  * annotations parse or fail with an offset inside the annotation signal of a record;
// and a file that needs repair (record count -1) is repaired to exactly its complete records.
import FuzzSupport
import Recordings

func checkError(_ error: Error, path: String, fileSize: Int, _ context: String) {
    guard let e = error as? RecordingError else { return require(false, "\(context): not a RecordingError: \(error)") }
    require(e.path == path, "\(context): error names \(e.path), not the file")
    if let o = e.offset { require(o <= UInt64(fileSize) + 256, "\(context): offset \(o) beyond the \(fileSize)-byte file: \(e)") }
    require(!e.message.isEmpty && !e.message.contains("\n") && !e.message.contains("\r"), "\(context): message is empty or not one line: \(e)")
}

/// At most this many samples are converted per input, so huge declared records stay cheap.
let sampleBudget = 200_000

func readAll(_ reader: EDFReader, path: String, fileSize: Int) {
    let h = reader.header
    require(reader.recordCount >= 0, "record count \(reader.recordCount)")
    require(h.headerBytes + reader.recordCount * h.recordBytes <= fileSize, "\(reader.recordCount) records of \(h.recordBytes) bytes do not fit in \(fileSize) bytes")
    let limit: ClosedRange<Int32> = h.isBDF ? -8_388_608...8_388_607 : -32768...32767
    var budget = sampleBudget
    var out = [Float](repeating: 0, count: 1)
    for r in 0..<reader.recordCount where budget > 0 {
        do { try reader.load(record: r) } catch { return checkError(error, path: path, fileSize: fileSize, "load record \(r)") }
        for (i, s) in h.signals.enumerated() where !s.isAnnotations && budget > 0 {
            let n = s.samplesPerRecord
            budget -= n
            if out.count < n { out = [Float](repeating: 0, count: n) }
            let lo = min(s.physical(limit.lowerBound), s.physical(limit.upperBound)), hi = max(s.physical(limit.lowerBound), s.physical(limit.upperBound))
            for factor in [1.0, 1_000_000] {
                out.withUnsafeMutableBufferPointer { reader.physical(signal: i, factor: factor, into: $0) }
                for k in 0..<n {
                    require(out[k].isFinite, "signal \(i + 1) (\(s.label)) sample \(k) of record \(r) is \(out[k]) at ×\(factor): physical \(s.physicalMinimum)…\(s.physicalMaximum)")
                    let v = Double(out[k]) / factor
                    let slack = (hi - lo) * 1e-5 + abs(hi) * 1e-6 + abs(lo) * 1e-6 + 1e-30
                    require(v >= lo - slack && v <= hi + slack, "signal \(i + 1) sample \(k) of record \(r) is \(v), outside \(lo)…\(hi)")
                }
            }
        }
        do { _ = try reader.annotationsInLoadedRecord() } catch { checkError(error, path: path, fileSize: fileSize, "annotations of record \(r)") }
    }
    if reader.recordCount * h.recordBytes <= 1 << 20 {
        do { _ = try reader.recordOnsets() } catch { checkError(error, path: path, fileSize: fileSize, "record onsets") }
    }
    // The channel choice replay makes (labels, units, rates from the header).
    let data = h.signals.indices.filter { !h.signals[$0].isAnnotations }
    do {
        let choice = try ChannelSelector.choose(labels: data.map { h.signals[$0].label }, dimensions: data.map { h.signals[$0].physicalDimension },
                                                ratesHz: data.map { h.sampleRateHz($0) }, path: path, emgRequested: nil, accelRequested: nil)
        // Up to four EMG channels, or none when three accelerometer axes carry the night
        // alone (a bedside or accelerometer-only device); never neither, and never silently.
        require((0...4).contains(choice.emg.count) && (choice.accel.isEmpty || choice.accel.count == 3), "choice \(choice)")
        require(!choice.emg.isEmpty || (choice.accel.count == 3 && !choice.notes.isEmpty), "choice \(choice)")
    } catch { checkError(error, path: path, fileSize: fileSize, "channel choice") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let path = writeScratch(bytes)
    let reader: EDFReader
    do { reader = try EDFReader(path: path) } catch {
        checkError(error, path: path, fileSize: bytes.count, "open")
        return 0
    }
    readAll(reader, path: path, fileSize: bytes.count)
    if reader.needsRepair {
        let complete = reader.recordCount
        do {
            let report = try EDFRepair.repair(path: path)
            require(report.recordsKept == complete, "repair kept \(report.recordsKept) records, the reader counted \(complete)")
            let again = try EDFReader(path: path)
            require(!again.needsRepair && again.recordCount == complete && again.trailingBytes == 0,
                    "after repair: needsRepair \(again.needsRepair), \(again.recordCount) records, \(again.trailingBytes) trailing bytes")
        } catch { checkError(error, path: path, fileSize: bytes.count, "repair") }
    }
    return 0
}
