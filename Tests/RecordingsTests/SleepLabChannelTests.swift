import Recordings
import Testing

/// Sleep-lab recordings: leg EMG under the names PSG systems give it, among dozens of other signals, at
/// 200–512 Hz in V, mV or uV; both legs taken; a channel too coarse to score is said so in one line.
@Suite struct SleepLabChannelTests {
    /// A PSG layout: EEG, EOG, chin, ECG, respiration, impedances and oximetry around the two legs.
    static func layout(left: String, right: String, unit: String, rate: Double)
        -> (labels: [String], dims: [String], rates: [Double]) {
        var labels = ["C3-M2", "C4-M1", "F3-M2", "F4-M1", "O1-M2", "O2-M1", "E1-M2", "E2-M1", "Chin1-Chin2",
                      "EMG submental", "ECG", "Airflow", "Nasal Pressure", "Thorax", "Abdomen", "SpO2", "Pulse",
                      "Snore", "Position", "Jambe droite Imp", "Jambe gauche Imp", "Light", "Audio Volume dB"]
        var dims = ["uV", "uV", "uV", "uV", "uV", "uV", "uV", "uV", "uV", "uV", "mV", "cmH2O", "cmH2O", "uV",
                    "uV", "%", "bpm", "uV", "", "Ohm", "Ohm", "lx", "dB"]
        var rates: [Double] = [256, 256, 256, 256, 256, 256, 256, 256, 512, 512, 512, 32, 32, 32, 32, 1, 1, 512,
                               1, 1, 1, 1, 10]
        labels += [left, right]
        dims += [unit, unit]
        rates += [rate, rate]
        return (labels, dims, rates)
    }

    static let pairs: [(String, String)] = [
        ("LAT", "RAT"), ("Leg L", "Leg R"), ("Left Leg", "Right Leg"), ("Tib L", "Tib R"),
        ("EMG Tib L", "EMG Tib R"), ("LLEG1-LLEG2", "RLEG1-RLEG2"), ("TibL", "TibR"), ("L-Leg", "R-Leg"),
        ("PLMl", "PLMr"), ("EMG LAT1-LAT2", "EMG RAT1-RAT2"), ("Left tibialis", "Right tibialis"),
        ("Jambe gauche", "Jambe droite"),
    ]

    @Test(arguments: pairs, [(200.0, "V", 1e6), (256, "mV", 1000), (500, "uV", 1), (512, "µV", 1)])
    func bothLegsAreTakenAmongDozensOfSignals(pair: (String, String), format: (Double, String, Double)) throws {
        let (labels, dims, rates) = Self.layout(left: pair.0, right: pair.1, unit: format.1, rate: format.0)
        let c = try ChannelSelector.choose(labels: labels, dimensions: dims, ratesHz: rates, path: "psg.edf",
                                           emgRequested: nil, accelRequested: nil)
        #expect(c.emg == [labels.count - 2, labels.count - 1], "\(pair) chose \(c.emg.map { labels[$0] })")
        #expect(c.emgToMicrovolts == [format.2, format.2])
    }

    @Test func aSingleEMGTibChannelIsTaken() throws {
        let (labels, dims, rates) = Self.layout(left: "EMG Tib", right: "Snoring", unit: "uV", rate: 200)
        let c = try ChannelSelector.choose(labels: labels, dimensions: dims, ratesHz: rates, path: "psg.edf",
                                           emgRequested: nil, accelRequested: nil)
        #expect(c.emg == [labels.count - 2])
    }

    /// The Nox A1's legs: volts over ±1.024 V in 16 bits, 31.25 uV a step.
    static let noxStep = 2.048 / 65534

    @Test func aChannelTooCoarseToScoreIsOneLineAndTheAccelerometerCarriesOn() throws {
        let labels = ["ECG", "Right Leg", "Left Leg", "X Axis", "Y Axis", "Z Axis"]
        let dims = ["V", "V", "V", "g", "g", "g"]
        let steps = [Self.noxStep, Self.noxStep, Self.noxStep, 4.0 / 65534, 4.0 / 65534, 4.0 / 65534]
        let c = try ChannelSelector.choose(labels: labels, dimensions: dims, ratesHz: [200, 200, 200, 20, 20, 20],
                                           path: "nox.edf", emgRequested: nil, accelRequested: nil,
                                           unitsPerStep: steps)
        #expect(c.emg.isEmpty)
        #expect(c.accel == [3, 4, 5])
        #expect(c.notes == [
            "Right Leg: resolution 31 uV per step, too coarse to score leg movements",
            "Left Leg: resolution 31 uV per step, too coarse to score leg movements",
            "no leg EMG channel fine enough to score: accelerometer only, so sleep and awakenings are measured but "
                + "cramps and leg movements are not",
        ])
    }

    @Test func oneCoarseLegLeavesTheOtherAndWithoutAccelerometerTheRefusalNamesBoth() throws {
        let fine = 0.2 / 65534  // mV a step: ±0.1 mV in 16 bits, 0.003 uV
        let c = try ChannelSelector.choose(labels: ["Leg L", "Leg R"], dimensions: ["mV", "V"], ratesHz: [256, 256],
                                           path: "x.edf", emgRequested: nil, accelRequested: nil,
                                           unitsPerStep: [fine, Self.noxStep])
        #expect(c.emg == [0])
        #expect(c.notes.first == "Leg R: resolution 31 uV per step, too coarse to score leg movements")
        let error = #expect(throws: RecordingError.self) {
            try ChannelSelector.choose(labels: ["Leg L", "Leg R"], dimensions: ["V", "V"], ratesHz: [256, 256],
                                       path: "x.edf", emgRequested: nil, accelRequested: nil,
                                       unitsPerStep: [Self.noxStep, 5e-6])
        }
        #expect(error?.description.contains("Leg L: resolution 31 uV per step, too coarse to score leg movements; "
                                            + "Leg R: resolution 5 uV per step, too coarse") == true,
                "\(String(describing: error))")
    }

    @Test func aCoarseChannelAskedForByNameIsUsedButSaid() throws {
        let c = try ChannelSelector.choose(labels: ["Right Leg"], dimensions: ["V"], ratesHz: [200], path: "x.edf",
                                           emgRequested: ["Right Leg"], accelRequested: [],
                                           unitsPerStep: [Self.noxStep])
        #expect(c.emg == [0])
        #expect(c.notes == ["Right Leg: resolution 31 uV per step, too coarse to score leg movements"])
    }

    @Test func aStepOfFourMicrovoltsIsStillFineEnough() throws {
        let c = try ChannelSelector.choose(labels: ["LAT"], dimensions: ["uV"], ratesHz: [200], path: "x.edf",
                                           emgRequested: nil, accelRequested: [], unitsPerStep: [4.0])
        #expect(c.emg == [0] && c.notes.isEmpty)
    }
}
