@testable import SignalCore
import Testing

/// The wake machine's two rules of issue 21, second by second: a cramp is felt (the sleeper is awake through it), and
/// a leg movement's own motion never makes a bout wake on its own (a periodic series that swings the leg).
@Suite struct WakeMachineTests {
    static func machine() -> WakeMachine {
        WakeMachine(configuration: DetectorConfiguration(), ticksPerSecond: 100, tickSeconds: 0.01)
    }

    /// Seconds `range`, moving where `moving` says; `episodeSeconds` is the length of the muscle episode their motion
    /// lies in (-1: none).
    static func run(_ m: inout WakeMachine, _ range: Range<Int>, moving: (Int) -> Bool = { _ in false },
                    episodeSeconds: Float = -1) -> [DetectedEvent] {
        var out: [DetectedEvent] = []
        for s in range {
            let moved = moving(s)
            let w = WakeSecond(second: s, moving: moved, activity: moved ? 0.3 : 0.003,
                               episodeSeconds: moved ? episodeSeconds : -1)
            if let e = m.step(w) { out.append(e) }
        }
        return out
    }

    static func cramp(_ onset: Double, _ offset: Double) -> DetectedEvent {
        DetectedEvent(kind: .cramp, onsetSeconds: onset, offsetSeconds: offset, accelActivityG: 0.01)
    }

    @Test func aPeriodicSeriesThatSwingsTheLegIsNotWake() {
        var m = Self.machine()
        // Twelve movements 20 s apart, each a leg movement of 2 s swinging the leg 0.3 g: 220 s of chained movement.
        let series = Self.run(&m, 0..<400, moving: { $0 % 20 == 0 && $0 <= 220 }, episodeSeconds: 2)
        #expect(series.isEmpty, "\(series)")
        // The same with one movement that is no leg movement's (shifting without a burst) is wake.
        var n = Self.machine()
        var out = Self.run(&n, 0..<100, moving: { $0 % 20 == 0 }, episodeSeconds: 2)
        out += Self.run(&n, 100..<101, moving: { _ in true })
        out += Self.run(&n, 101..<400, moving: { $0 % 20 == 0 && $0 <= 220 }, episodeSeconds: 2)
        #expect(out.count == 1 && out.first?.onsetSeconds == 0 && out.first?.offsetSeconds == 221, "\(out)")
        // Motion near a muscle episode longer than a leg movement (walking's strides run into one) is wake.
        var w = Self.machine()
        let walk = Self.run(&w, 0..<300, moving: { $0 % 2 == 0 && $0 < 200 }, episodeSeconds: 40)
        #expect(walk.count == 1 && walk.first?.offsetSeconds == 199, "\(walk)")
    }

    @Test func aCrampFollowedByMovementIsAnInterruptionHoweverShort() {
        var m = Self.machine()
        // A 20-s cramp at 100.37 s with the leg still, a stretch moving it at 123-126 s, then stillness.
        var out = Self.run(&m, 0..<123)
        out += Self.run(&m, 123..<127, moving: { _ in true }, episodeSeconds: 4)
        m.cramp(Self.cramp(100.37, 120.37), lastMovingTick: 126 * 100 + 50)
        out += Self.run(&m, 127..<300)
        #expect(out.count == 1)
        // It begins with the cramp, to the tick, and ends with the stretch's last second.
        #expect(abs((out.first?.onsetSeconds ?? 0) - 100.37) < 1e-9 && out.first?.offsetSeconds == 127, "\(out)")
        // Without the cramp, the stretch alone is a leg movement, not an interruption.
        var alone = Self.machine()
        #expect(Self.run(&alone, 0..<300, moving: { (123..<127).contains($0) }, episodeSeconds: 4).isEmpty)
    }

    @Test func aStillCrampCountsOnlyFromAMinute() {
        var short = Self.machine()
        short.cramp(Self.cramp(100, 130), lastMovingTick: nil)
        #expect(Self.run(&short, 140..<400).isEmpty)
        var long = Self.machine()
        long.cramp(Self.cramp(100, 190), lastMovingTick: nil)
        let out = Self.run(&long, 200..<400)
        #expect(out.count == 1 && out.first?.onsetSeconds == 100 && out.first?.offsetSeconds == 190, "\(out)")
    }

    @Test func aCrampInsideAnOpenBoutJoinsIt() {
        var m = Self.machine()
        // Awake and moving from 0 to 40 s, a cramp from 50 to 70 s, a stretch after it: one interruption.
        var out = Self.run(&m, 0..<80, moving: { $0 % 5 == 0 && $0 <= 40 })
        m.cramp(Self.cramp(50, 70), lastMovingTick: 75 * 100)
        out += Self.run(&m, 80..<200)
        #expect(out.count == 1 && out.first?.onsetSeconds == 0 && out.first?.offsetSeconds == 76, "\(out)")
        // A cramp never reaches back into an interruption already reported.
        m.cramp(Self.cramp(60, 75), lastMovingTick: nil)
        #expect(m.finish() == nil)
    }
}
