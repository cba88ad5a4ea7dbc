import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

extension ScoringFiles {
    /// Column names of a Noxturnal export, French and English, after `LabelMap.key` folding.
    static let noxColumns: [(field: String, names: [String])] = [
        ("start", ["heure de debut", "start time", "start", "debut", "begin"]),
        ("end", ["heure de fin", "end time", "end", "fin"]),
        ("event", ["evenement", "event", "event type", "type", "name"]),
        ("duration", ["duree", "duration"]),
    ]

    /// A Noxturnal event export: a header row, an optional units row (`[],[],[],[s],`), then one event a row
    /// with clock times `dd/mm/yyyy hh:mm:ss`, made relative to the recording's start.
    public static func noxturnal(bytes: [UInt8], path: String,
                                 clock: RecordingClock) throws -> (items: [ScoredItem], problems: [String]) {
        let lines = text(bytes).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard let header = lines.first else { throw LabelsError(description: "\(path): the file is empty") }
        let separator: Character = [",", ";", "\t"].max { a, b in
            header.filter { $0 == a }.count < header.filter { $0 == b }.count
        }!
        let names = fields(header, separator: separator).map(LabelMap.key)
        var column: [String: Int] = [:]
        for (field, wanted) in noxColumns {
            column[field] = wanted.lazy.compactMap { names.firstIndex(of: $0) }.first
        }
        guard let startColumn = column["start"], let eventColumn = column["event"] else {
            throw LabelsError(description: "\(path) line 1: a Noxturnal export needs a start-time and an event "
                              + "column (\"Heure de début\"/\"Start Time\", \"Événement\"/\"Event\"); found "
                              + names.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        guard let start = clock.startSeconds else {
            throw LabelsError(description: "\(path): its times are clock times, but the recording does not say when "
                              + "it started, so they cannot be placed; export the scoring in seconds, or use a "
                              + "recording (EDF) with its start time")
        }
        var items: [ScoredItem] = [], problems: [String] = []
        for (i, line) in lines.enumerated().dropFirst() {
            let f = fields(line, separator: separator)
            if line.allSatisfy(\.isWhitespace) || f.first?.hasPrefix("[") == true { continue }
            let number = i + 1
            guard f.count > max(startColumn, eventColumn), let onset = clockTime(f[startColumn]) else {
                problems.append("\(path) line \(number): expected a start time dd/mm/yyyy hh:mm:ss, found "
                                + "\"\(line.prefix(60))\"; fix or delete the line")
                continue
            }
            let end = column["end"].flatMap { $0 < f.count ? clockTime(f[$0]) : nil }
            let stated = column["duration"].flatMap { $0 < f.count ? Double(f[$0]) : nil }
            let duration = stated ?? end.map { $0 - onset } ?? 0
            items.append(ScoredItem(label: f[eventColumn], onset: onset - start, duration: max(0, duration),
                                    place: "line \(number) (\(f[startColumn]))"))
        }
        return (items, problems)
    }

    /// An NSRR XML scoring: `<ScoredEvents><ScoredEvent>` with `EventType`, `EventConcept`, `Start` and
    /// `Duration` in seconds from the recording's start.
    public static func nsrr(bytes: [UInt8], path: String) throws -> (items: [ScoredItem], problems: [String]) {
        let parser = XMLParser(data: Data(bytes))
        let collector = NSRRCollector(path: path)
        parser.delegate = collector
        // On Linux parse() may return true after libxml2 reported an error: the delegate's record decides.
        if !parser.parse() && collector.errorLine == nil { collector.errorLine = parser.lineNumber }
        if let line = collector.errorLine {
            throw LabelsError(description: "\(path) line \(line): not well-formed XML (an unclosed or misspelt tag?); "
                              + "is it an NSRR scoring file?")
        }
        guard collector.sawScoredEvents else {
            throw LabelsError(description: "\(path): XML without <ScoredEvents>; an NSRR scoring file has "
                              + "<PSGAnnotation><ScoredEvents><ScoredEvent>…")
        }
        return (collector.items, collector.problems)
    }
}

/// Collects NSRR `ScoredEvent` elements as XMLParser reads them.
final class NSRRCollector: NSObject, XMLParserDelegate {
    let path: String
    var items: [ScoredItem] = [], problems: [String] = []
    var sawScoredEvents = false
    /// The line of the first XML error, if any.
    var errorLine: Int?
    private var fields: [String: String] = [:]
    private var text = ""
    private var eventLine = 0, eventNumber = 0, inEvent = false

    init(path: String) { self.path = path }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == "ScoredEvents" { sawScoredEvents = true }
        if name == "ScoredEvent" {
            inEvent = true; fields = [:]; eventLine = parser.lineNumber; eventNumber += 1
        }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        if errorLine == nil { errorLine = parser.lineNumber }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if inEvent && name != "ScoredEvent" { fields[name] = text.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard name == "ScoredEvent" else { return }
        inEvent = false
        let place = "ScoredEvent \(eventNumber) (line \(eventLine))"
        let concept = fields["EventConcept"] ?? "", type = fields["EventType"] ?? ""
        let label = concept.isEmpty ? type : concept
        guard let start = fields["Start"].flatMap(Double.init), start.isFinite else {
            problems.append("\(path) \(place): <Start> \"\(fields["Start"] ?? "")\" is not a number of seconds; "
                            + "fix or delete the element")
            return
        }
        let duration = fields["Duration"].flatMap(Double.init) ?? 0
        items.append(ScoredItem(label: label, onset: start, duration: duration.isFinite ? max(0, duration) : 0,
                                place: place))
    }
}
