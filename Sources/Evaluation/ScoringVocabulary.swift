import Foundation
import Recordings

/// What a clinical scoring's label means for validation.
public enum ScoredMeaning: String, Sendable, CaseIterable {
    case cramp, artifact
    /// One leg movement (WASM 2016: 0.5–10 s); a longer "PLM" label is a PLM series.
    case legMovement = "leg_movement"
    /// A sleep interruption scored as an event (labels.csv).
    case sleepInterruption = "sleep_interruption"
    /// A sleep-stage epoch (or run of epochs) of wake, or of any sleep stage.
    case wake, sleep
    /// A periodic-leg-movement series: counted and shown, not scored event by event.
    case plmSeries = "plm_series"
    /// Deliberately not scored (stage "?", lights off, …): counted, never silently dropped.
    case ignore
}

/// Maps the labels of clinical scorings (AASM/NSRR vocabulary, Noxturnal in English and French) to
/// `ScoredMeaning`, case and accents aside; a `--label-map` file adds to it or overrides it.
public struct LabelMap: Sendable {
    /// Normalised label → meaning: the built-in vocabulary, and a `--label-map` file's, which is asked first.
    public private(set) var entries: [String: ScoredMeaning]
    public private(set) var userEntries: [String: ScoredMeaning] = [:]

    /// The built-in vocabulary (docs/formats.md shows it as a table).
    public static let builtIn: [(labels: [String], meaning: ScoredMeaning)] = [
        (["Limb Movement (Left)", "Limb Movement (Right)", "Limb movement - left", "Limb movement - right",
          "Limb movement", "Limb Movement", "Leg movement", "Leg Movement (Left)", "Leg Movement (Right)",
          "Leg movement - left", "Leg movement - right", "LM", "LM (Left)", "LM (Right)", "LM left", "LM right",
          "LML", "LMR", "Bilateral LM", "PLM", "PLM (Left)", "PLM (Right)", "Periodic leg movement",
          "Periodic leg movement - left", "Periodic leg movement - right", "Periodic limb movement",
          "MJ", "MJ G", "MJ D", "Mouvement de jambe", "Mouvement de jambe gauche", "Mouvement de jambe droite",
          "limb_movement", "leg_movement"], .legMovement),
        (["Cramp", "Leg cramp", "Muscle cramp", "Nocturnal leg cramp", "Crampe", "Crampe musculaire",
          "Crampe de jambe", "cramp"], .cramp),
        (SleepStageLabels.wake, .wake),
        (SleepStageLabels.sleep, .sleep),
        (["PLM series", "PLMS", "Periodic limb movement series", "Série de MPJ"], .plmSeries),
        (["Sleep stage ?", "Unscored|9", "Unscored", "Unsure|Unsure", "Movement time", "Movement|6",
          "Sleep stage M", "Début de l'analyse", "Fin de l'analyse", "Recording Start Time", "Lights off",
          "Lights on"], .ignore),
    ]

    public init() {
        entries = [:]
        for (labels, meaning) in Self.builtIn { for l in labels { entries[Self.key(l)] = meaning } }
    }

    /// Case-, accent- and space-insensitive key ("Limb movement - left" = "limb movement - LEFT").
    public static func key(_ label: String) -> String {
        let folded = label.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        return folded.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// The meaning of `label`: the whole label, then (NSRR "Name|Display") each part, then the part
    /// before "@@" (Sleep-EDF style "Lights off@@EEG F4-A1").
    public func meaning(of label: String) -> ScoredMeaning? {
        Self.lookUp(label, in: userEntries) ?? Self.lookUp(label, in: entries)
    }

    static func lookUp(_ label: String, in table: [String: ScoredMeaning]) -> ScoredMeaning? {
        if let m = table[key(label)] { return m }
        if let at = label.range(of: "@@"), let m = table[key(String(label[..<at.lowerBound]))] { return m }
        for part in label.split(separator: "|") where part.count < label.count {
            if let m = table[key(String(part))] { return m }
        }
        return nil
    }

    /// Adds a `--label-map` file: one `label = meaning` per line (`#` comments, blank lines allowed);
    /// the meaning is one of `ScoredMeaning`'s names. Later lines override earlier ones and the built-in table.
    public mutating func add(fileText text: String, path: String) throws {
        let names = ScoredMeaning.allCases.map(\.rawValue)
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.lastIndex(of: "=") else {
                throw LabelsError(description: "\(path) line \(i + 1): expected `label = meaning`, found \"\(line)\"; "
                                  + "meanings: \(names.joined(separator: ", "))")
            }
            let label = line[..<eq].trimmingCharacters(in: .whitespaces)
            let name = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces).lowercased()
            guard !label.isEmpty else {
                throw LabelsError(description: "\(path) line \(i + 1): no label before \"=\"; write `label = meaning`")
            }
            guard let meaning = ScoredMeaning(rawValue: name) else {
                throw LabelsError(description: "\(path) line \(i + 1): \"\(name)\" is not a meaning; use one of "
                                  + "\(names.joined(separator: ", ")) (ignore = count it, score nothing)")
            }
            userEntries[Self.key(label)] = meaning
        }
    }
}
