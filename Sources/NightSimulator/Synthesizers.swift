#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One EMG channel: resting noise, mains, baseline wander, motor-unit activity, electrode artifacts.
struct EMGSynth {
    let channel: Int
    let fs: Double
    let mainsHz: Double
    let mainsAmplitude: Double
    let mainsPhase: Double
    let wanderHz: Double
    let noiseMicrovolts: Double
    var units: [MotorUnit]
    var future: [Double]  // MUAP contributions still to be added, ring
    var futureHead = 0
    let muap: [Double]
    let unitScale: Double

    struct MotorUnit {
        var rateHz: Double
        var nextFire: Double  // seconds
        var amplitude: Double
    }

    init(channel: Int, sampleRateHz: Double, mainsHz: Double, rng: inout SeededGenerator) {
        self.channel = channel
        fs = sampleRateHz
        self.mainsHz = mainsHz
        mainsAmplitude = rng.uniform(2, 20)
        mainsPhase = rng.uniform(0, 2 * .pi)
        wanderHz = rng.uniform(0.1, 0.4)
        // Electrode and amplifier noise differ from night to night: 1–10 µV RMS.
        noiseMicrovolts = rng.logUniform(1, 10)
        units = (0..<16).map { _ in
            MotorUnit(rateHz: rng.uniform(6, 25), nextFire: rng.uniform(0, 0.2), amplitude: rng.uniform(0.4, 1.6))
        }
        // A biphasic motor-unit action potential about 6 ms long.
        let width = Int(0.006 * sampleRateHz) + 1
        muap = (0..<width).map { i in
            let x = (Double(i) / Double(width - 1) - 0.5) * 6
            return -x * exp(-x * x / 2)
        }
        future = [Double](repeating: 0, count: 256)
        // Measured once: RMS of the unit train at full activity, so amplitudes are in µV RMS.
        let meanRate = units.reduce(0) { $0 + $1.rateHz * $1.amplitude * $1.amplitude }
        let energyPerSpike = muap.reduce(0) { $0 + $1 * $1 }
        unitScale = 1 / (meanRate * energyPerSpike / sampleRateHz).squareRoot()
    }

    mutating func render(first: Int, count: Int, scenario: Scenario, contractionCursor: Int, t1: Double,
                         rng: inout SeededGenerator, _ put: (Int, Double) -> Void) {
        let mask = future.count - 1
        // The contractions that overlap this block, in the order the cursor meets them (so every sample sums the
        // same terms in the same order as a scan from the cursor would): a walk adds hundreds of short bursts,
        // and scanning them all for every sample made a night with walking many times slower.
        var active: [Int] = []
        var scan = contractionCursor
        let t0 = Double(first) / fs
        while scan < scenario.contractions.count && scenario.contractions[scan].onset <= t1 {
            if scenario.contractions[scan].offset > t0 { active.append(scan) }
            scan += 1
        }
        for i in 0..<count {
            let n = first + i
            let t = Double(n) / fs
            var x = noiseMicrovolts * rng.gaussian()
            x += mainsAmplitude
                * (sin(2 * .pi * mainsHz * t + mainsPhase) + 0.3 * sin(2 * .pi * 3 * mainsHz * t + mainsPhase))
            x += 25 * sin(2 * .pi * wanderHz * t)
            // Muscle activity wanted now (µV RMS).
            var level = 0.0
            for k in active {
                let c = scenario.contractions[k]
                if c.onset > t { break }
                if t < c.offset {
                    let e = c.envelope(at: t)
                    level += c.channel == channel ? e : e * c.crossTalk
                }
            }
            if level > 0 {
                // Irregular motor-unit firing (6–25 Hz, 15 % jitter).
                for u in units.indices where units[u].nextFire <= t {
                    let a = units[u].amplitude * level * unitScale
                    for (j, v) in muap.enumerated() { future[(futureHead + j) & mask] += a * v }
                    units[u].nextFire = t + max(0.02, (1 / units[u].rateHz) * (1 + 0.15 * rng.gaussian()))
                }
            } else {
                for u in units.indices where units[u].nextFire <= t {
                    units[u].nextFire = t + rng.uniform(0, 1 / units[u].rateHz)
                }
            }
            x += future[futureHead]
            future[futureHead] = 0
            futureHead = (futureHead + 1) & mask
            // Electrode problems replace or swamp the signal.
            for a in scenario.artifacts where a.channel == channel && t >= a.onset && t < a.offset {
                switch a.shape {
                case .flat: x = 0.02 * rng.gaussian()
                case .floating:
                    x = a.amplitude * sin(2 * .pi * mainsHz * t) + 0.2 * a.amplitude * sin(2 * .pi * 3 * mainsHz * t)
                        + 200 * sin(2 * .pi * 0.7 * t)
                case .clipping: x += a.amplitude * sin(2 * .pi * 1.3 * (t - a.onset))
                }
            }
            put(i, x)
        }
    }
}

/// The accelerometer on the leg: gravity by posture, breathing, movements.
struct AccelSynth {
    let fa: Double
    var posture: SIMD3<Double>
    var postureCursor = 0
    var motionCursor = 0

    init(sampleRateHz: Double, posture: SIMD3<Double>) {
        fa = sampleRateHz
        self.posture = posture
    }

    mutating func sample(_ j: Int, scenario: Scenario, rng: inout SeededGenerator) -> SIMD3<Double> {
        let t = Double(j) / fa
        var g = posture
        while postureCursor < scenario.postures.count && scenario.postures[postureCursor].offset <= t {
            posture = scenario.postures[postureCursor].to
            g = posture
            postureCursor += 1
        }
        if postureCursor < scenario.postures.count {
            let p = scenario.postures[postureCursor]
            if t >= p.onset {
                let s = (t - p.onset) / (p.offset - p.onset)
                let w = s * s * (3 - 2 * s)
                g = posture * (1 - w) + p.to * w
                g /= max(1e-9, (g * g).sum().squareRoot())
            }
        }
        g += SIMD3(rng.gaussian(), rng.gaussian(), rng.gaussian()) * 0.002
        g.z += 0.002 * sin(2 * .pi * 0.25 * t)
        while motionCursor < scenario.motions.count && scenario.motions[motionCursor].offset < t - 60 {
            motionCursor += 1
        }
        var k = motionCursor
        while k < scenario.motions.count && scenario.motions[k].onset <= t {
            let m = scenario.motions[k]
            if t < m.offset {
                let s = (t - m.onset) / (m.offset - m.onset)
                let window: Double = sin(Double.pi * s)
                let swing: Double = sin(2 * Double.pi * m.frequencyHz * (t - m.onset))
                let jitter: Double = 0.3 * rng.gaussian()
                g += m.direction * (m.amplitudeG * window * (swing + jitter))
            }
            k += 1
        }
        return g
    }
}
