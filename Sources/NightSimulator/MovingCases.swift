/// The cases a leg-worn accelerometer makes hard (issue 21), added when `SimulationOptions.movingCases` is on.
/// Each is drawn after everything else, so a night without them is the night of earlier versions.
extension Scenario {
    /// An upright leg (standing, walking): the shin's long axis along gravity.
    static let upright: SIMD3<Double> = {
        let v = SIMD3<Double>(0.1, 0.98, 0.15)
        return v / (v * v).sum().squareRoot()
    }()

    mutating func addMovingCases(hours: Double, legs: Legs, emgChannels: Int, rng: inout SeededGenerator) {
        for _ in 0..<max(1, rng.poisson(0.5 * hours)) { addMovingSeries(legs: legs, rng: &rng) }
        for _ in 0..<max(1, rng.poisson(0.6 * hours)) {
            addMovementOnsetCramp(legs: legs, emgChannels: emgChannels, rng: &rng)
        }
        for _ in 0..<max(1, rng.poisson(0.3 * hours)) { addWalk(legs: legs, emgChannels: emgChannels, rng: &rng) }
        for _ in 0..<max(1, rng.poisson(0.3 * hours)) { addStretch(legs: legs, emgChannels: emgChannels, rng: &rng) }
    }

    /// A series of periodic leg movements that move the leg (0.02–0.1 g: the foot and knee flex, as leg
    /// actigraphy sees them), a third of them on both channels with onsets up to 0.4 s apart.
    mutating func addMovingSeries(legs: Legs, rng: inout SeededGenerator) {
        let n = Int(rng.uniform(4, 25))
        let interval = rng.uniform(12, 40)
        guard let start = place(length: Double(n) * interval * 1.2 + 10, margin: 30, rng: &rng) else { return }
        var t = start
        for _ in 0..<n {
            let length = rng.uniform(0.8, 5)
            var last = t + length
            contractions.append(Contraction(channel: legs.shin, onset: t, offset: t + length,
                                            amplitude: rng.uniform(25, 120), rampUp: 0.15, rampDown: 0.15,
                                            wobbleHz: rng.uniform(1, 3), crossTalk: 0.1))
            if legs.calf != legs.shin && rng.chance(0.33) {
                let onset = t + rng.uniform(0, 0.4), other = rng.uniform(0.8, 5)
                contractions.append(Contraction(channel: legs.calf, onset: onset, offset: onset + other,
                                                amplitude: rng.uniform(25, 120), rampUp: 0.15, rampDown: 0.15,
                                                wobbleHz: rng.uniform(1, 3), crossTalk: 0.1))
                last = max(last, onset + other)
            }
            motions.append(Motion(onset: t, offset: t + min(length, 2.5), amplitudeG: rng.uniform(0.02, 0.1),
                                  frequencyHz: rng.uniform(0.5, 1.5), direction: randomDirection(&rng)))
            // WASM 2016: activity on both legs that overlaps (or is < 0.5 s apart) is one bilateral movement.
            labels.append(Label(kind: .legMovement, onsetSeconds: t, offsetSeconds: min(last, t + 15)))
            t += interval * rng.uniform(0.85, 1.15)
        }
    }

    /// A cramp that begins as the foot points: the calf contracts with a plantar flexion that moves the leg for
    /// 1–3 s, then holds still while it cramps; the pain wakes the sleeper as in any cramp.
    mutating func addMovementOnsetCramp(legs: Legs, emgChannels: Int, rng: inout SeededGenerator) {
        let length = rng.logUniform(10.5, max(12, min(180, 0.15 * duration)))
        let wakeAfter = rng.uniform(60, min(300, max(61, 0.1 * duration)))
        guard let onset = place(length: length + wakeAfter, margin: 40, rng: &rng) else { return }
        var cramp = Self.cramp(channel: legs.calf, onset: onset, length: length, rng: &rng)
        cramp.rampUp = min(cramp.rampUp, 2)
        contractions.append(cramp)
        motions.append(Motion(onset: onset - 0.3, offset: onset + rng.uniform(1, 3), amplitudeG: rng.uniform(0.05, 0.2),
                              frequencyHz: rng.uniform(0.4, 1), direction: randomDirection(&rng)))
        labels.append(Label(kind: .cramp, onsetSeconds: onset, offsetSeconds: onset + length))
        movementOnsetCramps.append(onset)
        let wakeOnset = onset + rng.uniform(3, min(20, length - 2))
        let wakeEnd = onset + length + wakeAfter
        addWakeMovements(from: wakeOnset, to: wakeEnd, strong: true, emgChannels: emgChannels, rng: &rng,
                         avoidEMGUntil: onset + length + 3)
        labels.append(Label(kind: .sleepInterruption, onsetSeconds: wakeOnset, offsetSeconds: wakeEnd))
    }

    /// Getting up and walking: the leg turns upright, then 20–90 s of strides (a calf burst of 0.3–0.6 s and a
    /// shin burst in every 1.0–1.3-s stride, the whole leg swinging), then back to bed.
    mutating func addWalk(legs: Legs, emgChannels: Int, rng: inout SeededGenerator) {
        let walk = rng.uniform(20, 90), before = rng.uniform(10, 30), after = rng.uniform(30, 90)
        guard let start = place(length: before + walk + after, margin: 40, rng: &rng) else { return }
        let up = start + before, down = up + walk
        addWakeMovements(from: start, to: up - 2, strong: false, emgChannels: emgChannels, rng: &rng,
                         avoidEMGUntil: up)
        postures.append(PostureChange(onset: up - 2, offset: up, to: Self.upright))
        let stride = rng.uniform(1.0, 1.3)
        var t = up
        while t + stride < down {
            for (channel, phase) in [(legs.calf, 0.0), (legs.shin, 0.5)] {
                let onset = t + phase * stride, burst = rng.uniform(0.3, 0.6)
                contractions.append(Contraction(channel: channel, onset: onset, offset: onset + burst,
                                                amplitude: rng.uniform(40, 150), rampUp: 0.08, rampDown: 0.08,
                                                wobbleHz: 2, crossTalk: 0.1))
            }
            t += stride
        }
        motions.append(Motion(onset: up, offset: down, amplitudeG: rng.uniform(0.15, 0.4), frequencyHz: 1 / stride,
                              direction: randomDirection(&rng)))
        let lying = Self.postures[Int(rng.uniform(0, Double(Self.postures.count)))]
        postures.append(PostureChange(onset: down, offset: down + 2, to: lying))
        addWakeMovements(from: down + 2, to: down + after, strong: false, emgChannels: emgChannels, rng: &rng,
                         avoidEMGUntil: down + after)
        labels.append(Label(kind: .voluntaryMovement, onsetSeconds: up, offsetSeconds: down))
        labels.append(Label(kind: .sleepInterruption, onsetSeconds: start, offsetSeconds: down + after))
    }

    /// Stretching in bed while awake: a held contraction of 10–25 s with the leg slowly moving all along.
    mutating func addStretch(legs: Legs, emgChannels: Int, rng: inout SeededGenerator) {
        let length = rng.uniform(90, 240)
        guard let start = place(length: length, margin: 40, rng: &rng) else { return }
        addWakeMovements(from: start, to: start + length, strong: false, emgChannels: emgChannels, rng: &rng,
                         avoidEMGUntil: start + length)
        let onset = start + rng.uniform(20, 40), hold = rng.uniform(10, 25)
        contractions.append(Contraction(channel: rng.chance(0.5) ? legs.shin : legs.calf, onset: onset,
                                        offset: onset + hold, amplitude: rng.uniform(40, 200), rampUp: 1,
                                        rampDown: 1, wobbleHz: 0.5, crossTalk: 0.15))
        motions.append(Motion(onset: onset, offset: onset + hold, amplitudeG: rng.uniform(0.05, 0.15),
                              frequencyHz: rng.uniform(0.3, 0.6), direction: randomDirection(&rng)))
        labels.append(Label(kind: .voluntaryMovement, onsetSeconds: onset, offsetSeconds: onset + hold))
        labels.append(Label(kind: .sleepInterruption, onsetSeconds: start, offsetSeconds: start + length))
    }
}
