import Foundation
import SignalCore

/// What the simulated sleeper does, and the ground truth that goes into labels.csv.
public struct SimulationOptions: Sendable, Codable, Equatable {
    public var seed: UInt64 = 1
    public var hours: Double = 8
    public var emgRateHz: Int = 2000
    public var accelRateHz: Int = 100
    /// EMG channels of the device, 0–4. With 0 (an accelerometer-only device) the sleeper's night is the
    /// one the same seed gives with `SimulationOptions.accelerometerOnlyPlanChannels` EMG channels — the same
    /// cramps, movements and awakenings, the same accelerometer samples — and the device sends only the
    /// accelerometer.
    public var emgChannels: Int = 2
    public var mainsHz: Int = 50
    public var blockSamples: Int = 32
    /// Expected cramps; nil draws from a Poisson with `crampsPerHour`.
    public var cramps: Int?
    public var crampsPerHour: Double = 0.3
    /// Longest cramp (s); shorter nights cap it further at 15 % of the night.
    public var maxCrampSeconds: Double = 600
    /// Probability that a frame is lost in transit.
    public var dropProbability: Double = 0
    /// Probability that a frame arrives with a corrupted byte.
    public var corruptProbability: Double = 0
    /// Adds the cases a leg-worn accelerometer makes hard (issue 21): periodic leg movements that move the
    /// leg, some on both channels at once; cramps that begin as the foot points (plantar flexion); getting up
    /// and walking (rhythmic bursts, the whole leg moving, upright); stretching in bed. nil or false: none
    /// (the nights of earlier versions, draw for draw).
    public var movingCases: Bool?

    public init() {}

    /// The EMG channels a night is planned (and its hidden muscles rendered) with when the device has none.
    public static let accelerometerOnlyPlanChannels = 2

    /// EMG channels the night is planned with: the device's, or the default for an accelerometer-only device.
    public var plannedEMGChannels: Int { emgChannels == 0 ? Self.accelerometerOnlyPlanChannels : emgChannels }
}

/// A ground-truth label.
public struct Label: Sendable, Equatable, Codable {
    public var kind: EventKind
    public var onsetSeconds: Double
    public var offsetSeconds: Double
    public init(kind: EventKind, onsetSeconds: Double, offsetSeconds: Double) {
        self.kind = kind
        self.onsetSeconds = onsetSeconds
        self.offsetSeconds = offsetSeconds
    }
}

/// A muscle contraction to render on one EMG channel.
struct Contraction {
    var channel: Int
    var onset: Double
    var offset: Double
    var amplitude: Double  // plateau RMS, µV
    var rampUp: Double
    var rampDown: Double
    var wobbleHz: Double
    var crossTalk: Double  // fraction that leaks to the other channels
    /// Depth of the slow amplitude modulation (0.2 steady, up to 0.6 waxing and waning).
    var wobbleDepth: Double = 0.2

    func envelope(at t: Double) -> Double {
        guard t >= onset && t < offset else { return 0 }
        let up = min(1, (t - onset) / rampUp)
        let down = min(1, (offset - t) / rampDown)
        let wobble = 1 + wobbleDepth * sin(2 * .pi * wobbleHz * t) * sin(2 * .pi * 0.37 * wobbleHz * t + 1)
        return amplitude * min(up, down) * wobble
    }
}

/// A limb movement seen by the accelerometer.
struct Motion {
    var onset: Double
    var offset: Double
    var amplitudeG: Double
    var frequencyHz: Double
    var direction: SIMD3<Double>
}

/// A change of posture (turning over).
struct PostureChange {
    var onset: Double
    var offset: Double
    var to: SIMD3<Double>
}

enum ArtifactShape {
    case flat, floating, clipping
}

struct ArtifactStretch {
    var channel: Int
    var onset: Double
    var offset: Double
    var shape: ArtifactShape
    var amplitude: Double
}

/// The whole night's plan.
struct Scenario {
    var duration: Double
    var labels: [Label] = []
    var contractions: [Contraction] = []
    var motions: [Motion] = []
    var postures: [PostureChange] = []
    var artifacts: [ArtifactStretch] = []
    /// Onsets of the cramps that began with the leg moving (plantar flexion), for recall on them alone.
    var movementOnsetCramps: [Double] = []
    private var occupied: [(Double, Double)] = []

    init(options o: SimulationOptions, rng: inout SeededGenerator) {
        duration = o.hours * 3600
        let channels = o.plannedEMGChannels
        let legs = Legs(channels: channels)
        // Cramps first: they are what the product is for, and they bring their awakenings.
        addCramps(options: o, legs: legs, emgChannels: channels, rng: &rng)
        addSpontaneousAwakenings(hours: o.hours, emgChannels: channels, rng: &rng)
        addLegMovements(hours: o.hours, legs: legs, rng: &rng)
        // Turning over: motion first, muscles with it.
        for _ in 0..<rng.poisson(2 * o.hours) {
            let length = rng.uniform(1.5, 4)
            guard let t = place(length: length, margin: 20, rng: &rng) else { continue }
            addTurn(at: t, length: length, emgChannels: channels, rng: &rng)
        }
        addElectrodeProblems(hours: o.hours, emgChannels: channels, rng: &rng)
        if o.movingCases == true { addMovingCases(hours: o.hours, legs: legs, emgChannels: channels, rng: &rng) }
        labels.sort { ($0.onsetSeconds, $0.kind.rawValue) < ($1.onsetSeconds, $1.kind.rawValue) }
        contractions.sort { $0.onset < $1.onset }
        motions.sort { $0.onset < $1.onset }
        postures.sort { $0.onset < $1.onset }
    }

    /// The EMG channels on the shin (tibialis anterior) and the calf; a single channel is on the shin.
    struct Legs {
        let shin = 0
        let calf: Int
        init(channels: Int) { calf = channels > 1 ? 1 : 0 }
    }

    /// Cramps, each with the awakening it causes.
    private mutating func addCramps(options o: SimulationOptions, legs: Legs, emgChannels channels: Int,
                                    rng: inout SeededGenerator) {
        let crampCount = o.cramps ?? rng.poisson(o.crampsPerHour * o.hours)
        let maxCramp = max(12, min(o.maxCrampSeconds, 0.15 * duration))
        for _ in 0..<crampCount {
            let length = rng.logUniform(10.5, maxCramp)
            let wakeLatency = rng.uniform(3, min(20, length - 2))
            let wakeAfter = rng.uniform(60, min(300, max(61, 0.1 * duration)))
            guard let onset = place(length: length + wakeAfter, margin: 40, rng: &rng) else { continue }
            let offset = onset + length
            let channel = rng.chance(0.8) ? legs.calf : legs.shin
            contractions.append(Self.cramp(channel: channel, onset: onset, length: length, rng: &rng))
            labels.append(Label(kind: .cramp, onsetSeconds: onset, offsetSeconds: offset))
            // Woken by the pain: stretching during the cramp, then awake for a while.
            let wakeOnset = onset + wakeLatency
            let wakeEnd = offset + wakeAfter
            addWakeMovements(from: wakeOnset, to: wakeEnd, strong: true, emgChannels: channels, rng: &rng,
                             avoidEMGUntil: offset + 3)
            labels.append(Label(kind: .sleepInterruption, onsetSeconds: wakeOnset, offsetSeconds: wakeEnd))
        }
    }

    /// One cramp's contraction. Cramp shapes vary: steady, slowly building (crescendo), or waxing and waning.
    static func cramp(channel: Int, onset: Double, length: Double, rng: inout SeededGenerator) -> Contraction {
        var cramp = Contraction(
            channel: channel, onset: onset, offset: onset + length, amplitude: rng.uniform(50, 300),
            rampUp: rng.uniform(1, 6), rampDown: rng.uniform(0.5, 3), wobbleHz: rng.uniform(0.3, 1.5),
            crossTalk: rng.uniform(0.05, 0.2))
        switch Int(rng.uniform(0, 3)) {
        case 1: cramp.rampUp = length * rng.uniform(0.3, 0.6)
        case 2:
            cramp.wobbleDepth = rng.uniform(0.4, 0.6)
            cramp.wobbleHz = rng.uniform(0.1, 0.4)
        default: break
        }
        return cramp
    }

    /// Awakenings with no cramp behind them.
    private mutating func addSpontaneousAwakenings(hours: Double, emgChannels channels: Int,
                                                   rng: inout SeededGenerator) {
        for _ in 0..<rng.poisson(0.4 * hours) {
            let length = rng.uniform(90, 600)
            guard let onset = place(length: length, margin: 40, rng: &rng) else { continue }
            addWakeMovements(from: onset, to: onset + length, strong: false, emgChannels: channels, rng: &rng,
                             avoidEMGUntil: onset)
            labels.append(Label(kind: .sleepInterruption, onsetSeconds: onset, offsetSeconds: onset + length))
        }
    }

    /// Periodic leg movements in sleep (series of 4–24, 15–40 s apart: inside the 10–90 s that makes a
    /// series periodic), then isolated ones.
    private mutating func addLegMovements(hours: Double, legs: Legs, rng: inout SeededGenerator) {
        let seriesCount = hours >= 1 ? rng.poisson(0.25 * hours) : (rng.chance(0.5) ? 1 : 0)
        for _ in 0..<seriesCount {
            let n = Int(rng.uniform(4, 25))
            let interval = rng.uniform(15, 40)
            guard let start = place(length: Double(n) * interval * 1.2 + 10, margin: 30, rng: &rng) else { continue }
            var t = start
            for _ in 0..<n {
                addLegMovement(at: t, channel: legs.shin, rng: &rng)
                t += interval * rng.uniform(0.85, 1.15)
            }
        }
        for _ in 0..<rng.poisson(2.5 * hours) {
            guard let t = place(length: 6, margin: 15, rng: &rng) else { continue }
            addLegMovement(at: t, channel: rng.chance(0.7) ? legs.shin : legs.calf, rng: &rng)
        }
    }

    /// Electrode problems: a lost or floating electrode, then clipping; at least one of each from two hours on.
    private mutating func addElectrodeProblems(hours: Double, emgChannels channels: Int, rng: inout SeededGenerator) {
        for _ in 0..<max(hours >= 2 ? 1 : 0, rng.poisson(0.15 * hours)) {
            let length = rng.uniform(30, 150)
            guard let t = place(length: length, margin: 20, rng: &rng) else { continue }
            let shape: ArtifactShape = rng.chance(0.5) ? .flat : .floating
            let channel = Int(rng.uniform(0, Double(channels)))
            artifacts.append(ArtifactStretch(channel: channel, onset: t, offset: t + length, shape: shape,
                                             amplitude: rng.uniform(300, 1500)))
            labels.append(Label(kind: .artifact, onsetSeconds: t, offsetSeconds: t + length))
        }
        for _ in 0..<max(hours >= 2 ? 1 : 0, rng.poisson(0.15 * hours)) {
            let length = rng.uniform(3, 15)
            guard let t = place(length: length, margin: 20, rng: &rng) else { continue }
            let channel = Int(rng.uniform(0, Double(channels)))
            artifacts.append(ArtifactStretch(channel: channel, onset: t, offset: t + length, shape: .clipping,
                                             amplitude: 12_000))
            labels.append(Label(kind: .artifact, onsetSeconds: t, offsetSeconds: t + length))
        }
    }

    /// Finds a free stretch of `length` seconds, `margin` away from everything else.
    mutating func place(length: Double, margin: Double, rng: inout SeededGenerator) -> Double? {
        let earliest = 60.0
        guard duration - earliest - length - 20 > 0 else { return nil }
        for _ in 0..<200 {
            let t = rng.uniform(earliest, duration - length - 20)
            if occupied.allSatisfy({ t + length + margin <= $0.0 || t >= $0.1 + margin }) {
                occupied.append((t, t + length))
                return t
            }
        }
        return nil
    }

    private mutating func addLegMovement(at t: Double, channel: Int, rng: inout SeededGenerator) {
        let length = rng.uniform(0.8, 5)
        contractions.append(Contraction(channel: channel, onset: t, offset: t + length, amplitude: rng.uniform(25, 120),
                                        rampUp: 0.15, rampDown: 0.15, wobbleHz: rng.uniform(1, 3), crossTalk: 0.1))
        // The foot flexes; a shin-worn sensor barely moves.
        motions.append(Motion(onset: t, offset: t + length, amplitudeG: rng.uniform(0.002, 0.008), frequencyHz: 1,
                              direction: randomDirection(&rng)))
        labels.append(Label(kind: .legMovement, onsetSeconds: t, offsetSeconds: t + length))
    }

    /// Leg orientations: on the back, on either side, knee bent, half turned.
    static let postures: [SIMD3<Double>] = [[0, 0, 1], [1, 0, 0.2], [-1, 0, 0.2], [0, 0.3, 0.95], [0.7, 0, 0.7]].map {
        $0 / ($0 * $0).sum().squareRoot()
    }

    private mutating func addTurn(at t: Double, length: Double, emgChannels: Int, rng: inout SeededGenerator) {
        let posture = Self.postures[Int(rng.uniform(0, Double(Self.postures.count)))]
        postures.append(PostureChange(onset: t, offset: t + length, to: posture))
        motions.append(Motion(onset: t - 0.3, offset: t + length, amplitudeG: rng.uniform(0.05, 0.15),
                              frequencyHz: rng.uniform(1, 3), direction: randomDirection(&rng)))
        var first = Double.infinity, last = -Double.infinity
        for c in 0..<emgChannels {
            let onset = t + rng.uniform(0, 0.4), offset = t + length - rng.uniform(0, 0.4)
            contractions.append(Contraction(channel: c, onset: onset, offset: offset, amplitude: rng.uniform(30, 150),
                                            rampUp: 0.3, rampDown: 0.3, wobbleHz: 2, crossTalk: 0))
            first = min(first, onset)
            last = max(last, offset)
        }
        labels.append(Label(kind: .voluntaryMovement, onsetSeconds: t, offsetSeconds: t + length))
        // WASM 2016: a burst of 0.5–10 s is a leg movement whatever else the body does.
        if emgChannels > 0 { labels.append(Label(kind: .legMovement, onsetSeconds: first, offsetSeconds: last)) }
    }

    /// Movements of an awake person between `from` and `to`; the last one ends at `to`.
    mutating func addWakeMovements(from: Double, to: Double, strong: Bool, emgChannels: Int,
                                           rng: inout SeededGenerator, avoidEMGUntil: Double) {
        var t = from
        var first = true
        while t < to - 1 {
            let length = min(rng.uniform(1, 3), to - t)
            let start = first ? from : t
            let amplitudeG = strong ? rng.uniform(0.1, 0.35) : rng.uniform(0.05, 0.25)
            motions.append(Motion(onset: start, offset: start + length, amplitudeG: amplitudeG,
                                  frequencyHz: rng.uniform(0.8, 3), direction: randomDirection(&rng)))
            // Voluntary muscle work goes with some of the movements (not during a cramp, whose EMG dominates).
            if start > avoidEMGUntil && rng.chance(0.5) {
                let long = rng.chance(0.15)
                let emgLength = long ? rng.uniform(12, 30) : length
                let end = min(to, start + emgLength)
                if end - start > 0.6 {
                    let channel = Int(rng.uniform(0, Double(emgChannels)))
                    contractions.append(Contraction(channel: channel, onset: start + 0.2, offset: end,
                                                    amplitude: rng.uniform(40, 250), rampUp: 0.3, rampDown: 0.3,
                                                    wobbleHz: 2, crossTalk: 0.1))
                    if long {
                        // Getting up and walking: movement all along.
                        motions.append(Motion(onset: start, offset: end, amplitudeG: rng.uniform(0.1, 0.3),
                                              frequencyHz: 1.8, direction: randomDirection(&rng)))
                    }
                    labels.append(Label(kind: .voluntaryMovement, onsetSeconds: start + 0.2, offsetSeconds: end))
                    if (0.5...10).contains(end - start - 0.2) {
                        labels.append(Label(kind: .legMovement, onsetSeconds: start + 0.2, offsetSeconds: end))
                    }
                    t = end
                }
            }
            first = false
            t = max(t, start + length) + rng.uniform(4, 18)
        }
        // Make the last movement end exactly at `to`.
        motions.append(Motion(onset: max(from, to - 1.5), offset: to, amplitudeG: rng.uniform(0.08, 0.2),
                              frequencyHz: 1.5, direction: randomDirection(&rng)))
    }

    func randomDirection(_ rng: inout SeededGenerator) -> SIMD3<Double> {
        let v = SIMD3(rng.gaussian(), rng.gaussian(), rng.gaussian())
        return v / max(1e-9, (v * v).sum().squareRoot())
    }
}
