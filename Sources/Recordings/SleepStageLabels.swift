/// The words sleep labs write for a scored epoch's stage (AASM/Rechtschaffen & Kales, EDF+ "Sleep stage …", NSRR
/// "Name|Display", Noxturnal in English and French). The one list: replay reads a recording's hypnogram with it,
/// and `validate`'s label map builds its wake and sleep meanings from it.
public enum SleepStageLabels {
    public static let wake = ["Sleep stage W", "Wake", "Wake|0", "W", "Stage W", "Éveil", "Eveil", "Wake (W)"]
    public static let sleep = [
        "Sleep stage 1", "Sleep stage 2", "Sleep stage 3", "Sleep stage 4", "Sleep stage N1", "Sleep stage N2",
        "Sleep stage N3", "Sleep stage R", "Sleep stage REM", "N1", "N2", "N3", "N4", "R", "REM", "S1", "S2",
        "S3", "S4", "Stage 1 sleep|1", "Stage 2 sleep|2", "Stage 3 sleep|3", "Stage 4 sleep|4",
        "REM sleep|5", "Stage 1 sleep", "Stage 2 sleep", "Stage 3 sleep", "Stage 4 sleep", "REM sleep",
        "Sommeil paradoxal", "SP",
    ]

    private static let table: [String: Bool] = {
        var t: [String: Bool] = [:]
        for l in wake { t[key(l)] = false }
        for l in sleep { t[key(l)] = true }
        return t
    }()

    /// True for a sleep stage, false for wake, nil for anything else (unscored, movement time, an event): the whole
    /// label, then the part before "@@" (Sleep-EDF), then each "|" part (NSRR), case and spacing aside.
    public static func asleep(_ label: String) -> Bool? {
        if let v = table[key(label)] { return v }
        if let at = label.firstRange(of: "@@"), let v = table[key(String(label[..<at.lowerBound]))] { return v }
        let parts = label.split(separator: "|")
        guard parts.count > 1 else { return nil }
        return parts.lazy.compactMap { table[key(String($0))] }.first
    }

    static func key(_ label: String) -> String {
        label.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}
