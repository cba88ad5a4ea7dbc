import Foundation
import GRDB

/// A device that produced nights.
public struct DeviceRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "device"
    public var id: Int64?
    public var serial: String
    public var firmware: String
    public var emgChannels: Int
    public var accelAxes: Int
    public var emgRateHz: Int
    public var accelRateHz: Int
    public var mainsHz: Int
    public var firstSeen: Date

    public enum Columns {
        public static let serial = Column(CodingKeys.serial)
    }

    public init(id: Int64? = nil, serial: String, firmware: String, emgChannels: Int, accelAxes: Int, emgRateHz: Int,
                accelRateHz: Int, mainsHz: Int, firstSeen: Date) {
        self.id = id
        self.serial = serial
        self.firmware = firmware
        self.emgChannels = emgChannels
        self.accelAxes = accelAxes
        self.emgRateHz = emgRateHz
        self.accelRateHz = accelRateHz
        self.mainsHz = mainsHz
        self.firstSeen = firstSeen
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A file a night came from.
public struct RecordingRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "recording"
    public var id: Int64?
    public var path: String
    public var format: String
    public var sizeBytes: Int64
    public var importedAt: Date
    /// The SHA-256 of the file's bytes (hex): the recording's identity. Nil if unknown.
    public var contentSHA256: String?

    public init(id: Int64? = nil, path: String, format: String, sizeBytes: Int64, importedAt: Date,
                contentSHA256: String? = nil) {
        self.id = id
        self.path = path
        self.format = format
        self.sizeBytes = sizeBytes
        self.importedAt = importedAt
        self.contentSHA256 = contentSHA256
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A detector configuration, stored by content: the same thresholds always get the same row.
public struct DetectorConfigRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "detectorConfig"
    public var id: Int64? = nil
    /// Hex SHA-256 of `json`.
    public var hash: String
    public var json: String
    public var name: String? = nil
    public var createdAt: Date

    public enum Columns {
        public static let hash = Column(CodingKeys.hash)
        public static let name = Column(CodingKeys.name)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Where a night stands.
public enum NightStatus {
    public static let complete = "complete"
    public static let recording = "recording"
    public static let recovered = "recovered"
}

/// One night (a session of recording, live or replayed).
public struct NightRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "night"
    public var id: Int64?
    public var deviceId: Int64?
    public var recordingId: Int64?
    public var detectorConfigId: Int64?
    /// Wall-clock start, when known.
    public var startedAt: Date?
    /// How `startedAt` is known: "device", "file_time" (estimated), "user", or "unknown".
    public var startSource: String
    public var durationSeconds: Double
    /// "replay" or "live".
    public var source: String
    public var framesReceived: Int
    public var framesLost: Int
    public var corruptFrames: Int
    /// Set when the recording ended in the middle of a frame.
    public var truncatedAtByte: Int64?
    public var createdAt: Date
    /// "complete"; "recording" while a live monitor is writing it (or if it was killed: `journal recover`
    /// finishes it from its capture); "recovered" once finished that way.
    public var status: String = NightStatus.complete
    /// Device clock → host clock, fitted by the live monitor: host Unix time = offset + (1 + drift) × device time.
    public var clockOffsetSeconds: Double?
    public var clockDriftPPM: Double?
    public var clockFitPoints: Int?
    /// How far the received frames lie above the fitted line, median, in milliseconds (USB and scheduling latency).
    public var clockResidualMs: Double?
    /// The mains frequency the night was filtered at (50 or 60 Hz: the device's, the one given, or the one
    /// detected); nil when unknown. Kept with the night, not in the detector configuration's identity.
    public var mainsHz: Int?

    public enum Columns {
        public static let startedAt = Column(CodingKeys.startedAt)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let status = Column(CodingKeys.status)
    }

    public init(id: Int64? = nil, deviceId: Int64?, recordingId: Int64?, detectorConfigId: Int64?, startedAt: Date?,
                startSource: String,
                durationSeconds: Double, source: String, framesReceived: Int, framesLost: Int, corruptFrames: Int,
                truncatedAtByte: Int64?, createdAt: Date,
                status: String = NightStatus.complete, mainsHz: Int? = nil) {
        self.id = id
        self.deviceId = deviceId
        self.recordingId = recordingId
        self.detectorConfigId = detectorConfigId
        self.startedAt = startedAt
        self.startSource = startSource
        self.durationSeconds = durationSeconds
        self.source = source
        self.framesReceived = framesReceived
        self.framesLost = framesLost
        self.corruptFrames = corruptFrames
        self.truncatedAtByte = truncatedAtByte
        self.createdAt = createdAt
        self.status = status
        self.mainsHz = mainsHz
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A detected event of a night.
public struct EventRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "event"
    public var id: Int64?
    public var nightId: Int64
    public var kind: String
    public var onsetSeconds: Double
    public var offsetSeconds: Double
    public var channel: Int?
    public var peakMicrovolts: Double?
    public var meanMicrovolts: Double?
    public var accelActivityG: Double?
    public var confidence: Double
    /// A cramp: whether a sleep interruption followed it (nil while a live night is still open).
    public var woke: Bool?
    /// A cramp: the accelerometer's activity just after it (g).
    public var accelActivityAfterG: Double?
    /// A cramp or leg movement: the EMG's median frequency (Hz; falls as a muscle tires).
    public var medianFrequencyHz: Double?
    /// An artifact: clipping, flat_line, mains or motion.
    public var artifactCause: String?
    public var detectorConfigId: Int64?
    /// A live "cramp started" notice, stored the moment the criterion is met; the final cramp replaces it.
    public var provisional: Bool = false

    public enum Columns {
        public static let nightId = Column(CodingKeys.nightId)
        public static let onsetSeconds = Column(CodingKeys.onsetSeconds)
        public static let kind = Column(CodingKeys.kind)
        public static let provisional = Column(CodingKeys.provisional)
        public static let channel = Column(CodingKeys.channel)
    }

    public init(id: Int64? = nil, nightId: Int64 = 0, kind: String, onsetSeconds: Double, offsetSeconds: Double,
                channel: Int?, peakMicrovolts: Double?,
                meanMicrovolts: Double?, accelActivityG: Double?, confidence: Double, woke: Bool? = nil,
                accelActivityAfterG: Double? = nil, medianFrequencyHz: Double? = nil, artifactCause: String? = nil,
                detectorConfigId: Int64? = nil) {
        self.id = id
        self.nightId = nightId
        self.kind = kind
        self.onsetSeconds = onsetSeconds
        self.offsetSeconds = offsetSeconds
        self.channel = channel
        self.peakMicrovolts = peakMicrovolts
        self.meanMicrovolts = meanMicrovolts
        self.accelActivityG = accelActivityG
        self.confidence = confidence
        self.woke = woke
        self.accelActivityAfterG = accelActivityAfterG
        self.medianFrequencyHz = medianFrequencyHz
        self.artifactCause = artifactCause
        self.detectorConfigId = detectorConfigId
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A stretch with no data: frames lost in transit, or the device gone. Its fields repeat NightAnalysis's
/// `NightGap` because Journal does not depend on the night analysis; Sessions maps one onto the other, each way
/// in one place (`NightStore.gapRecord`, `NightStore.nightGap`).
public struct GapRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "gap"
    public var id: Int64?
    public var nightId: Int64
    public var onsetSeconds: Double
    public var offsetSeconds: Double
    public var framesLost: Int
    public var firstLostSequence: Int64?
    public var emgSamplesLost: Int
    public var reason: String

    public enum Columns {
        public static let nightId = Column(CodingKeys.nightId)
        public static let onsetSeconds = Column(CodingKeys.onsetSeconds)
    }

    public init(id: Int64? = nil, nightId: Int64 = 0, onsetSeconds: Double, offsetSeconds: Double, framesLost: Int,
                firstLostSequence: Int64?, emgSamplesLost: Int, reason: String) {
        self.id = id
        self.nightId = nightId
        self.onsetSeconds = onsetSeconds
        self.offsetSeconds = offsetSeconds
        self.framesLost = framesLost
        self.firstLostSequence = firstLostSequence
        self.emgSamplesLost = emgSamplesLost
        self.reason = reason
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
