import Foundation

/// What `replay --start` was given: a wall-clock time, or the word asking for the file's time.
enum StartChoice: Equatable {
    case at(Date)
    /// The file's modification time minus the recording's length: a guess, stored as "file_time".
    case fileTime

    static let fileTimeWord = "file-time"

    /// Said when `--start` cannot be read.
    static let help = "--start must be a local time like \"2026-11-24 23:10\" (or 2026-11-24T23:10:05), a time with "
        + "its offset like 2026-11-24T23:10:00+01:00 or 2026-11-24T22:10:00Z, or file-time (the file's modification "
        + "time minus the recording's length)."

    /// Reads the time as the diary does: local time when no offset is given (`yyyy-MM-dd HH:mm`, with a `T` or a space,
    /// seconds optional), else ISO 8601 with its offset or `Z`.
    static func parse(_ text: String, timeZone: TimeZone = .current) -> StartChoice? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s.lowercased() == fileTimeWord { return .fileTime }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.isLenient = false
        for date in ["yyyy-MM-dd'T'", "yyyy-MM-dd' '"] {
            for time in ["HH:mm", "HH:mm:ss", "HH:mm:ss.SSS"] {
                // No offset: the local time here. "XXXXX" reads Z, +01:00 and +0100. The whole text must match.
                for offset in ["", "XXXXX"] {
                    f.timeZone = offset.isEmpty ? timeZone : TimeZone(identifier: "UTC")!
                    f.dateFormat = date + time + offset
                    if let d = f.date(from: s) { return .at(d) }
                }
            }
        }
        return nil
    }

    /// "2026-11-24 23:10:00 +01:00": a moment as a person here reads it, with the offset that makes it exact.
    static func describe(_ date: Date, timeZone: TimeZone = .current) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = "yyyy-MM-dd HH:mm:ss xxx"
        return f.string(from: date)
    }
}
