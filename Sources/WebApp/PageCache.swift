import Foundation

/// Pages that are the same for every browser (a night, the calendar, trends, the doctor's page, the device),
/// kept for a second: a phone reloading, or fifty, costs one read of the journal a second, and the monitor's
/// writes are never queued behind a crowd of readers. The app's own writes (diary, cramp) empty it at once.
final class PageCache: @unchecked Sendable {
    static let lifetime: TimeInterval = 1
    private let lock = NSLock()
    private var pages: [String: (made: Date, html: String)] = [:]

    /// The page under `key` if it is younger than ``lifetime``.
    func fresh(_ key: String, now: Date = Date()) -> String? {
        lock.withLock {
            guard let hit = pages[key], now.timeIntervalSince(hit.made) < Self.lifetime else { return nil }
            return hit.html
        }
    }

    func store(_ key: String, _ html: String, now: Date = Date()) {
        lock.withLock {
            if pages.count > 256 { pages.removeAll() }
            pages[key] = (now, html)
        }
    }

    func clear() { lock.withLock { pages.removeAll() } }
}
