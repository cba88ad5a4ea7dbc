import Foundation
import Journal
import NightAnalysis
import Reports

/// The app's pages, in the order of the menu.
enum Section: String, CaseIterable, Sendable {
    case tonight, lastNight, nights, diary, trends, doctor, device

    var path: String {
        switch self {
        case .tonight: "/"
        case .lastNight: "/night"
        case .nights: "/nights"
        case .diary: "/diary"
        case .trends: "/trends"
        case .doctor: "/doctor"
        case .device: "/device"
        }
    }

    var label: String {
        switch self {
        case .tonight: "Tonight"
        case .lastNight: "Last night"
        case .nights: "Nights"
        case .diary: "Diary"
        case .trends: "Trends"
        case .doctor: "For my doctor"
        case .device: "Device"
        }
    }
}

/// The frame around every page: the menu, dark at night, the style sheet and (where asked) the live script.
struct Frame: Sendable {
    /// Dark from 20:00 to 08:00 local time, whatever the phone prefers (at 3 a.m. a white page is a lamp).
    var night: Bool
    var liveScript = false

    static func isNight(_ now: Date, _ tz: TimeZone) -> Bool {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = tz
        let h = cal.component(.hour, from: now)
        return h >= 20 || h < 8
    }

    func render(title: String, section: Section?, body: String) -> String {
        let menu = Section.allCases.map { s in
            "<a href=\"\(s.path)\"\(s == section ? " aria-current=\"page\"" : "")>\(esc(s.label))</a>"
        }.joined()
        let script = liveScript ? "<script src=\"/live.js\" defer></script>\n" : ""
        return """
        <!DOCTYPE html>
        <html lang="en" class="\(night ? "night" : "day")">
        <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>\(esc(title))</title>
        <link rel="stylesheet" href="/style.css" />
        \(script)</head>
        <body>
        <nav class="top" aria-label="Pages">\(menu)</nav>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }
}

/// Pieces of pages that several share.
enum Parts {
    /// The hidden field that proves a form came from one of our pages.
    static func csrf(_ token: String) -> String {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(esc(token))\" />"
    }

    /// The big button: a noticed cramp, stored with the time it was pressed.
    static func crampButton(csrf token: String) -> String {
        var s = "<form class=\"cramp-now\" method=\"post\" action=\"/cramp\">\n" + csrf(token)
        s += "<fieldset><legend>I have a cramp now: which leg?</legend>\n"
            + "<label for=\"pain\">How much it hurts (0–10)</label>\n"
        s += "<select id=\"pain\" name=\"pain\">"
            + (0...10).map { "<option value=\"\($0)\"\($0 == 5 ? " selected" : "")>\($0)</option>" }.joined()
            + "</select>\n"
        for (leg, text) in [("left", "Left leg"), ("right", "Right leg"), ("both", "Both legs")] {
            s += "<button type=\"submit\" name=\"leg\" value=\"\(leg)\">\(text)</button>\n"
        }
        return s + "</fieldset></form>\n"
    }

    /// A line saying what was done, or what to correct.
    static func message(_ text: String?, problem: Bool = false) -> String {
        guard let text else { return "" }
        return "<p class=\"message\(problem ? " problem" : "")\" role=\"status\">\(esc(text))</p>\n"
    }

    /// A page for a person who hit a wall: what happened and where to go.
    /// A report's body for a phone: each table scrolls sideways in its own box when it is wider than the screen,
    /// so the text and drawings around it stay put (one box around the whole report made them slide too).
    static func tablesScrollAlone(_ html: String) -> String {
        html.replacingOccurrences(of: "<table", with: "<div class=\"table-wrap\"><table")
            .replacingOccurrences(of: "</table>", with: "</table></div>")
    }

    static func problem(_ heading: String, _ text: String) -> String {
        "<h1>\(esc(heading))</h1>\n<p>\(esc(text))</p>\n<p><a class=\"button\" href=\"/\">Back to tonight</a></p>\n"
    }

    static func clock(_ d: Date, _ tz: TimeZone, _ format: String = "HH:mm") -> String { Words.date(d, format, tz) }
}
