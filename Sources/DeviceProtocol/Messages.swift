/// Protocol constants (see Firmware/protocol/PROTOCOL.md).
public enum ProtocolV1 {
    public static let version: UInt8 = 1
    public static let headerSize = 16
    public static let crcSize = 4
    public static let maxPayload = 1024
    public static let maxBody = headerSize + maxPayload + crcSize
    /// Largest encoded frame without its delimiter.
    /// COBS adds at most ceil(1044 / 254) = 5 bytes (1049); PROTOCOL.md rounds the limit up to 1050.
    public static let maxEncoded = 1050
    public static let sampleBlockHeaderSize = 16
    public static let deviceInfoSize = 48
    public static let statusSize = 16
    public static let ackSize = 8
    public static let configureSize = 12
    public static let tokenOnlySize = 4
    /// Vendor control request that returns the encoded device-info frame.
    public static let usbRequestGetInfo: UInt8 = 0x01
    public static let usbVendorID: UInt16 = 0x1209
    public static let usbTestProductID: UInt16 = 0xC4A3
}

/// Frame types of protocol v1.
public enum FrameType: UInt8, Sendable, CaseIterable {
    case sampleBlock = 0x01
    case deviceInfo = 0x02
    case status = 0x03
    case ack = 0x04
    case start = 0x81
    case stop = 0x82
    case configure = 0x83
    case identify = 0x84
    case timeSync = 0x85
    case getStatus = 0x86

    /// True for frames the device sends (their sequence numbers are tracked).
    public var isFromDevice: Bool { rawValue < 0x80 }

    /// The name used in PROTOCOL.md and the golden vectors.
    public var name: String {
        switch self {
        case .sampleBlock: "sample_block"
        case .deviceInfo: "device_info"
        case .status: "status"
        case .ack: "ack"
        case .start: "start"
        case .stop: "stop"
        case .configure: "configure"
        case .identify: "identify"
        case .timeSync: "time_sync"
        case .getStatus: "get_status"
        }
    }
}

/// What the device says about itself.
public struct DeviceInfo: Equatable, Sendable, Codable {
    public var serial: String
    public var firmwareVersion: (major: UInt8, minor: UInt8, patch: UInt8) {
        get { (fwMajor, fwMinor, fwPatch) }
        set { (fwMajor, fwMinor, fwPatch) = newValue }
    }
    public var fwMajor: UInt8
    public var fwMinor: UInt8
    public var fwPatch: UInt8
    public var hwRevision: UInt8
    public var emgChannels: Int
    public var accelAxes: Int
    /// 50, 60, or 0 when unknown.
    public var mainsHz: Int
    public var adcBits: Int
    public var emgRateHz: Int
    public var accelRateHz: Int
    public var emgMicrovoltsPerLSB: Float
    public var accelGPerLSB: Float
    public var emgBlockSamples: Int
    public var bootID: UInt32
    /// Electrode site code per channel (0 unknown, 1 tibialis anterior, 2 gastrocnemius, …; +0x80 right leg).
    public var emgSites: [UInt8]

    public init(
        serial: String, fwMajor: UInt8 = 1, fwMinor: UInt8 = 0, fwPatch: UInt8 = 0, hwRevision: UInt8 = 1,
        emgChannels: Int, accelAxes: Int, mainsHz: Int, adcBits: Int = 16, emgRateHz: Int, accelRateHz: Int,
        emgMicrovoltsPerLSB: Float, accelGPerLSB: Float, emgBlockSamples: Int, bootID: UInt32,
        emgSites: [UInt8] = [0, 0, 0, 0]
    ) {
        self.serial = serial
        self.fwMajor = fwMajor
        self.fwMinor = fwMinor
        self.fwPatch = fwPatch
        self.hwRevision = hwRevision
        self.emgChannels = emgChannels
        self.accelAxes = accelAxes
        self.mainsHz = mainsHz
        self.adcBits = adcBits
        self.emgRateHz = emgRateHz
        self.accelRateHz = accelRateHz
        self.emgMicrovoltsPerLSB = emgMicrovoltsPerLSB
        self.accelGPerLSB = accelGPerLSB
        self.emgBlockSamples = emgBlockSamples
        self.bootID = bootID
        self.emgSites = emgSites
    }

    public static func == (a: DeviceInfo, b: DeviceInfo) -> Bool {
        a.serial == b.serial && a.fwMajor == b.fwMajor && a.fwMinor == b.fwMinor && a.fwPatch == b.fwPatch
            && a.hwRevision == b.hwRevision && a.emgChannels == b.emgChannels && a.accelAxes == b.accelAxes
            && a.mainsHz == b.mainsHz && a.adcBits == b.adcBits && a.emgRateHz == b.emgRateHz
            && a.accelRateHz == b.accelRateHz && a.emgMicrovoltsPerLSB == b.emgMicrovoltsPerLSB
            && a.accelGPerLSB == b.accelGPerLSB && a.emgBlockSamples == b.emgBlockSamples && a.bootID == b.bootID
            && a.emgSites == b.emgSites
    }

    public var firmwareString: String { "\(fwMajor).\(fwMinor).\(fwPatch)" }
}

/// Device health counters.
public struct DeviceStatus: Equatable, Sendable {
    public var batteryMillivolts: UInt16
    public var batteryPercent: UInt8
    public var electrodeContact: UInt8
    public var overflowSamples: UInt32
    public var framesDropped: UInt32
    public var stateFlags: UInt16

    public init(batteryMillivolts: UInt16, batteryPercent: UInt8, electrodeContact: UInt8, overflowSamples: UInt32,
                framesDropped: UInt32, stateFlags: UInt16) {
        self.batteryMillivolts = batteryMillivolts
        self.batteryPercent = batteryPercent
        self.electrodeContact = electrodeContact
        self.overflowSamples = overflowSamples
        self.framesDropped = framesDropped
        self.stateFlags = stateFlags
    }
}

/// Result codes of an ack.
public enum AckResult: UInt8, Sendable {
    case ok = 0, unknownCommand = 1, badArgument = 2, wrongState = 3, malformed = 4
}

public struct Ack: Equatable, Sendable {
    public var command: UInt8
    public var result: UInt8
    public var token: UInt32
    public init(command: UInt8, result: UInt8, token: UInt32) {
        self.command = command
        self.result = result
        self.token = token
    }
}

/// A host command.
public enum Command: Equatable, Sendable {
    case start(token: UInt32)
    case stop(token: UInt32)
    case configure(token: UInt32, emgRateHz: UInt16, accelRateHz: UInt16, mainsHz: UInt8, emgChannels: UInt8)
    case identify(token: UInt32)
    case timeSync(token: UInt32)
    case getStatus(token: UInt32)

    public var type: FrameType {
        switch self {
        case .start: .start
        case .stop: .stop
        case .configure: .configure
        case .identify: .identify
        case .timeSync: .timeSync
        case .getStatus: .getStatus
        }
    }

    public var token: UInt32 {
        switch self {
        case .start(let t), .stop(let t), .identify(let t), .timeSync(let t), .getStatus(let t): t
        case .configure(let t, _, _, _, _): t
        }
    }
}

/// An owned sample block (for encoding and for tests; replay reads `SampleBlockView` instead).
public struct SampleBlock: Equatable, Sendable {
    public var emgIndex: UInt32
    public var accelIndex: UInt32
    public var emgChannels: Int
    public var accelAxes: Int
    public var flags: UInt16
    /// Sample-major interleaved EMG counts.
    public var emg: [Int16]
    /// Sample-major interleaved accelerometer counts.
    public var accel: [Int16]

    public init(emgIndex: UInt32, accelIndex: UInt32, emgChannels: Int, accelAxes: Int, flags: UInt16 = 0,
                emg: [Int16], accel: [Int16]) {
        self.emgIndex = emgIndex
        self.accelIndex = accelIndex
        self.emgChannels = emgChannels
        self.accelAxes = accelAxes
        self.flags = flags
        self.emg = emg
        self.accel = accel
    }

    public var emgCount: Int { emgChannels == 0 ? 0 : emg.count / emgChannels }
    public var accelCount: Int { accelAxes == 0 ? 0 : accel.count / accelAxes }

    public static let flagClipping: UInt16 = 1
    public static let flagOverflow: UInt16 = 2
}

/// The payload of a frame, owned.
public enum Message: Equatable, Sendable {
    case sampleBlock(SampleBlock)
    case deviceInfo(DeviceInfo)
    case status(DeviceStatus)
    case ack(Ack)
    case command(Command)

    public var type: FrameType {
        switch self {
        case .sampleBlock: .sampleBlock
        case .deviceInfo: .deviceInfo
        case .status: .status
        case .ack: .ack
        case .command(let c): c.type
        }
    }
}

/// A decoded frame, owned.
public struct Frame: Equatable, Sendable {
    public var sequence: UInt32
    public var timestampMicros: UInt64
    public var message: Message

    public init(sequence: UInt32, timestampMicros: UInt64, message: Message) {
        self.sequence = sequence
        self.timestampMicros = timestampMicros
        self.message = message
    }
}
