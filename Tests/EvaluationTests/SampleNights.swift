import Foundation

/// The bundled Samples nights (the repository's Samples folder).
enum Samples {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples")
    static let nights = ["night-a", "night-b-faulty", "night-c-60hz"]

    static func capture(_ night: String) -> String { root.appendingPathComponent("\(night)/night.cwcap").path }
}
