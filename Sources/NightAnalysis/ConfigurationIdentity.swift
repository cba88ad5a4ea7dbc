import Foundation
import SignalCore

/// How a configuration is identified: SHA-256 of its canonical JSON (sorted keys), with the mains frequency left
/// out. Where a person lives (50 or 60 Hz) is a fact of each recording, stored with the night; it is not a choice
/// of thresholds, so a person who changed nothing has one configuration whatever the mains.
public enum ConfigurationIdentity {
    /// The configuration as it is identified: `mainsHz` 0 ("from the recording").
    public static func identified(_ c: DetectorConfiguration) -> DetectorConfiguration {
        var c = c
        c.mainsHz = 0
        return c
    }

    public static func canonicalJSON(_ c: DetectorConfiguration) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(identified(c))) ?? Data(), as: UTF8.self)
    }

    public static func hash(_ c: DetectorConfiguration) -> String {
        SHA256.hex(Array(canonicalJSON(c).utf8))
    }
}
