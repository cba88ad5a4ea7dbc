import DeviceProtocol
import Recordings
import SignalCore

extension Replayer {
    /// Replays a CSV file: one row per EMG sample, time from a time column (seconds) or `--rate`; EMG columns in µV
    /// (or as the column name says: "emg (mV)", "emg_mv"); accelerometer columns in g or m/s², which may be left
    /// empty on rows without an accelerometer sample (a slower accelerometer). Without EMG columns (an
    /// accelerometer-only night) the rows are accelerometer samples, 1–1000 per second.
    func replayCSV(path: String) throws -> NightResult {
        let csv = try CSVSignalReader(path: path)
        let names = csv.columns
        let lower = names.map { $0.lowercased() }
        // Time column.
        var timeIndex: Int?
        if let wanted = recordingOptions.csvTimeColumn {
            guard let i = names.firstIndex(of: wanted) ?? lower.firstIndex(of: wanted.lowercased()) else {
                throw RecordingError(path: path, offset: 0, "--time-column \"\(wanted)\": no such column; the columns are \(names.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
            timeIndex = i
        } else if recordingOptions.csvRateHz == nil {
            timeIndex = lower.firstIndex { ["time", "t", "time_s", "time (s)", "seconds", "timestamp", "time_sec", "t_s"].contains($0) }
        }
        if timeIndex == nil && recordingOptions.csvRateHz == nil {
            throw RecordingError(path: path, offset: 0, "no time column (looked for time, t, time_s, seconds) and no --rate: give --rate HZ or --time-column NAME")
        }
        let dims: [String] = names.enumerated().map { i, name in
            if i == timeIndex { return "s" }
            if let u = CSVSignalReader.unit(ofColumn: name) { return u }
            let l = name.lowercased()
            if l.contains("acc") || ["x", "y", "z", "ax", "ay", "az"].contains(l) { return "g" }
            return "uV"  // EMG without a unit in its name: µV, the usual unit of surface EMG.
        }
        let candidates = names.indices.filter { $0 != timeIndex }
        let choice = try ChannelSelector.choose(labels: candidates.map { names[$0] }, dimensions: candidates.map { dims[$0] },
                                                ratesHz: candidates.map { _ in 1 }, path: path,
                                                emgRequested: recordingOptions.emgChannels, accelRequested: recordingOptions.accelChannels)
        let emg = choice.emg.map { candidates[$0] }
        let accel = choice.accel.map { candidates[$0] }
        // Rate: given, or from the first two time stamps (checked on every row after).
        var values: [Double?] = []
        var rate = recordingOptions.csvRateHz
        let allIndices = Array(names.indices)
        var firstRows: [[Double?]] = []
        // Each read-ahead row's own line and byte offset, for its errors when it is processed below.
        var firstPlaces: [(line: Int, offset: UInt64)] = []
        // Read ahead (at most 20000 rows) until the rate and the accelerometer's spacing are known.
        var accelRowsSeen: [Int] = []
        while firstRows.count < 20_000, firstRows.count < 2 || (!accel.isEmpty && accelRowsSeen.count < 2), try csv.next(allIndices, into: &values) {
            if !accel.isEmpty, accel.allSatisfy({ values[$0] != nil }) { accelRowsSeen.append(firstRows.count) }
            firstRows.append(values)
            firstPlaces.append((csv.line, csv.lineOffset))
        }
        guard !firstRows.isEmpty else { throw RecordingError(path: path, offset: csv.lineOffset, "the CSV file has a header but no data rows") }
        var t0 = 0.0
        if let ti = timeIndex {
            guard let a = firstRows[0][ti] else { throw RecordingError(path: path, offset: 0, "the first row has no time in column \"\(names[ti])\"") }
            t0 = a
            if rate == nil {
                guard firstRows.count >= 2, let b = firstRows[1][ti], b > a else {
                    throw RecordingError(path: path, offset: 0, "cannot tell the sampling rate from column \"\(names[ti])\": its first two times do not increase; give --rate HZ")
                }
                let r = 1 / (b - a)
                guard abs(r - r.rounded()) <= max(1e-6, r * 1e-4) else {
                    throw RecordingError(path: path, offset: 0, "column \"\(names[ti])\" steps by \(b - a) s, which is \(r) samples per second, not a whole number; give --rate HZ")
                }
                rate = r.rounded()
            }
        }
        let accelOnly = emg.isEmpty
        guard let fsD = rate, let fs = Self.wholeRate(fsD), accelOnly ? fs <= 1000 : fs >= 100 && fs <= 20_000 else {
            throw RecordingError(path: path, offset: 0, accelOnly
                ? "sampling rate \(rate ?? 0) Hz cannot be used: an accelerometer-only CSV needs a whole number of rows per second from 1 to 1000"
                : "sampling rate \(rate ?? 0) Hz cannot be used: EMG needs a whole number of samples per second from 100 to 20000")
        }
        // The accelerometer may be slower than the EMG: its cells are then empty between samples, every `accelEvery` rows.
        var accelEvery = 1
        if !accel.isEmpty {
            guard accelRowsSeen.count == 2 || (accelRowsSeen.count == 1 && firstRows.count < 20_000) else {
                throw RecordingError(path: path, offset: 0, "the accelerometer columns \(accel.map { "\"\(names[$0])\"" }.joined(separator: ", ")) hold no values in the first rows; fill them or use --accel-channels none")
            }
            if accelRowsSeen.count == 2 { accelEvery = accelRowsSeen[1] - accelRowsSeen[0] }
            guard fs % accelEvery == 0, fs / accelEvery <= 1000 else {
                throw RecordingError(path: path, offset: 0, "accelerometer values come every \(accelEvery) rows, which is \(Double(fs) / Double(accelEvery)) Hz; the detector needs a whole number from 1 to 1000 Hz")
            }
        }
        var cfg = configuration
        if let mains = recordingOptions.mainsHz { cfg.mainsHz = Double(mains) }
        let detector: NightDetector
        do {
            detector = try NightDetector(configuration: cfg, sampleRateHz: fs, emgChannels: emg.count, accelRateHz: accel.isEmpty ? 0 : fs / accelEvery, accelAxes: accel.count)
        } catch {
            throw RecordingError(path: path, offset: nil, "the chosen columns cannot be used by the detector: \(error)")
        }
        // The journal knows a device, and whether it has EMG, by its serial: CSV files without EMG are another "device".
        let info = DeviceInfo(serial: accelOnly ? "CSV-ACCEL" : "CSV", emgChannels: emg.count, accelAxes: accel.count, mainsHz: Int(cfg.mainsHz), adcBits: 24, emgRateHz: accelOnly ? 0 : fs,
                              accelRateHz: accel.isEmpty ? 0 : fs / accelEvery, emgMicrovoltsPerLSB: 0, accelGPerLSB: 0, emgBlockSamples: accelOnly ? 0 : 1024, bootID: 0,
                              emgSites: emg.map { Self.siteCode(names[$0]) } + Array(repeating: 0, count: 4 - emg.count))
        try signalSink?.start(info)
        if recordTicks { detector.startTickLog() }
        let run = PhysicalRun(detector: detector, sink: signalSink)
        let block = 1024
        var emgBuf: [Float] = []
        var accelBuf: [Float] = []
        emgBuf.reserveCapacity(block * emg.count)
        accelBuf.reserveCapacity(block * 3)
        var row = 0  // sample index of the next row
        var accelRows = 0
        var accelPhase = accelRowsSeen.first ?? 0
        func flush() throws {
            guard !emgBuf.isEmpty || !accelBuf.isEmpty else { return }
            try emgBuf.withUnsafeBufferPointer { e in try accelBuf.withUnsafeBufferPointer { a in try run.process(emg: e, accel: a) } }
            emgBuf.removeAll(keepingCapacity: true)
            accelBuf.removeAll(keepingCapacity: true)
        }
        func take(_ v: [Double?], line: Int, offset: UInt64) throws {
            if let ti = timeIndex {
                guard let t = v[ti] else { throw RecordingError(path: path, offset: offset, "line \(line): the time cell (column \"\(names[ti])\") is empty") }
                let expected = t0 + Double(row) / Double(fs)
                let lateBy = t - expected
                if lateBy < -0.5 / Double(fs) {
                    throw RecordingError(path: path, offset: offset, "line \(line): time \(t) s goes back (expected \(expected) s at \(fs) samples per second); rows must be in time order")
                }
                if lateBy > 1.5 / Double(fs) {
                    try flush()
                    let n = Int((lateBy * Double(fs)).rounded())
                    try run.gap(seconds: Double(n) / Double(fs), reason: "no rows in the CSV file")
                    row += n
                    accelRows = 0
                    accelPhase = -1  // resynchronise on the next row with accelerometer values
                }
            }
            for (c, i) in emg.enumerated() {
                guard let x = v[i] else { throw RecordingError(path: path, offset: offset, "line \(line), column \"\(names[i])\": the EMG cell is empty") }
                emgBuf.append(Float(x * choice.emgToMicrovolts[c]))
            }
            if !accel.isEmpty {
                let present = accel.map { v[$0] }
                if accelPhase < 0 && present.allSatisfy({ $0 != nil }) { accelPhase = accelRows % accelEvery }
                let due = accelPhase >= 0 && (accelRows - accelPhase) % accelEvery == 0
                if present.allSatisfy({ $0 != nil }) {
                    guard due else {
                        throw RecordingError(path: path, offset: offset, "line \(line): an accelerometer value where none was due (they came every \(accelEvery) rows before); rows may be missing or duplicated")
                    }
                    for (c, x) in present.enumerated() { accelBuf.append(Float(x! * choice.accelToG[c])) }
                } else if present.contains(where: { $0 != nil }) {
                    throw RecordingError(path: path, offset: offset, "line \(line): some accelerometer cells are empty and others are not; give all three axes or none")
                } else if due {
                    throw RecordingError(path: path, offset: offset, "line \(line): the accelerometer cells are empty where a value was due (every \(accelEvery) rows)")
                }
                accelRows += 1
            }
            row += 1
            if accelOnly ? accelBuf.count >= block * 3 : emgBuf.count >= block * emg.count { try flush() }
        }
        for (k, r) in firstRows.enumerated() { try take(r, line: firstPlaces[k].line, offset: firstPlaces[k].offset) }
        while try csv.next(allIndices, into: &values) { try take(values, line: csv.line, offset: csv.lineOffset) }
        try flush()
        let events = try run.finish()
        return NightResult(path: path, format: .csv, sizeBytes: (try? ChunkedFileReader(path: path).size) ?? 0, deviceInfo: info, configuration: detector.configuration,
                           durationSeconds: detector.recordedSeconds, events: events, provisionalCrampNotices: run.provisional,
                           gaps: run.gaps, stats: FrameStats(), truncatedAt: nil, tickLog: detector.tickLog,
                           zAngleEpochs: detector.zAngleEpochs, traceEnvelope: detector.machines.traceEnvelope, traceActivity: detector.machines.traceActivity)
    }
}
