import DeviceProtocol
import Exports
import NightAnalysis
import Recordings
import SignalCore

/// A CSV file as a source for the night runner: one row per EMG sample, time from a time column (seconds) or
/// `--rate`; EMG columns in µV (or as the column name says: "emg (mV)", "emg_mv"); accelerometer columns in g
/// or m/s², which may be left empty on rows without an accelerometer sample (a slower accelerometer). Without
/// EMG columns (an accelerometer-only night) the rows are accelerometer samples, 1–1000 per second.
struct CSVSource {
    let path: String
    let csv: CSVSignalReader
    let names: [String]
    let timeIndex: Int?
    let choice: ChannelChoice
    /// Column indices.
    let emg: [Int], accel: [Int]
    var accelOnly: Bool { emg.isEmpty }

    static let timeColumnNames = ["time", "t", "time_s", "time (s)", "seconds", "timestamp", "time_sec", "t_s"]

    init(path: String, options: RecordingOptions) throws {
        self.path = path
        csv = try CSVSignalReader(path: path)
        let names = csv.columns, timeIndex = try Self.timeColumn(csv.columns, options: options, path: path)
        self.names = names
        self.timeIndex = timeIndex
        let dims = Self.dimensions(names, timeIndex: timeIndex)
        let candidates = names.indices.filter { $0 != timeIndex }
        let choice = try ChannelSelector.choose(labels: candidates.map { names[$0] },
                                                dimensions: candidates.map { dims[$0] },
                                            ratesHz: candidates.map { _ in 1 }, path: path,
                                            emgRequested: options.emgChannels, accelRequested: options.accelChannels)
        self.choice = choice
        emg = choice.emg.map { candidates[$0] }
        accel = choice.accel.map { candidates[$0] }
    }

    static func timeColumn(_ names: [String], options: RecordingOptions, path: String) throws -> Int? {
        let lower = names.map { $0.lowercased() }
        if let wanted = options.csvTimeColumn {
            guard let i = names.firstIndex(of: wanted) ?? lower.firstIndex(of: wanted.lowercased()) else {
                throw RecordingError(path: path, offset: 0,
                                     "--time-column \"\(wanted)\": no such column; the columns are "
                                     + "\(names.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
            return i
        }
        guard options.csvRateHz == nil else { return nil }
        guard let i = lower.firstIndex(where: { timeColumnNames.contains($0) }) else {
            throw RecordingError(path: path, offset: 0, "no time column (looked for time, t, time_s, seconds) and no "
                                                        + "--rate: give --rate HZ or --time-column NAME")
        }
        return i
    }

    /// Each column's physical dimension: from its name, else g for accelerometer-like names, else µV.
    static func dimensions(_ names: [String], timeIndex: Int?) -> [String] {
        names.enumerated().map { i, name in
            if i == timeIndex { return "s" }
            if let u = CSVSignalReader.unit(ofColumn: name) { return u }
            let l = name.lowercased()
            if l.contains("acc") || ["x", "y", "z", "ax", "ay", "az"].contains(l) { return "g" }
            return "uV"  // EMG without a unit in its name: µV, the usual unit of surface EMG.
        }
    }

    /// Reads ahead (at most 20000 rows) until the rate and the accelerometer's spacing are known.
    func layout(rateHz given: Double?) throws -> CSVLayout {
        var l = CSVLayout()
        var values: [Double?] = []
        let all = Array(names.indices)
        while l.firstRows.count < 20_000, l.firstRows.count < 2 || (!accel.isEmpty && l.accelRowsSeen.count < 2),
              try csv.next(all, into: &values) {
            if !accel.isEmpty, accel.allSatisfy({ values[$0] != nil }) { l.accelRowsSeen.append(l.firstRows.count) }
            l.firstRows.append(values)
            l.firstPlaces.append((csv.line, csv.lineOffset))
        }
        guard !l.firstRows.isEmpty else {
            throw RecordingError(path: path, offset: csv.lineOffset, "the CSV file has a header but no data rows")
        }
        var rate = given
        if let ti = timeIndex {
            guard let a = l.firstRows[0][ti] else {
                throw RecordingError(path: path, offset: 0, "the first row has no time in column \"\(names[ti])\"")
            }
            l.t0 = a
            if rate == nil { rate = try rateFromTimes(l, column: ti) }
        }
        guard let fsD = rate, let fs = EDFSource.wholeRate(fsD), accelOnly ? fs <= 1000 : fs >= 100
            && fs <= 20_000 else {
            throw RecordingError(path: path, offset: 0, accelOnly
                ? "sampling rate \(rate ?? 0) Hz cannot be used: an accelerometer-only CSV needs a whole number of "
                  + "rows per second from 1 to 1000"
                : "sampling rate \(rate ?? 0) Hz cannot be used: EMG needs a whole number of samples per second from "
                  + "100 to 20000")
        }
        l.fs = fs
        if !accel.isEmpty { l.accelEvery = try accelSpacing(l) }
        return l
    }

    private func rateFromTimes(_ l: CSVLayout, column ti: Int) throws -> Double {
        guard l.firstRows.count >= 2, let a = l.firstRows[0][ti], let b = l.firstRows[1][ti], b > a else {
            throw RecordingError(path: path, offset: 0, "cannot tell the sampling rate from column \"\(names[ti])\": "
                                                        + "its first two times do not increase; give --rate HZ")
        }
        let r = 1 / (b - a)
        guard abs(r - r.rounded()) <= max(1e-6, r * 1e-4) else {
            throw RecordingError(path: path, offset: 0, "column \"\(names[ti])\" steps by \(b - a) s, which is \(r) "
                                                        + "samples per second, not a whole number; give --rate HZ")
        }
        return r.rounded()
    }

    /// The accelerometer may be slower than the EMG: its cells are then empty between samples, every N rows.
    private func accelSpacing(_ l: CSVLayout) throws -> Int {
        guard l.accelRowsSeen.count == 2 || (l.accelRowsSeen.count == 1 && l.firstRows.count < 20_000) else {
            throw RecordingError(path: path, offset: 0,
                                 "the accelerometer columns "
                                 + "\(accel.map { "\"\(names[$0])\"" }.joined(separator: ", ")) hold no values in the "
                                 + "first rows; fill them or use --accel-channels none")
        }
        let every = l.accelRowsSeen.count == 2 ? l.accelRowsSeen[1] - l.accelRowsSeen[0] : 1
        guard l.fs % every == 0, l.fs / every <= 1000 else {
            throw RecordingError(path: path, offset: 0,
                                 "accelerometer values come every \(every) rows, which is "
                                 + "\(Double(l.fs) / Double(every)) Hz; the detector needs a whole number from 1 to "
                                 + "1000 Hz")
        }
        return every
    }

    func detector(configuration cfg: DetectorConfiguration, layout l: CSVLayout) throws -> NightDetector {
        do {
            return try NightDetector(configuration: cfg, sampleRateHz: l.fs, emgChannels: emg.count,
                                     accelRateHz: accel.isEmpty ? 0 : l.fs / l.accelEvery, accelAxes: accel.count)
        } catch {
            throw RecordingError(path: path, offset: nil, "the chosen columns cannot be used by the detector: \(error)")
        }
    }

    /// The file described as a device. The journal knows a device, and whether it has EMG and an accelerometer, by
    /// its serial: CSV files without EMG, or without an accelerometer, are other "devices".
    func deviceInfo(layout l: CSVLayout, mainsHz: Double) -> DeviceInfo {
        DeviceInfo(serial: accelOnly ? "CSV-ACCEL" : accel.isEmpty ? "CSV-EMG" : "CSV", emgChannels: emg.count,
                   accelAxes: accel.count, mainsHz: Int(mainsHz),
                   adcBits: 24, emgRateHz: accelOnly ? 0 : l.fs, accelRateHz: accel.isEmpty ? 0 : l.fs / l.accelEvery,
                   emgMicrovoltsPerLSB: 0, accelGPerLSB: 0, emgBlockSamples: accelOnly ? 0 : 1024, bootID: 0,
                   emgSites: emg.map { EDFSource.siteCode(names[$0]) } + Array(repeating: 0, count: 4 - emg.count))
    }

    /// Feeds the read-ahead rows, then the rest of the file, to the runner.
    func run(into runner: NightRunner, layout l: CSVLayout) throws {
        let feeder = CSVRowFeeder(source: self, layout: l, runner: runner)
        for (k, r) in l.firstRows.enumerated() {
            try feeder.take(r, line: l.firstPlaces[k].line, offset: l.firstPlaces[k].offset)
        }
        var values: [Double?] = []
        let all = Array(names.indices)
        while try csv.next(all, into: &values) { try feeder.take(values, line: csv.line, offset: csv.lineOffset) }
        try feeder.flush()
    }
}

/// What the first rows of a CSV file say: its rate and the accelerometer's spacing; the rows are fed afterwards.
struct CSVLayout {
    var firstRows: [[Double?]] = []
    /// Each read-ahead row's own line and byte offset, for its errors when it is processed.
    var firstPlaces: [(line: Int, offset: UInt64)] = []
    var accelRowsSeen: [Int] = []
    var t0 = 0.0
    var fs = 0
    var accelEvery = 1
}

/// Turns CSV rows into blocks of samples for the runner, checking time order, gaps and the accelerometer's cadence.
final class CSVRowFeeder {
    let s: CSVSource
    let runner: NightRunner
    let t0: Double, fs: Int, accelEvery: Int
    static let block = 1024
    var emgBuf: [Float] = []
    var accelBuf: [Float] = []
    /// Sample index of the next row.
    var row = 0
    /// The row (sample index) of the last accelerometer value; nil before the first and after a gap in time.
    var lastAccelRow: Int?

    init(source: CSVSource, layout l: CSVLayout, runner: NightRunner) {
        s = source
        self.runner = runner
        (t0, fs, accelEvery) = (l.t0, l.fs, l.accelEvery)
        emgBuf.reserveCapacity(Self.block * source.emg.count)
        accelBuf.reserveCapacity(Self.block * 3)
    }

    func flush() throws {
        guard !emgBuf.isEmpty || !accelBuf.isEmpty else { return }
        try emgBuf.withUnsafeBufferPointer { e in
            try accelBuf.withUnsafeBufferPointer { a in try runner.process(emg: e, accel: a) }
        }
        emgBuf.removeAll(keepingCapacity: true)
        accelBuf.removeAll(keepingCapacity: true)
    }

    func take(_ v: [Double?], line: Int, offset: UInt64) throws {
        if let ti = s.timeIndex { try checkTime(v[ti], column: ti, line: line, offset: offset) }
        for (c, i) in s.emg.enumerated() {
            guard let x = v[i] else {
                throw RecordingError(path: s.path, offset: offset,
                                     "line \(line), column \"\(s.names[i])\": the EMG cell is empty")
            }
            emgBuf.append(SampleLimits.emg(x * s.choice.emgToMicrovolts[c]))
        }
        if !s.accel.isEmpty { try takeAccel(v, line: line, offset: offset) }
        row += 1
        if s.accelOnly ? accelBuf.count >= Self.block * 3 : emgBuf.count >= Self.block * s.emg.count { try flush() }
    }

    /// Rows must be in time order; a jump forward of more than a sample and a half is a gap.
    private func checkTime(_ time: Double?, column ti: Int, line: Int, offset: UInt64) throws {
        guard let t = time else {
            throw RecordingError(path: s.path, offset: offset,
                                 "line \(line): the time cell (column \"\(s.names[ti])\") is empty")
        }
        let expected = t0 + Double(row) / Double(fs)
        let lateBy = t - expected
        if lateBy < -0.5 / Double(fs) {
            throw RecordingError(path: s.path, offset: offset,
                                 "line \(line): time \(t) s goes back (expected \(expected) s at \(fs) samples per "
                                 + "second); rows must be in time order")
        }
        if lateBy > 1.5 / Double(fs) {
            try flush()
            // A jump of days is a damaged time column, not a gap: refused before anything is done with it.
            let room = InputBounds.longestSeconds - (expected - t0)
            let n = try InputBounds.whole(lateBy * Double(fs), in: 0...max(0, room * Double(fs)), path: s.path,
                                          offset: offset,
                                          otherwise: "line \(line): time \(InputBounds.readable(t)) s is "
                                              + "\(InputBounds.readable(lateBy)) s after the row before; "
                                              + "a recording cannot be longer than 48 h, so the time column is "
                                              + "damaged here — correct or remove this line")
            try runner.gap(seconds: Double(n) / Double(fs), reason: "no rows in the CSV file", path: s.path,
                           offset: offset, place: "line \(line)")
            row += n
            lastAccelRow = nil  // resynchronise on the next row with accelerometer values
        }
    }

    /// The accelerometer's values come every `accelEvery` rows. Fewer rows than that between two of them means
    /// rows are missing (a lost packet in an OpenBCI file): the night gets a gap of the missing rows (and of the
    /// accelerometer values among them) before this row — the rows were lost somewhere in the last `accelEvery`,
    /// so the gap is placed up to that many samples late. A whole multiple of `accelEvery` rows with empty cells
    /// on the due rows is an accelerometer that stopped while the EMG went on: refused, as before.
    private func takeAccel(_ v: [Double?], line: Int, offset: UInt64) throws {
        let present = s.accel.map { v[$0] }
        let all = present.allSatisfy { $0 != nil }
        if !all && present.contains(where: { $0 != nil }) {
            throw RecordingError(path: s.path, offset: offset, "line \(line): some accelerometer cells are empty and "
                                                               + "others are not; give all three axes or none")
        }
        if let last = lastAccelRow {
            let n = row - last
            if all && n % accelEvery != 0 {
                try missingRows(n, line: line, offset: offset)
            } else if n >= accelEvery && (all ? n > accelEvery : n >= 2 * accelEvery) {
                throw RecordingError(path: s.path, offset: offset, "line \(line): the accelerometer cells are empty "
                                     + "where a value was due (every \(accelEvery) rows) while the EMG goes on")
            }
        }
        guard all else { return }
        for (c, x) in present.enumerated() { accelBuf.append(SampleLimits.accel(x! * s.choice.accelToG[c])) }
        lastAccelRow = row
    }

    /// `n` rows since the last accelerometer value, not a multiple of `accelEvery`: the rows to the next multiple
    /// are missing, with the accelerometer values due among them.
    private func missingRows(_ n: Int, line: Int, offset: UInt64) throws {
        let m = (n + accelEvery - 1) / accelEvery
        let k = m * accelEvery - n
        try flush()
        let fs = Double(self.fs), onset = Double(row) / fs
        let g = NightGap(onsetSeconds: onset, offsetSeconds: onset + Double(k) / fs, framesLost: 0,
                         firstLostSequence: nil, emgSamplesLost: k,
                         reason: "\(k) row\(k == 1 ? "" : "s") missing before line \(line) (the accelerometer's "
                                 + "values came \(n) rows apart instead of \(accelEvery))")
        try runner.gap(g, emgSamples: s.accelOnly ? m - 1 : k, accelSamples: m - 1)
        row += k
    }
}
