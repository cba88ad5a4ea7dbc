import Foundation
import Journal
import NightAnalysis

/// A night as the study receives it: the journal's rows for it, with its stored figures. Ids are the hub's own.
public struct NightDocument: Codable, Sendable, Equatable {
    public var night: NightRecord
    public var figures: NightFiguresRecord?
    public var events: [EventRecord]
    public var gaps: [GapRecord]
    public var referenceLabels: [ReferenceAnnotationRecord]
    /// False for a night recorded without EMG (its cramps were not measured).
    public var emgMeasured: Bool
    /// False for a night recorded without an accelerometer (a sleep-lab montage): its sleep interruptions were not
    /// measured, and `validate` leaves them out, as it does for such a recording on file.
    public var accelMeasured: Bool
    /// The SHA-256 of the detector configuration the night was analysed with.
    public var configHash: String?

    public init(night: NightRecord, figures: NightFiguresRecord?, events: [EventRecord], gaps: [GapRecord],
                referenceLabels: [ReferenceAnnotationRecord], emgMeasured: Bool, accelMeasured: Bool = true,
                configHash: String?) {
        self.night = night
        self.figures = figures
        self.events = events
        self.gaps = gaps
        self.referenceLabels = referenceLabels
        self.emgMeasured = emgMeasured
        self.accelMeasured = accelMeasured
        self.configHash = configHash
    }

    enum CodingKeys: String, CodingKey {
        case night, figures, events, gaps, referenceLabels, emgMeasured, accelMeasured, configHash
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(night: try c.decode(NightRecord.self, forKey: .night),
                  figures: try c.decodeIfPresent(NightFiguresRecord.self, forKey: .figures),
                  events: try c.decode([EventRecord].self, forKey: .events),
                  gaps: try c.decode([GapRecord].self, forKey: .gaps),
                  referenceLabels: try c.decode([ReferenceAnnotationRecord].self, forKey: .referenceLabels),
                  emgMeasured: try c.decode(Bool.self, forKey: .emgMeasured),
                  accelMeasured: try c.decodeIfPresent(Bool.self, forKey: .accelMeasured) ?? true,
                  configHash: try c.decodeIfPresent(String.self, forKey: .configHash))
    }

    /// `accelMeasured` is written only when false: a night with an accelerometer keeps the bytes, and so the content
    /// key, it had before the study knew of accelerometers, and is not sent again.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(night, forKey: .night)
        try c.encodeIfPresent(figures, forKey: .figures)
        try c.encode(events, forKey: .events)
        try c.encode(gaps, forKey: .gaps)
        try c.encode(referenceLabels, forKey: .referenceLabels)
        try c.encode(emgMeasured, forKey: .emgMeasured)
        if !accelMeasured { try c.encode(false, forKey: .accelMeasured) }
        try c.encodeIfPresent(configHash, forKey: .configHash)
    }
}

/// One thing a hub hands to the study, with the key the study stores it under (the SHA-256 of `json`).
struct HubItem: Sendable {
    enum Kind: String, Sendable { case night, diary, cramp, config }
    /// What the item is, carrying what its study row needs beyond the JSON: a diary item cannot come without its
    /// evening, nor a noticed cramp without its time (there is no stand-in date to invent).
    enum Content: Sendable {
        case night(NightDocument), diary(DiaryEntry), cramp(SelfReportedCramp), config
    }
    var content: Content
    var localId: Int64
    var json: String
    var key: String

    /// Builds the item of `json`, keyed by its SHA-256.
    init(_ content: Content, localId: Int64, json: String) {
        self.init(content, localId: localId, json: json, key: StudyJSON.sha256(json))
    }

    init(_ content: Content, localId: Int64, json: String, key: String) {
        self.content = content
        self.localId = localId
        self.json = json
        self.key = key
    }

    var kind: Kind {
        switch content {
        case .night: .night
        case .diary: .diary
        case .cramp: .cramp
        case .config: .config
        }
    }
}

/// The one JSON the study stores and hashes: sorted keys and dates as Unix seconds, so the same content always gives
/// the same bytes and the same key.
enum StudyJSON {
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .secondsSince1970
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                nan: "nan")
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                  nan: "nan")
        return d
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder().encode(value), as: UTF8.self)
    }

    static func sha256(_ text: String) -> String {
        var h = SHA256()
        Array(text.utf8).withUnsafeBytes { h.update($0) }
        return h.finish()
    }
}

/// Reads what a hub's journal holds for the study, through `Journal` (which alone speaks SQLite).
enum HubContent {
    /// A reference label as the study receives it: a source that is a path (`journal annotate`'s default is the
    /// labels file's path) goes as the file's name alone, as the README promises that no path leaves the hub
    /// (folders are where a sleeper's name is: /home/anna/…). A source given as a name ("scorer:AB") goes as it is.
    static func studyLabel(_ label: ReferenceAnnotationRecord) -> ReferenceAnnotationRecord {
        var l = label
        l.source = sourceName(l.source)
        return l
    }

    /// The last part of a path (either slash); a name without one unchanged.
    static func sourceName(_ source: String) -> String {
        let slash: (Character) -> Bool = { $0 == "/" || $0 == "\\" }
        guard source.contains(where: slash) else { return source }
        return source.split(whereSeparator: slash).last.map(String.init) ?? "labels file"
    }

    /// Every finished night (a night still being recorded is left for the next sync), diary entry, noticed cramp and
    /// detector configuration, each with its content key.
    static func items(_ journal: Journal) throws -> [HubItem] {
        let configs = try journal.allConfigurations()
        let configHash = Dictionary(configs.compactMap { c in c.id.map { ($0, c.hash) } },
                                    uniquingKeysWith: { a, _ in a })
        var items: [HubItem] = configs.map { c in
            let json = c.json
            return HubItem(.config, localId: c.id ?? 0, json: json, key: c.hash)
        }
        var devices: [Int64: DeviceRecord?] = [:]
        for n in try journal.nights() where n.status != NightStatus.recording {
            guard let id = n.id else { continue }
            // A night of no known device was measured as our device measures: EMG and an accelerometer.
            var device: DeviceRecord?
            if let d = n.deviceId {
                if devices[d] == nil { devices[d] = .some(try journal.device(id: d)) }
                device = devices[d]!
            }
            let doc = NightDocument(night: n, figures: try journal.figures(night: id),
                                    events: try journal.events(night: id), gaps: try journal.gaps(night: id),
                                    referenceLabels: try journal.annotations(night: id).map(studyLabel),
                                    emgMeasured: device.map { $0.emgChannels > 0 } ?? true,
                                    // The detector's own test for an accelerometer (`TickLog.hasAccelerometer`).
                                    accelMeasured: device.map { $0.accelAxes == 3 } ?? true,
                                    configHash: n.detectorConfigId.flatMap { configHash[$0] })
            let json = try StudyJSON.encode(doc)
            items.append(HubItem(.night(doc), localId: id, json: json))
        }
        // Free-text notes stay on the hub: they are where a name or a place would be written.
        for var e in try journal.diary() {
            e.notes = nil
            let json = try StudyJSON.encode(e)
            items.append(HubItem(.diary(e), localId: e.id ?? 0, json: json))
        }
        for var c in try journal.selfReportedCramps() {
            c.notes = nil
            let json = try StudyJSON.encode(c)
            items.append(HubItem(.cramp(c), localId: c.id ?? 0, json: json))
        }
        return items
    }
}
