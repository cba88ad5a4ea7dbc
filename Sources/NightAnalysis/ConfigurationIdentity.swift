import Foundation
import SignalCore

/// How a configuration is identified: SHA-256 of its canonical JSON (sorted keys).
public enum ConfigurationIdentity {
    public static func canonicalJSON(_ c: DetectorConfiguration) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(c)) ?? Data(), as: UTF8.self)
    }

    public static func hash(_ c: DetectorConfiguration) -> String {
        SHA256.hex(Array(canonicalJSON(c).utf8))
    }
}
