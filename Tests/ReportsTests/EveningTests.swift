import Foundation
import Testing

@testable import Reports

/// Which evening a moment of the night belongs to: before noon, the evening before. Days when the clocks change
/// are 23 or 25 hours long, so "the evening before" is a calendar day, not 24 hours earlier.
@Suite struct EveningTests {
    static func at(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    @Test(arguments: [
        // Europe/Berlin sprang forward on Sunday 2026-03-29 at 02:00: that Sunday had 23 hours.
        ("2026-03-29T22:30:00Z", "Europe/Berlin", "2026-03-29"),  // Monday 00:30: Sunday's night
        ("2026-03-29T00:30:00Z", "Europe/Berlin", "2026-03-28"),  // Sunday 01:30, before the change
        ("2026-03-29T01:30:00Z", "Europe/Berlin", "2026-03-28"),  // Sunday 03:30, after it
        ("2026-03-29T21:30:00Z", "Europe/Berlin", "2026-03-29"),  // Sunday 23:30
        // It fell back on Sunday 2026-10-25 at 03:00: that Sunday had 25 hours.
        ("2026-10-25T23:30:00Z", "Europe/Berlin", "2026-10-25"),  // Monday 00:30: Sunday's night
        ("2026-10-25T00:30:00Z", "Europe/Berlin", "2026-10-24"),  // Sunday 02:30 (the first one)
        // São Paulo skipped midnight on 2018-11-04: 00:00 became 01:00.
        ("2018-11-04T03:30:00Z", "America/Sao_Paulo", "2018-11-03"),  // Sunday 01:30
        ("2018-11-05T01:30:00Z", "America/Sao_Paulo", "2018-11-04"),  // Sunday 23:30
        ("2018-11-05T02:30:00Z", "America/Sao_Paulo", "2018-11-04"),  // Monday 00:30: Sunday had 23 hours
        ("2026-05-04T10:59:00Z", "UTC", "2026-05-03"), ("2026-05-04T12:00:00Z", "UTC", "2026-05-04"),
    ])
    func aMomentBelongsToItsEvening(_ iso: String, _ zone: String, _ evening: String) {
        #expect(JournalSnapshot.eveningDate(Self.at(iso), timeZone: TimeZone(identifier: zone)!) == evening)
    }
}
