// libFuzzer target: the CSV importer (Sources/Recordings/CSVSignals.swift) on a real file, as replay opens it.
//
// Arbitrary file bytes must give either a RecordingError naming the file, on one line, with a byte offset
// inside the file, or rows whose every value is finite (NaN and infinities are refused), with line numbers
// that only go up and line offsets inside the file.
import FuzzSupport
import Recordings

func checkError(_ error: Error, path: String, fileSize: Int, _ context: String) {
    guard let e = error as? RecordingError else { return require(false, "\(context): not a RecordingError: \(error)") }
    require(e.path == path, "\(context): error names \(e.path), not the file")
    if let o = e.offset { require(o <= UInt64(fileSize), "\(context): offset \(o) beyond the \(fileSize)-byte file: \(e)") }
    require(!e.message.isEmpty && !e.message.contains("\n") && !e.message.contains("\r"), "\(context): message is empty or not one line: \(e)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let path = writeScratch(bytes)
    let reader: CSVSignalReader
    do { reader = try CSVSignalReader(path: path) } catch {
        checkError(error, path: path, fileSize: bytes.count, "open")
        return 0
    }
    require(!reader.columns.isEmpty, "no columns")
    for c in reader.columns { _ = CSVSignalReader.unit(ofColumn: c) }
    let all = Array(reader.columns.indices)
    var values: [Double?] = []
    var lastLine = reader.line
    do {
        while try reader.next(all, into: &values) {
            require(values.count == all.count, "\(values.count) values for \(all.count) columns")
            for v in values { if let v { require(v.isFinite, "line \(reader.line): value \(v)") } }
            require(reader.line > lastLine, "line number went from \(lastLine) to \(reader.line)")
            require(reader.lineOffset < UInt64(bytes.count), "line offset \(reader.lineOffset) in a \(bytes.count)-byte file")
            lastLine = reader.line
        }
    } catch { checkError(error, path: path, fileSize: bytes.count, "line \(reader.line)") }
    return 0
}
