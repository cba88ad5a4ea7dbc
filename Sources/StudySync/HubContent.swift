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
    /// The SHA-256 of the detector configuration the night was analysed with.
    public var configHash: String?
}

/// One thing a hub hands to the study, with the key the study stores it under (the SHA-256 of `json`).
struct HubItem: Sendable {
    enum Kind: String, Sendable { case night, diary, cramp, config }
    var kind: Kind
    var localId: Int64
    var json: String
    var key: String
    var night: NightDocument?
    var diary: DiaryEntry?
    var cramp: SelfReportedCramp?
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
    /// Every finished night (a night still being recorded is left for the next sync), diary entry, noticed cramp and
    /// detector configuration, each with its content key.
    static func items(_ journal: Journal) throws -> [HubItem] {
        let configs = try journal.allConfigurations()
        let configHash = Dictionary(configs.compactMap { c in c.id.map { ($0, c.hash) } },
                                    uniquingKeysWith: { a, _ in a })
        var items: [HubItem] = try configs.map { c in
            let json = c.json
            return HubItem(kind: .config, localId: c.id ?? 0, json: json, key: c.hash)
        }
        var emgByDevice: [Int64: Bool] = [:]
        for n in try journal.nights() where n.status != NightStatus.recording {
            guard let id = n.id else { continue }
            var emg = true
            if let d = n.deviceId {
                if emgByDevice[d] == nil {
                    emgByDevice[d] = try journal.device(id: d).map { $0.emgChannels > 0 } ?? true
                }
                emg = emgByDevice[d]!
            }
            let doc = NightDocument(night: n, figures: try journal.figures(night: id),
                                    events: try journal.events(night: id), gaps: try journal.gaps(night: id),
                                    referenceLabels: try journal.annotations(night: id), emgMeasured: emg,
                                    configHash: n.detectorConfigId.flatMap { configHash[$0] })
            let json = try StudyJSON.encode(doc)
            items.append(HubItem(kind: .night, localId: id, json: json, key: StudyJSON.sha256(json), night: doc))
        }
        // Free-text notes stay on the hub: they are where a name or a place would be written.
        for var e in try journal.diary() {
            e.notes = nil
            let json = try StudyJSON.encode(e)
            items.append(HubItem(kind: .diary, localId: e.id ?? 0, json: json, key: StudyJSON.sha256(json), diary: e))
        }
        for var c in try journal.selfReportedCramps() {
            c.notes = nil
            let json = try StudyJSON.encode(c)
            items.append(HubItem(kind: .cramp, localId: c.id ?? 0, json: json, key: StudyJSON.sha256(json), cramp: c))
        }
        return items
    }
}
