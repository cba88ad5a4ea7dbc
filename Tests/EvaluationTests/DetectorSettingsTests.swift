import Foundation
import Testing

@testable import Evaluation
import Ingest
import NightAnalysis
@testable import SignalCore

/// `DetectorConfiguration.settings` declares every setting once; the JSON form, range checks, stage keys, sweeps
/// and the docs table are derived from it. These tests hold the derived forms to what they were before the
/// declaration existed (the canonical JSON is hashed into users' journals) and to each other.
@Suite struct DetectorSettingsTests {
    /// Captured from the hand-written encoder (commit ffcdc8b) before the settings were declared in one table,
    /// with the three settings issue 21 added (crampMaxMovingFraction, crampMinSustainedFraction,
    /// wakeLegMovementMaxG).
    static let defaultCanonicalJSON = #"{"artifactHoldSeconds":1,"artifactMinSeconds":0.5,"bandHighHz":450,"#
        + #""bandLowHz":20,"baselinePercentile":0.2,"baselineWindowSeconds":30,"crampAfterSeconds":10,"#
        + #""crampMaxMovingFraction":0.5,"crampMaxSeconds":900,"crampMinMeanAboveRestMicrovolts":15,"#
        + #""crampMinSeconds":10,"crampMinSustainedFraction":0.8,"crampStillOnsetSeconds":2,"#
        + #""envelopeKind":"rms","envelopeWindowSeconds":0.15,"filterOrder":2,"#
        + #""flatLineMicrovolts":0.3,"legMovementMaxSeconds":10,"legMovementMinSeconds":0.5,"#
        + #""legMovementOffsetAboveRestMicrovolts":2,"legMovementOffsetQuietSeconds":0.5,"#
        + #""legMovementOnsetAboveRestMicrovolts":8,"mainsHz":0,"mainsMinMicrovolts":20,"mainsRatio":4,"#
        + #""maxBridgeSeconds":1,"motionMinMicrovolts":300,"motionRatio":3,"movementThresholdG":0.02,"#
        + #""notchEnabled":true,"notchHarmonics":3,"notchQ":30,"reportMuscleActivity":false,"version":1,"#
        + #""wakeEndQuietSeconds":45,"wakeLegMovementMaxG":0.05,"wakeMinSeconds":60}"#

    /// The same capture for `nonDefault`: every setting changed, Floats with awkward digits, a huge Double.
    static let nonDefaultCanonicalJSON = #"{"artifactHoldSeconds":1.25,"artifactMinSeconds":0.3,"bandHighHz":400,"#
        + #""bandLowHz":15.5,"baselinePercentile":0.35,"baselineWindowSeconds":60,"crampAfterSeconds":1e+300,"#
        + #""crampMaxMovingFraction":0.65,"crampMaxSeconds":600,"crampMinMeanAboveRestMicrovolts":12.3,"#
        + #""crampMinSeconds":8,"crampMinSustainedFraction":0.35,"crampStillOnsetSeconds":1.5,"#
        + #""envelopeKind":"tkeo","envelopeWindowSeconds":0.1,"filterOrder":4,"#
        + #""flatLineMicrovolts":0.1,"legMovementMaxSeconds":12,"legMovementMinSeconds":0.4,"#
        + #""legMovementOffsetAboveRestMicrovolts":0.3,"legMovementOffsetQuietSeconds":0.75,"#
        + #""legMovementOnsetAboveRestMicrovolts":9.7,"mainsHz":60,"mainsMinMicrovolts":17.1,"mainsRatio":3.3,"#
        + #""maxBridgeSeconds":0.25,"motionMinMicrovolts":250.5,"motionRatio":2.7,"movementThresholdG":0.015,"#
        + #""notchEnabled":false,"notchHarmonics":2,"notchQ":25.5,"reportMuscleActivity":true,"version":1,"#
        + #""wakeEndQuietSeconds":30.25,"wakeLegMovementMaxG":0.15,"wakeMinSeconds":90}"#

    static var nonDefault: DetectorConfiguration {
        var c = DetectorConfiguration()
        c.bandLowHz = 15.5; c.bandHighHz = 400; c.filterOrder = 4; c.notchEnabled = false; c.mainsHz = 60
        c.notchHarmonics = 2; c.notchQ = 25.5; c.envelopeKind = .tkeo; c.envelopeWindowSeconds = 0.1
        c.baselineWindowSeconds = 60; c.baselinePercentile = 0.35
        c.legMovementOnsetAboveRestMicrovolts = 9.7; c.legMovementOffsetAboveRestMicrovolts = Float(0.1 + 0.2)
        c.legMovementOffsetQuietSeconds = 0.75; c.legMovementMinSeconds = 0.4; c.legMovementMaxSeconds = 12
        c.crampMinSeconds = 8; c.crampMinMeanAboveRestMicrovolts = 12.3; c.crampStillOnsetSeconds = 1.5
        c.crampAfterSeconds = 1e300; c.crampMaxSeconds = 600; c.movementThresholdG = 0.015
        c.wakeMinSeconds = 90; c.wakeEndQuietSeconds = 30.25; c.flatLineMicrovolts = 0.1; c.mainsRatio = 3.3
        c.mainsMinMicrovolts = 17.1; c.motionMinMicrovolts = 250.5; c.motionRatio = 2.7
        c.artifactHoldSeconds = 1.25; c.artifactMinSeconds = 0.3; c.reportMuscleActivity = true
        c.maxBridgeSeconds = 0.25
        c.crampMaxMovingFraction = 0.65; c.crampMinSustainedFraction = 0.35; c.wakeLegMovementMaxG = 0.15
        return c
    }

    @Test func canonicalJSONAndHashesAreThoseOfTheHandWrittenEncoder() throws {
        #expect(ConfigurationIdentity.canonicalJSON(DetectorConfiguration()) == Self.defaultCanonicalJSON)
        // The identity leaves the mains frequency out (it is the recording's, kept with each night).
        #expect(ConfigurationIdentity.canonicalJSON(Self.nonDefault)
            == Self.nonDefaultCanonicalJSON.replacingOccurrences(of: "\"mainsHz\":60", with: "\"mainsHz\":0"))
        var at50 = Self.nonDefault
        at50.mainsHz = 50
        #expect(ConfigurationIdentity.hash(at50) == ConfigurationIdentity.hash(Self.nonDefault))
        #expect(ConfigurationIdentity.hash(DetectorConfiguration())
            == "6e43e17470bdcffa01f86c1a6db9258f0db02b4a0a759984d6f5b2d09c3deb74")
        #expect(ConfigurationIdentity.hash(Self.nonDefault)
            == "aa78178f754db4d729471ecfad6a25211188e432a6918199b18e2cb0e7749316")
        let json = Data(Self.nonDefaultCanonicalJSON.utf8)
        let decoded = try JSONDecoder().decode(DetectorConfiguration.self, from: json)
        #expect(decoded == Self.nonDefault)
    }

    @Test func everyStoredPropertyIsDeclaredOnceInOrder() {
        let stored = Mirror(reflecting: DetectorConfiguration()).children.compactMap(\.label)
        #expect(stored.count == 37)
        #expect(DetectorConfiguration.settings.map(\.key) == stored)
        #expect(Set(DetectorConfiguration.settings.map(\.key)).count == DetectorConfiguration.settings.count)
        #expect(DetectorConfiguration.documentation.map(\.name) == stored)
    }

    /// Each setting set to another value through its declared storage, encoded, then decoded from the whole
    /// JSON and from a file holding that key alone.
    @Test(arguments: DetectorConfiguration.settings.map(\.key))
    func settingRoundTripsThroughJSON(key: String) throws {
        let setting = try #require(DetectorConfiguration.setting(named: key))
        let base = DetectorConfiguration()
        let changed = Self.perturbed(base, setting)
        #expect(changed != base)
        let baseObject = try Self.jsonObject(base), changedObject = try Self.jsonObject(changed)
        // The declaration's key path writes the property its key names, and nothing else.
        #expect(Set(changedObject.keys) == Set(baseObject.keys))
        let differing = baseObject.keys.filter { "\(baseObject[$0]!)" != "\(changedObject[$0]!)" }
        #expect(differing == [key])
        let decoded = try JSONDecoder().decode(DetectorConfiguration.self, from: JSONEncoder().encode(changed))
        #expect(decoded == changed)
        let alone = try JSONSerialization.data(withJSONObject: [key: changedObject[key]!])
        #expect(try JSONDecoder().decode(DetectorConfiguration.self, from: alone) == changed)
    }

    @Test func filesMayLeaveSettingsOutButNotNameUnknownOnes() throws {
        #expect(try JSONDecoder().decode(DetectorConfiguration.self, from: Data("{}".utf8)) == DetectorConfiguration())
        do {
            _ = try JSONDecoder().decode(DetectorConfiguration.self, from: Data(#"{"crampMinSecond": 20}"#.utf8))
            Issue.record("an unknown key was accepted")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription
                == "unknown setting \"crampMinSecond\" (a typo?); `crampwatch config show` lists the settings")
        }
        // A value of the wrong JSON type is refused, not converted.
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(DetectorConfiguration.self, from: Data(#"{"filterOrder": 2.5}"#.utf8))
        }
    }

    /// The ranges are exactly the per-setting checks `validate(sampleRateHz:)` held before the declaration.
    @Test func rangesAreTheOnesValidateCheckedBefore() {
        let ranged = DetectorConfiguration.settings.compactMap { s in s.allowed.map { (s.key, $0) } }
        // Issue 21 added three ranged settings (the two cramp fractions and wakeLegMovementMaxG).
        #expect(ranged.map(\.0) == ["bandLowHz", "mainsHz", "envelopeWindowSeconds", "baselineWindowSeconds",
                                    "baselinePercentile", "crampMinSeconds", "crampMaxMovingFraction",
                                    "crampMinSustainedFraction", "wakeMinSeconds", "wakeEndQuietSeconds",
                                    "wakeLegMovementMaxG"])
        #expect(ranged.map(\.1) == [.above(0), .oneOf([0, 50, 60]), .within(0.01...2), .within(2...600),
                                    .within(0...1), .atLeast(1), .within(0...1), .within(0...1), .atLeast(0),
                                    .above(0), .atLeast(0)])
        #expect(ranged.map(\.1.text) == ["> 0", "0, 50, 60", "0.01…2", "2…600", "0…1", "≥ 1", "0…1", "0…1",
                                         "≥ 0", "> 0", "≥ 0"])
    }

    /// Values just outside each declared range are refused with the setting's name, range and unit; the
    /// boundaries that belong to the range are accepted.
    /// Per ranged setting: values just outside its range, and the boundaries (or values) inside it.
    static let rangeCases: [(key: String, outside: [Double], inside: [Double])] = [
        ("bandLowHz", [0, -5], [0.5, 20]), ("mainsHz", [55, 49.9, -50], [0, 50, 60]),
        ("envelopeWindowSeconds", [0.009, 2.01, 3], [0.01, 2]), ("baselineWindowSeconds", [1, 601], [2, 600]),
        ("baselinePercentile", [-0.01, 1.5], [0, 1]), ("crampMinSeconds", [0.99, 0], [1, 899]),
        ("crampMaxMovingFraction", [-0.1, 1.5], [0, 1]), ("crampMinSustainedFraction", [-0.1, 1.5], [0, 1]),
        ("wakeMinSeconds", [-1], [0]), ("wakeEndQuietSeconds", [0, -3], [0.01]), ("wakeLegMovementMaxG", [-0.01], [0]),
    ]

    @Test func everyRangedSettingHasCases() {
        let ranged = DetectorConfiguration.settings.filter { $0.allowed != nil }.map(\.key)
        #expect(Self.rangeCases.map(\.key) == ranged)
    }

    @Test(arguments: rangeCases)
    func outOfRangeValuesAreRefusedWithNameRangeAndUnit(key: String, outside: [Double], inside: [Double]) throws {
        let setting = try #require(DetectorConfiguration.setting(named: key))
        let range = try #require(setting.allowed)
        for v in inside {
            #expect(throws: Never.self, "\(key) = \(v)") {
                try Self.with(setting, v).validate(sampleRateHz: 1000)
            }
        }
        for v in outside {
            let error = #expect(throws: ConfigurationError.self, "\(key) = \(v)") {
                try Self.with(setting, v).validate(sampleRateHz: 1000)
            }
            let message = error?.description ?? ""
            let unit = setting.unit.isEmpty ? "" : " \(setting.unit)"
            #expect(message == "\(key) must be \(range.phrase)\(unit), not \(SettingRange.text(v))\(unit)")
        }
    }

    @Test func messagesReadAsSentences() throws {
        func message(_ key: String, _ v: Double) -> String? {
            let s = DetectorConfiguration.setting(named: key)!
            do { try Self.with(s, v).validate(sampleRateHz: 1000) } catch { return "\(error)" }
            return nil
        }
        #expect(message("envelopeWindowSeconds", 3) == "envelopeWindowSeconds must be within 0.01…2 s, not 3 s")
        #expect(message("mainsHz", 55) == "mainsHz must be 0, 50 or 60 Hz, not 55 Hz")
        #expect(message("baselinePercentile", 1.5) == "baselinePercentile must be within 0…1, not 1.5")
        #expect(message("crampMinSeconds", 0.5) == "crampMinSeconds must be at least 1 s, not 0.5 s")
        #expect(message("bandLowHz", 0) == "bandLowHz must be above 0 Hz, not 0 Hz")
        #expect(message("baselineWindowSeconds", 601) == "baselineWindowSeconds must be within 2…600 s, not 601 s")
    }

    /// The checks between settings stay code in `validate`.
    @Test func checksBetweenSettingsStillRefuse() {
        var c = DetectorConfiguration()
        c.bandLowHz = 450
        #expect(throws: ConfigurationError.self) { try c.validate(sampleRateHz: 1000) }
        c = DetectorConfiguration()
        c.legMovementOffsetAboveRestMicrovolts = 8
        #expect(throws: ConfigurationError.self) { try c.validate(sampleRateHz: 1000) }
        c = DetectorConfiguration()
        c.crampMinSeconds = 900
        #expect(throws: ConfigurationError.self) { try c.validate(sampleRateHz: 1000) }
        #expect(throws: ConfigurationError.self) { try DetectorConfiguration().validate(sampleRateHz: 19) }
        #expect(throws: Never.self) { try DetectorConfiguration().validate(sampleRateHz: 1000) }
    }

    /// The stage of each setting is the one the hand-written table gave it.
    @Test func stagesCoverEverySettingAsBefore() {
        let before: [String: DetectorStage] = [
            "version": .format,
            "bandLowHz": .features, "bandHighHz": .features, "filterOrder": .features, "notchEnabled": .features,
            "mainsHz": .features, "notchHarmonics": .features, "notchQ": .features, "envelopeKind": .features,
            "envelopeWindowSeconds": .features, "maxBridgeSeconds": .features,
            "baselineWindowSeconds": .stateMachines, "baselinePercentile": .stateMachines,
            "legMovementOnsetAboveRestMicrovolts": .stateMachines,
            "legMovementOffsetAboveRestMicrovolts": .stateMachines,
            "legMovementOffsetQuietSeconds": .stateMachines, "crampStillOnsetSeconds": .stateMachines,
            "crampMaxSeconds": .stateMachines, "movementThresholdG": .stateMachines,
            "wakeEndQuietSeconds": .stateMachines, "wakeLegMovementMaxG": .stateMachines,
            "flatLineMicrovolts": .stateMachines, "mainsRatio": .stateMachines, "mainsMinMicrovolts": .stateMachines,
            "motionMinMicrovolts": .stateMachines, "motionRatio": .stateMachines, "artifactHoldSeconds": .stateMachines,
            "legMovementMinSeconds": .classification, "legMovementMaxSeconds": .classification,
            "crampMinSeconds": .classification, "crampMinMeanAboveRestMicrovolts": .classification,
            "crampAfterSeconds": .classification, "reportMuscleActivity": .classification,
            "crampMaxMovingFraction": .classification, "crampMinSustainedFraction": .classification,
            "artifactMinSeconds": .classification, "wakeMinSeconds": .classification,
        ]
        #expect(DetectorConfiguration.stages == before)
        #expect(Set(DetectorConfiguration.settings.map(\.key)) == Set(before.keys))
    }

    /// A stage's key keeps exactly the settings of that stage and the earlier ones (never the version).
    @Test func stageKeysKeepExactlyTheSettingsTheirStageReads() {
        let base = DetectorConfiguration()
        let order: [DetectorStage] = [.features, .stateMachines, .classification]
        for setting in DetectorConfiguration.settings {
            let changed = Self.perturbed(base, setting)
            for stage in order {
                let kept = changed.key(for: stage) != base.key(for: stage)
                let reads = setting.stage != .format
                    && order.firstIndex(of: setting.stage)! <= order.firstIndex(of: stage)!
                #expect(kept == reads, "\(setting.key) in the \(stage) key")
            }
            #expect((changed.featureKey != base.featureKey) == (setting.stage == .features), "\(setting.key)")
            #expect((changed.stateMachineKey != base.stateMachineKey)
                == (setting.stage == .features || setting.stage == .stateMachines), "\(setting.key)")
        }
    }

    /// A sweep sets each numeric setting with its declared JSON type: the value a perturbed configuration holds,
    /// given as a Double, gives back that configuration.
    @Test func sweepsSetEveryNumericSettingWithItsDeclaredType() throws {
        let base = DetectorConfiguration()
        for setting in DetectorConfiguration.settings where setting.isNumeric {
            let changed = Self.perturbed(base, setting)
            let number = try #require(setting.number(in: changed))
            #expect(try Sweep.apply([setting.key: number], to: base) == changed, "\(setting.key)")
        }
        let rounded = try Sweep.apply(["filterOrder": 3.4, "notchEnabled": 0, "motionRatio": 2.5], to: base)
        #expect(rounded.filterOrder == 3 && rounded.notchEnabled == false && rounded.motionRatio == 2.5)
        #expect(ConfigurationIdentity.canonicalJSON(rounded).contains(#""filterOrder":3,"#))
        #expect(DetectorConfiguration.settings.filter(\.isInteger).map(\.key)
            == ["version", "filterOrder", "notchHarmonics", "baselineWindowSeconds"])
        #expect(DetectorConfiguration.settings.filter(\.isBoolean).map(\.key)
            == ["notchEnabled", "reportMuscleActivity"])
        #expect(DetectorConfiguration.settings.filter { !$0.isNumeric }.map(\.key) == ["envelopeKind"])
        #expect(throws: ReplayError.self) { try Sweep.apply(["envelopeKind": 1], to: base) }
    }

    @Test func markdownTableHasARowPerSetting() {
        let lines = DetectorConfiguration.settingsMarkdownTable.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 + DetectorConfiguration.settings.count)
        #expect(lines[0] == "| setting | default | unit | allowed | stage | meaning | source |")
        #expect(lines.contains("| `flatLineMicrovolts` | 0.3 | µV | — | state machines | "
            + "envelope below this is a flat line | our measurement |"))
        #expect(lines.contains("| `envelopeWindowSeconds` | 0.15 | s | 0.01…2 | features | "
            + "RMS window | S-PLMAD (Ferri et al.) |"))
        #expect(lines.contains("| `envelopeKind` | rms | — | rms, tkeo | features | "
            + "rms (rectified RMS) or tkeo (Teager–Kaiser energy, then RMS) | "
            + "S-PLMAD (RMS); Li et al. 2007 (TKEO) |"))
        #expect(lines.allSatisfy { $0.filter { $0 == "|" }.count == 8 })
    }

    /// The settings table in the docs (README.md or docs/*.md, between the `settings-table` markers) is the one
    /// the declaration generates (`crampwatch config show --markdown`).
    @Test func docsTableIsTheGeneratedOne() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let docs = root.appendingPathComponent("docs")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: docs.path)) ?? []
        let files = [root.appendingPathComponent("README.md")]
            + names.filter { $0.hasSuffix(".md") }.sorted().map { docs.appendingPathComponent($0) }
        var blocks: [(file: String, text: String)] = []
        for file in files {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            for block in Self.blocks(in: text) { blocks.append((file.lastPathComponent, block)) }
        }
        guard !blocks.isEmpty else {
            let missing = "no <!-- settings-table:begin --> … <!-- settings-table:end --> block in README.md or "
                + "docs/*.md; put the output of `crampwatch config show --markdown` between those markers"
            Issue.record("\(missing)")
            return
        }
        let generated = DetectorConfiguration.settingsMarkdownTable.trimmingCharacters(in: .whitespacesAndNewlines)
        for block in blocks {
            #expect(block.text.trimmingCharacters(in: .whitespacesAndNewlines) == generated,
                    "\(block.file): the settings table differs from `crampwatch config show --markdown`")
        }
    }

    @Test func docsBlocksAreFoundBetweenTheMarkers() {
        let text = "intro\n<!-- settings-table:begin -->\n| a |\n<!-- settings-table:end -->\nmiddle\n"
            + "<!-- settings-table:begin -->\n| b |\n<!-- settings-table:end -->\n<!-- settings-table:begin -->\nopen"
        #expect(Self.blocks(in: text).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } == ["| a |", "| b |"])
    }

    // MARK: - Helpers

    static func blocks(in text: String) -> [String] {
        var found: [String] = [], rest = text[...]
        while let begin = rest.range(of: "<!-- settings-table:begin -->"),
              let end = rest[begin.upperBound...].range(of: "<!-- settings-table:end -->") {
            found.append(String(rest[begin.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return found
    }

    /// `c` with `setting` at another value of its type (the version goes down: a newer one is refused).
    static func perturbed(_ c: DetectorConfiguration, _ setting: DetectorSetting) -> DetectorConfiguration {
        var c = c
        switch setting.storage {
        case .double(let p): c[keyPath: p] += 1.5
        case .float(let p): c[keyPath: p] += 0.25
        case .integer(let p): c[keyPath: p] += setting.key == "version" ? -1 : 1
        case .boolean(let p): c[keyPath: p].toggle()
        case .envelopeKind(let p): c[keyPath: p] = c[keyPath: p] == .rms ? .tkeo : .rms
        }
        return c
    }

    /// The defaults with a numeric `setting` at `value`.
    static func with(_ setting: DetectorSetting, _ value: Double) -> DetectorConfiguration {
        var c = DetectorConfiguration()
        switch setting.storage {
        case .double(let p): c[keyPath: p] = value
        case .float(let p): c[keyPath: p] = Float(value)
        case .integer(let p): c[keyPath: p] = Int(value)
        case .boolean(let p): c[keyPath: p] = value != 0
        case .envelopeKind: break
        }
        return c
    }

    static func jsonObject(_ c: DetectorConfiguration) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as! [String: Any]
    }
}
