import Foundation
import Journal
import Reports

/// The diary form, one field per line on a phone, every factor of `journal diary add`.
enum DiaryPage {
    static func form(csrf: String, today: String, previous f: Form?) -> String {
        let value = { (name: String) -> String in esc(f?.values[name] ?? "") }
        var s = "<form method=\"post\" action=\"/diary\" class=\"diary\">\n" + Parts.csrf(csrf)
        s += "<label for=\"date\">Evening</label><input id=\"date\" name=\"date\" type=\"date\" max=\"\(esc(today))\" "
            + "value=\"\(esc(f?.values["date"] ?? today))\" required />\n<div class=\"grid\">\n"
        for a in DiaryLimits.amounts {
            s += "<div><label for=\"\(a.field)\">\(esc(a.label)) (\(esc(a.unit)))</label>"
                + "<input id=\"\(a.field)\" name=\"\(a.field)\" type=\"number\" inputmode=\"decimal\" min=\"0\" "
                + "max=\"\(Int(a.max))\" step=\"any\" value=\"\(value(a.field))\" /></div>\n"
        }
        s += "</div>\n<label for=\"magnesium_form\">Magnesium form (citrate, oxide, food…)</label>"
            + "<input id=\"magnesium_form\" name=\"magnesium_form\" maxlength=\"\(DiaryLimits.magnesiumFormLength)\" "
            + "value=\"\(value("magnesium_form"))\" />\n"
        s += yesNo("stretched", "Stretched before bed", f) + yesNo("late_meal", "Late meal", f)
        s += "<label for=\"stress\">Stress (0 calm – 10 worst)</label><select id=\"stress\" name=\"stress\">"
            + "<option value=\"\">—</option>"
            + (0...10).map { "<option\(f?.values["stress"] == "\($0)" ? " selected" : "")>\($0)</option>" }.joined()
            + "</select>\n<div class=\"grid\">\n"
        for (field, label) in [("bedtime", "Bedtime"), ("wake_time", "Wake time")] {
            s += "<div><label for=\"\(field)\">\(label)</label><input id=\"\(field)\" name=\"\(field)\" type=\"time\" "
                + "value=\"\(value(field))\" /></div>\n"
        }
        s += "</div>\n<label for=\"notes\">Notes</label><textarea id=\"notes\" name=\"notes\" "
            + "maxlength=\"\(DiaryLimits.notesLength)\">"
            + value("notes") + "</textarea>\n" + cramp(f)
        return s + "<p><button type=\"submit\">Save the diary</button></p>\n</form>\n"
    }

    /// A cramp noticed that night, as `diary add --cramp 03:10,left,7` writes it: one per save; saving the same
    /// time and leg again corrects it instead of counting it twice.
    static func cramp(_ f: Form?) -> String {
        let value = { (name: String) -> String in esc(f?.values[name] ?? "") }
        var s = "<fieldset class=\"cramp-line\"><legend>A cramp you noticed that night</legend>\n"
            + "<label for=\"cramp_time\">Time</label><input id=\"cramp_time\" name=\"cramp_time\" type=\"time\" "
            + "value=\"\(value("cramp_time"))\" />\n"
            + "<fieldset><legend>Leg</legend><div class=\"choices\">"
        for leg in DiaryLimits.legs {
            let checked = f?.values["cramp_leg"] == leg ? " checked" : ""
            s += "<label><input type=\"radio\" name=\"cramp_leg\" value=\"\(leg)\"\(checked) /> \(leg)</label>"
        }
        s += "</div></fieldset>\n<label for=\"cramp_pain\">Pain (0 none – 10 worst)</label>"
            + "<select id=\"cramp_pain\" name=\"cramp_pain\"><option value=\"\">—</option>"
        for p in DiaryLimits.pain {
            s += "<option\(f?.values["cramp_pain"] == "\(p)" ? " selected" : "")>\(p)</option>"
        }
        return s + "</select>\n</fieldset>\n"
    }

    static func yesNo(_ name: String, _ label: String, _ f: Form?) -> String {
        var s = "<fieldset><legend>\(esc(label))</legend><div class=\"choices\">"
        for (v, text) in [("", "not said"), ("yes", "yes"), ("no", "no")] {
            let checked = (f?.values[name] ?? "") == v ? " checked" : ""
            s += "<label><input type=\"radio\" name=\"\(name)\" value=\"\(v)\"\(checked) /> \(text)</label>"
        }
        return s + "</div></fieldset>\n"
    }
}
