/// Where two byte sequences part: nil when they are equal, else their lengths and the first byte that differs.
///
/// Compare whole files and streams with `#expect(Bytes.difference(a, b) == nil)`, never `#expect(a == b)`:
/// when two collections differ, swift-testing works out their difference (a Myers diff), and for two megabytes
/// that differ from some point on that runs for hours. A failing test must fail, not hang CI.
public enum Bytes {
    public static func difference(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> String? {
        var offset = 0
        for (x, y) in zip(a, b) {
            if x != y {
                return "they differ first at byte \(offset) (\(x) and \(y)); lengths \(a.count) and \(b.count)"
            }
            offset += 1
        }
        return a.count == b.count ? nil : "one ends at byte \(offset); lengths \(a.count) and \(b.count)"
    }
}
