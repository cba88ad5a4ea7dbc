import DeviceProtocol
import SignalCore
import Testing

@testable import NightSimulator

@Suite struct SimulatorTests {
    func simulate(_ o: SimulationOptions) throws -> ([UInt8], SimulationReport) {
        var bytes: [UInt8] = []
        let report = try NightSimulator(options: o).run { bytes += $0 }
        return (bytes, report)
    }

    var short: SimulationOptions {
        var o = SimulationOptions()
        o.hours = 0.05
        o.emgRateHz = 1000
        o.cramps = 1
        o.maxCrampSeconds = 30
        return o
    }

    @Test func sameSeedSameNightOtherSeedOtherNight() throws {
        let (a, ra) = try simulate(short)
        let (b, rb) = try simulate(short)
        var other = short
        other.seed = 2
        let (c, _) = try simulate(other)
        #expect(a == b)
        #expect(ra.labels == rb.labels)
        #expect(a != c)
    }

    @Test func streamDecodesCleanlyWithEveryFrameAndSample() throws {
        let (bytes, report) = try simulate(short)
        let decoder = FrameDecoder()
        var frames = 0, blocks = 0, samples = 0, errors = 0
        var info: DeviceInfo?
        decoder.feed(bytes) {
            switch $0 {
            case .frame(let v):
                frames += 1
                if v.type == .sampleBlock { blocks += 1; samples += v.sampleBlock.emgCount }
                if v.type == .deviceInfo, case .deviceInfo(let d) = v.message() { info = d }
            default: errors += 1
            }
        }
        #expect(errors == 0)
        #expect(frames == report.framesSent)
        #expect(samples == Int(0.05 * 3600 * 1000))
        #expect(info?.emgRateHz == 1000 && info?.emgChannels == 2)
        #expect(report.labels.filter { $0.kind == .cramp }.count == 1)
    }

    @Test func droppedAndCorruptedFramesAreReportedExactly() throws {
        var o = short
        o.dropProbability = 0.01
        o.corruptProbability = 0.01
        let (bytes, report) = try simulate(o)
        #expect(report.droppedSequences.count > 5 && report.corruptedSequences.count > 5)
        let decoder = FrameDecoder()
        var lost = 0, crcErrors = 0
        decoder.feed(bytes) {
            if case .gap(_, _, let n) = $0 { lost += Int(n) }
            if case .error = $0 { crcErrors += 1 }
        }
        #expect(lost == report.droppedSequences.count + report.corruptedSequences.count)
        #expect(crcErrors >= report.corruptedSequences.count)
    }

    @Test func crampsAreLongAndWakeTheSleeper() throws {
        var o = SimulationOptions()
        o.hours = 1
        o.emgRateHz = 500
        o.cramps = 4
        let sim = try NightSimulator(options: o)
        let cramps = sim.labels.filter { $0.kind == .cramp }
        #expect(cramps.count == 4)
        for c in cramps {
            #expect(c.offsetSeconds - c.onsetSeconds >= 10)
            #expect(sim.labels.contains { $0.kind == .sleepInterruption && $0.onsetSeconds > c.onsetSeconds
                                          && $0.onsetSeconds < c.offsetSeconds })
        }
    }
}
