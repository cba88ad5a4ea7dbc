import Foundation
import NightAnalysis
import Journal

/// A diary entry's factors in one line of words, for `journal diary list` and the web app alike.
public enum DiaryText {
    /// "magnesium 300 mg (citrate), fluids 1800 ml, stretched", or "(no factors)".
    public static func factors(_ e: DiaryEntry) -> String {
        var p: [String] = []
        if let v = e.magnesiumMg {
            p.append("magnesium \(Words.whole(v)) mg" + (e.magnesiumForm.map { " (\($0))" } ?? ""))
        }
        if let v = e.calciumMg { p.append("calcium \(Words.whole(v)) mg") }
        if let v = e.potassiumMg { p.append("potassium \(Words.whole(v)) mg") }
        if let v = e.vitaminDIU { p.append("vitamin D \(Words.whole(v)) IU") }
        if let v = e.fluidsMl { p.append("fluids \(Words.whole(v)) ml") }
        if let v = e.caffeineMg { p.append("caffeine \(Words.whole(v)) mg") }
        if let v = e.alcoholUnits { p.append("alcohol " + Words.amount(v, "unit")) }
        if let v = e.exerciseMinutes { p.append("exercise \(Words.whole(v)) min") }
        if let v = e.stretchedBeforeBed { p.append(v ? "stretched" : "no stretching") }
        if let v = e.stress { p.append("stress \(v)/10") }
        if let v = e.bedtime { p.append("bed \(v)") }
        if let v = e.wakeTime { p.append("up \(v)") }
        if let v = e.lateMeal { p.append(v ? "late meal" : "no late meal") }
        if let v = e.screensMinutesBeforeBed { p.append("screens \(Words.whole(v)) min") }
        return p.isEmpty ? "(no factors)" : p.joined(separator: ", ")
    }
}

/// The devices that recorded nights and the detector's thresholds with where they came from.
public enum DeviceReport {
    /// The page's body: `attached` (what is plugged in now, HTML, placed first), one row per device that recorded
    /// a night, then the configurations the nights used (as in every report).
    public static func body(snapshot s: JournalSnapshot, journal: Journal, attached: String = "") throws -> ReportBody {
        var b = "<h1>Device and detector</h1>\n" + attached
            + "<h2>Recorded: devices that recorded nights</h2>\n"
            + "<p>From the journal; they may not be attached now.</p>\n"
        let records = try journal.nights()
        let ids = Set(records.compactMap(\.deviceId)).sorted()
        let devices = try ids.compactMap { try journal.device(id: $0) }
        if devices.isEmpty {
            b += "<p>No device has recorded a night yet (nights replayed from files have none).</p>\n"
        } else {
            b += table(["serial", "firmware", "EMG", "movement", "mains", "first seen"], devices.map { d in
                [cell(d.serial, nowrap: true), cell(d.firmware),
                 cell("\(Words.count(d.emgChannels, "channel")) at \(d.emgRateHz) Hz", nowrap: true),
                 cell("\(Words.count(d.accelAxes, "axis", "axes")) at \(d.accelRateHz) Hz", nowrap: true),
                 cell("\(d.mainsHz) Hz"), cell(Common.clock(d.firstSeen, s.timeZone), nowrap: true)]
            })
        }
        let used = Set(s.nights.compactMap(\.detectorConfigId))
        let named = used.compactMap { s.configurations[$0] }.filter { $0.name != nil }
        b += "<h2>Where the thresholds come from</h2>\n<p>"
        b += named.isEmpty
            ? "The built-in defaults, or the options given to <code>monitor</code> or <code>replay</code> when a "
                + "night was analysed; no saved configuration was used."
            : "Saved configurations used: " + named.map { "<code>\(esc($0.name!))</code>" }.joined(separator: ", ")
                + " (saved with <code>crampwatch validate … --save NAME</code>), and otherwise the built-in defaults."
        b += "</p>\n"
        b += Common.configurationSection(s.nights.map(\.detectorConfigId), s)
        return ReportBody(title: "Crampwatch — device", html: b)
    }
}
