import Recordings
import Testing

/// Pins what `ChannelSelector.choose` picks, the notes it leaves and the exact words of its refusals, so that a
/// rearrangement of the selector cannot change what a person reads.
@Suite struct ChannelSelectionTests {
    static let labels = ["EEG Fpz-Cz", "EMG submental", "EMG LAT", "EMG RAT", "Acc X", "Acc Y", "Acc Z", "Resp"]
    static let dims = ["uV", "uV", "mV", "mV", "m/s^2", "m/s^2", "m/s^2", "uV"]
    static let rates: [Double] = [100, 100, 500, 500, 50, 50, 50, 10]

    func choose(_ labels: [String] = labels, _ dims: [String] = dims, _ rates: [Double] = rates,
                emg: [String]? = nil, accel: [String]? = nil) throws -> ChannelChoice {
        try ChannelSelector.choose(labels: labels, dimensions: dims, ratesHz: rates, path: "x.edf",
                                   emgRequested: emg, accelRequested: accel)
    }

    func message(_ body: () throws -> ChannelChoice) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func theDefaultTakesLegEMGByShortNameAndTheNamedAccelerometer() throws {
        let c = try choose()
        #expect(c.emg == [2, 3])
        #expect(c.emgToMicrovolts == [1000, 1000])
        #expect(c.accel == [4, 5, 6])
        #expect(c.notes.isEmpty)
    }

    @Test func legEMGAtAnotherRateIsLeftOutWithANote() throws {
        let c = try choose(["tibialis L", "tibialis R", "calf"], ["uV", "uV", "uV"], [1000, 1000, 500])
        #expect(c.emg == [0, 1])
        #expect(c.accel.isEmpty)
        #expect(c.notes == [
            "left out \"calf\": sampled at another rate than \"tibialis L\"",
            "no accelerometer (3 signals in g or m/s²) found: cramps and leg movements are still found, but sleep, "
                + "wake and whether a cramp woke you are not measured",
        ])
    }

    @Test func moreThanFourLegChannelsKeepTheFirstFour() throws {
        let labels = (1...6).map { "leg \($0)" }
        let c = try choose(labels, Array(repeating: "uV", count: 6), Array(repeating: 1000, count: 6))
        #expect(c.emg == [0, 1, 2, 3])
        #expect(c.notes.first == "used the first 4 of 6 EMG channels")
    }

    @Test func withoutLegEMGTheAccelerometerAloneIsUsedAndSaidSo() throws {
        let c = try choose(["EMG chin", "Acc X", "Acc Y", "Acc Z"], ["uV", "g", "g", "g"], [200, 50, 50, 50])
        #expect(c.emg.isEmpty)
        #expect(c.accel == [1, 2, 3])
        #expect(c.accelToG == [1, 1, 1])
        #expect(c.notes == [
            "no leg EMG channel found (passed over \"EMG chin\", which are not leg muscles): accelerometer only, "
                + "so sleep and awakenings are measured but cramps and leg movements are not",
        ])
    }

    @Test func neitherLegEMGNorAccelerometerIsRefusedWithWhatWasLookedFor() {
        let m = message { try choose(["EEG Fpz-Cz", "EMG submental"], ["uV", "uV"], [100, 100]) }
        #expect(m == "x.edf: no leg EMG channel found (looked for labels with tibialis, TA, calf, gastrocnemius, leg "
            + "or EMG in µV or mV; passed over \"EEG Fpz-Cz\", \"EMG submental\", which are not leg muscles), "
            + "and no accelerometer either. Name one with --emg-channel LABEL (or its number, 1 = first signal)")
    }

    @Test func requestsAreResolvedByNumberLabelCaseAndSpaces() throws {
        #expect(try choose(emg: ["4"], accel: []).emg == [3])
        #expect(try choose(emg: ["emg lat"], accel: []).emg == [2])
        #expect(try choose(emg: [" EMG RAT "], accel: ["Acc Z", "6", "acc x"]).accel == [6, 5, 4])
        #expect(try choose(emg: ["none"]).emg.isEmpty)
    }

    @Test func badRequestsAreRefusedInWords() {
        #expect(message { try choose(emg: ["Leg"]) }
            == "x.edf: --emg-channel \"Leg\": no such signal. The signals are: "
            + "1 \"EEG Fpz-Cz\" (uV), 2 \"EMG submental\" (uV), 3 \"EMG LAT\" (mV), 4 \"EMG RAT\" (mV), "
            + "5 \"Acc X\" (m/s^2), 6 \"Acc Y\" (m/s^2), 7 \"Acc Z\" (m/s^2), 8 \"Resp\" (uV)")
        #expect(message { try choose(emg: ["Acc X"]) }
            == "x.edf: --emg-channel \"Acc X\": its unit is \"m/s^2\", not a voltage (uV, mV or V), "
            + "so it cannot be EMG")
        #expect(message { try choose(emg: ["1", "2", "3", "4", "8"]) }
            == "x.edf: 5 EMG channels asked for; the detector takes 1 to 4")
        #expect(message { try choose(emg: ["Resp", "EMG LAT"]) }
            == "x.edf: the EMG channels must share one sampling rate, but \"Resp\" is at 10 Hz "
            + "and \"EMG LAT\" is at 500 Hz")
        #expect(message { try choose(accel: ["Acc X", "Acc Y"]) }
            == "x.edf: --accel-channels needs three signals (x,y,z), got 2")
        #expect(message { try choose(accel: ["Acc X", "Acc Y", "Resp"]) }
            == "x.edf: --accel-channels \"Resp\": its unit is \"uV\", not g or m/s²")
        #expect(message { try choose(emg: ["none"], accel: []) }
            == "x.edf: --emg-channel none leaves no signal to detect from: an accelerometer-only recording "
            + "needs three signals in g or m/s² (--accel-channels x,y,z)")
        let mixed = message {
            try choose(["TA", "Acc X", "Acc Y", "Acc Z"], ["uV", "g", "g", "g"], [1000, 50, 50, 25.5])
        }
        #expect(mixed == "x.edf: the accelerometer axes must share one sampling rate, but \"Acc X\" is at 50 Hz "
            + "and \"Acc Y\" is at 50 Hz and \"Acc Z\" is at 25.5 Hz")
    }
}
