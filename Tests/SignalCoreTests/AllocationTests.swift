import CAllocCounter
import Foundation
import Testing

@testable import SignalCore

@Suite(.serialized) struct AllocationTests {
    /// The promise "the sample loop does not allocate", measured: after the first seconds, feeding
    /// thousands of blocks of EMG and accelerometer data through the detector makes no heap allocation.
    final class Probe { var x = 0 }

    @Test func theCounterSeesAnAllocation() {
        cw_alloc_reset()
        cw_alloc_counting(1)
        let probe = Probe()
        probe.x = 1
        cw_alloc_counting(0)
        #expect(probe.x == 1)
        #expect(cw_alloc_count() >= 1)
    }

    @Test func sampleLoopDoesNotAllocateInSteadyState() throws {
        let fs = 2000, channels = 2, block = 32
        let night = SyntheticNight.make(fs: fs, seconds: 60, bursts: [(20, 2, 30), (30, 15, 100)])
        let emg = night.flatMap { [$0, $0 * 0.5] }
        var accel: [Float] = []
        for i in 0..<(60 * 100) { accel += [0, Float(i % 7) * 0.001, 1] }
        let detector = try NightDetector(configuration: DetectorConfiguration(), sampleRateHz: fs,
                                         emgChannels: channels, accelRateHz: 100, accelAxes: 3)
        var events = EventBuffer(capacity: 64)
        let blocks = night.count / block
        var allocations: UInt64 = 0
        var emitted = 0
        emg.withUnsafeBufferPointer { e in
            accel.withUnsafeBufferPointer { a in
                for b in 0..<blocks {
                    if b == 5 * fs / block {
                        cw_alloc_reset()
                        cw_alloc_counting(1)
                    }
                    let a0 = b * block * 100 / fs, a1 = (b + 1) * block * 100 / fs
                    detector.process(emg: UnsafeBufferPointer(
                                         rebasing: e[(b * block * channels)..<((b + 1) * block * channels)]),
                                     accel: UnsafeBufferPointer(rebasing: a[(3 * a0)..<(3 * a1)]), into: &events)
                    emitted += events.events.count
                    events.removeAll()
                }
                cw_alloc_counting(0)
                allocations = cw_alloc_count()
            }
        }
        #expect(emitted >= 2)  // the loop really detected something while being counted
        #expect(allocations == 0, "\(allocations) allocations in \(blocks - 5 * fs / block) blocks")
    }

    /// Without EMG the accelerometer drives the ticks: the same promise, and the sleep machine still runs.
    @Test func accelerometerOnlyLoopDoesNotAllocateInSteadyState() throws {
        let fa = 100, seconds = 300, block = 25
        var accel: [Float] = []
        accel.reserveCapacity(3 * fa * seconds)
        for i in 0..<(fa * seconds) {
            let t = Double(i) / Double(fa)
            // Still, except a movement bout from 100 to 160 s (swinging 0.2 g at 1.5 Hz).
            let swing: Float = t >= 100 && t < 160 ? Float(0.2 * sin(2 * Double.pi * 1.5 * t)) : 0
            accel += [swing, Float(i % 7) * 0.0005, 1]
        }
        let detector = try NightDetector(configuration: DetectorConfiguration(), sampleRateHz: 0, emgChannels: 0,
                                         accelRateHz: fa, accelAxes: 3)
        #expect(detector.sampleRateHz == fa && detector.tickSeconds == 0.01)
        var events = EventBuffer(capacity: 64)
        var allocations: UInt64 = 0
        var wakes: [DetectedEvent] = []
        let none = [Float]()
        none.withUnsafeBufferPointer { e in
            accel.withUnsafeBufferPointer { a in
                for b in 0..<(fa * seconds / block) {
                    if b == 5 * fa / block {
                        cw_alloc_reset()
                        cw_alloc_counting(1)
                    }
                    detector.process(emg: e,
                                     accel: UnsafeBufferPointer(rebasing: a[(3 * b * block)..<(3 * (b + 1) * block)]),
                                     into: &events)
                    if !events.isEmpty {
                        cw_alloc_counting(0)
                        wakes += events.events
                        events.removeAll()
                        cw_alloc_counting(1)
                    }
                }
                cw_alloc_counting(0)
                allocations = cw_alloc_count()
            }
        }
        detector.finish(into: &events)
        wakes += events.events
        #expect(allocations == 0, "\(allocations) allocations")
        #expect(wakes.count == 1 && wakes.allSatisfy { $0.kind == .sleepInterruption }, "\(wakes)")
        #expect(abs((wakes.first?.onsetSeconds ?? 0) - 100) <= 1 && abs((wakes.first?.offsetSeconds ?? 0) - 160) <= 1,
                "\(wakes)")
        #expect(abs(detector.recordedSeconds - Double(seconds)) < 1e-9
                && detector.zAngleEpochs.count == seconds / NightDetector.epochSeconds)
    }
}
