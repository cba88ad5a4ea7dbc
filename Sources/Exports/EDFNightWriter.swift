import DeviceProtocol
import Recordings
import NightAnalysis
import SignalCore

/// Writes a night (replayed now, or live later) into EDF+ or BDF+ as it goes: one-second records of the
/// EMG channels (µV) and accelerometer axes (g), and every final event and gap as an annotation.
/// Crash-safe through `EDFWriter` (record count -1 until closed, fsync every 10 records, file mode 0600).
public final class EDFNightWriter: NightObserver {
    public let path: String
    public let bdf: Bool
    public let start: EDFStartTime
    public private(set) var writer: EDFWriter?
    var emgChannels = 0
    var accelAxes = 0
    public private(set) var annotations = 0
    var emgRateHz = 1
    var emgSamplesSeen = 0

    public init(path: String, bdf: Bool, start: EDFStartTime) {
        self.path = path
        self.bdf = bdf
        self.start = start
    }

    static func label(site: UInt8, channel: Int) -> String {
        let side = site & 0x80 != 0 ? " R" : (site == 0 ? "" : " L")
        switch site & 0x7F {
        case 1: return "EMG Tibialis\(side)"
        case 2: return "EMG Gastroc\(side)"
        case 3: return "EMG Soleus\(side)"
        default: return "EMG Leg \(channel + 1)"
        }
    }

    public func nightStarted(_ d: DeviceInfo) throws {
        emgChannels = d.emgChannels
        accelAxes = d.accelAxes
        // The clock for gap annotations: EMG samples, or accelerometer samples without EMG.
        emgRateHz = max(1, d.emgChannels > 0 ? d.emgRateHz : d.accelRateHz)
        // The device's own resolution: one digital step is one ADC step, so nothing is lost when its ADC fits.
        let bits = min(bdf ? 24 : 16, max(8, d.adcBits))
        let half = Double(Int(1) << (bits - 1))
        let uv = Double(d.emgMicrovoltsPerLSB)
        var signals: [EDFSignal] = []
        for c in 0..<d.emgChannels {
            let site = c < d.emgSites.count ? d.emgSites[c] : 0
            signals.append(EDFSignal(label: Self.label(site: site, channel: c), transducer: "surface EMG electrodes",
                                     physicalDimension: "uV",
                                     physicalMinimum: -half * uv, physicalMaximum: (half - 1) * uv,
                                     digitalMinimum: -Int(half), digitalMaximum: Int(half) - 1,
                                     prefiltering: "none", samplesPerRecord: d.emgRateHz))
        }
        if d.accelAxes == 3 {
            let g = Double(d.accelGPerLSB)
            let full = 32768.0
            for axis in ["X", "Y", "Z"] {
                signals.append(EDFSignal(label: "Accel \(axis)", transducer: "3-axis accelerometer",
                                         physicalDimension: "g",
                                         physicalMinimum: -full * g, physicalMaximum: (full - 1) * g,
                                         digitalMinimum: -32768, digitalMaximum: 32767,
                                         samplesPerRecord: d.accelRateHz))
            }
        }
        writer = try EDFWriter(path: path, bdf: bdf, signals: signals, recordDurationSeconds: 1, start: start,
                               recordingInfo: "X X \(d.serial.replacingSpaces())")
    }

    public func samples(emg: UnsafeBufferPointer<Float>, accel: UnsafeBufferPointer<Float>) throws {
        guard let writer else { return }
        emgSamplesSeen += emgChannels > 0 ? emg.count / emgChannels : accel.count / 3
        for c in 0..<emgChannels { try writer.append(channel: c, emg, stride: emgChannels, offset: c) }
        if accelAxes == 3 {
            for a in 0..<3 { try writer.append(channel: emgChannels + a, accel, stride: 3, offset: a) }
        }
    }

    public func gap(_ gap: NightGap, skippedSeconds seconds: Double) throws {
        guard seconds > 0 else { return }
        let note = gap.note
        guard let writer else { return }
        let onset = Double(emgSamplesSeen) / Double(emgRateHz)
        let dropped = try writer.skip(seconds: seconds)
        // The gap as the file shows it: samples short of a whole record before it could not be written either.
        writer.annotate(onsetSeconds: onset - dropped, durationSeconds: seconds + dropped, text: "Gap: \(note)")
        annotations += 1
        emgSamplesSeen += Int((seconds * Double(emgRateHz)).rounded())
    }

    public func event(_ e: DetectedEvent) throws {
        guard !e.isProvisional else { return }
        guard let writer else { return }
        writer.annotate(onsetSeconds: e.onsetSeconds, durationSeconds: max(0, e.durationSeconds), text: Self.text(e))
        annotations += 1
    }

    public func nightFinished() throws {
        try writer?.close()
    }

    /// Annotation text for an event: short, ASCII, and readable in EDFbrowser's annotation list.
    public static func text(_ e: DetectedEvent) -> String {
        switch e.kind {
        case .cramp: return "Cramp" + (e.channel >= 0 ? " ch\(e.channel + 1)" : "")
                                + " peak \(Int(e.peakAboveRestMicrovolts.rounded())) uV"
        case .legMovement: return "Leg movement" + (e.channel >= 0 ? " ch\(e.channel + 1)" : "")
        case .sleepInterruption: return "Sleep interruption"
        case .artifact: return "Artifact \(e.artifactCause.name)"
        case .gap: return "Gap"
        case .voluntaryMovement: return "Voluntary movement"
        case .muscleActivity: return "Muscle activity" + (e.channel >= 0 ? " ch\(e.channel + 1)" : "")
        }
    }
}

extension String {
    func replacingSpaces() -> String { String(map { $0 == " " ? "_" : $0 }) }
}

