import Foundation

/// docs/formats.md, read the way a newcomer reads it: its JSON examples and its list of the journal's tables, so
/// that tests can hold the page to what the program does. A doc that drifts fails a test instead of misleading.
public enum FormatsDoc {
    public struct Unreadable: Error, CustomStringConvertible {
        public let description: String
    }

    /// The page's text.
    public static func text() throws -> String {
        try String(contentsOf: Repository.root.appendingPathComponent("docs/formats.md"), encoding: .utf8)
    }

    /// The first ```json block after `marker` (a heading or a phrase just before it), parsed. The page marks left-out
    /// items with ", …" and elides the detector's configuration ("…every setting…"); both are taken out first, and
    /// what remains must be JSON.
    public static func jsonExample(after marker: String) throws -> [String: Any] {
        let page = try text()
        guard let at = page.range(of: marker),
              let open = page.range(of: "```json\n", range: at.upperBound..<page.endIndex),
              let close = page.range(of: "```", range: open.upperBound..<page.endIndex) else {
            throw Unreadable(description: "docs/formats.md: no ```json block after \"\(marker)\"")
        }
        var block = String(page[open.upperBound..<close.lowerBound])
        block = block.replacingOccurrences(of: #""configuration": \{[^}]*\}"#, with: #""configuration": {}"#,
                                           options: .regularExpression)
        block = block.replacingOccurrences(of: ", …", with: "")
        guard let object = try JSONSerialization.jsonObject(with: Data(block.utf8)) as? [String: Any] else {
            throw Unreadable(description: "docs/formats.md: the block after \"\(marker)\" is not a JSON object")
        }
        return object
    }

    /// Every key path in a JSON value: `a.b` inside objects, `a[].b` inside arrays of objects.
    public static func keyPaths(_ value: Any, prefix: String = "") -> Set<String> {
        if let object = value as? [String: Any] {
            return object.reduce(into: Set<String>()) { paths, entry in
                let path = prefix.isEmpty ? entry.key : "\(prefix).\(entry.key)"
                paths.insert(path)
                paths.formUnion(keyPaths(entry.value, prefix: path))
            }
        }
        if let array = value as? [Any] {
            return array.reduce(into: Set<String>()) { $0.formUnion(keyPaths($1, prefix: prefix + "[]")) }
        }
        return []
    }

    /// The tables the Journal bullet names ("Tables `device`, `recording` (…), …; named migrations (…)"): the
    /// backticked names outside parentheses, before "named migrations".
    public static func journalTables() throws -> Set<String> {
        let bullet = try journalBullet()
        guard let tables = bullet.range(of: "Tables "), let end = bullet.range(of: "named migrations") else {
            throw Unreadable(description: "docs/formats.md: the Journal bullet lists no tables")
        }
        var list = String(bullet[tables.upperBound..<end.lowerBound])
        while let group = list.range(of: #"\([^()]*\)"#, options: .regularExpression) { list.removeSubrange(group) }
        return Set(backticked(list))
    }

    /// The first and last migration names the Journal bullet gives ("named migrations (`v1-…` … `vN-…`)").
    public static func journalMigrations() throws -> (first: String, last: String) {
        let bullet = try journalBullet()
        guard let at = bullet.range(of: "named migrations") else {
            throw Unreadable(description: "docs/formats.md: the Journal bullet names no migrations")
        }
        let names = backticked(String(bullet[at.upperBound...])).filter { $0.hasPrefix("v") }
        guard let first = names.first, let last = names.dropFirst().first else {
            throw Unreadable(description: "docs/formats.md: expected the first and the last migration's names")
        }
        return (first, last)
    }

    static func journalBullet() throws -> String {
        let page = try text()
        guard let start = page.range(of: "* **Journal**:"),
              let end = page.range(of: "\n* ", range: start.upperBound..<page.endIndex) else {
            throw Unreadable(description: "docs/formats.md: no \"* **Journal**:\" bullet")
        }
        return String(page[start.upperBound..<end.lowerBound])
    }

    static func backticked(_ text: String) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }
}
