/// CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, init and final XOR 0xFFFFFFFF.
///
/// Slice-by-4 over a constant table: the frame decoder checks every byte it receives,
/// so this is on the hot path of replay.
public enum CRC32C {
    @usableFromInline
    static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 256 * 4)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            for k in 1..<4 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()

    /// The CRC of `bytes`.
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(0xFFFF_FFFF, bytes) ^ 0xFFFF_FFFF
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    @inlinable
    static func update(_ start: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = start
        var i = 0
        let n = bytes.count
        table.withUnsafeBufferPointer { t in
            while i + 4 <= n {
                crc ^= UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
                crc = t[768 + Int(crc & 0xFF)] ^ t[512 + Int((crc >> 8) & 0xFF)]
                    ^ t[256 + Int((crc >> 16) & 0xFF)] ^ t[Int(crc >> 24)]
                i += 4
            }
            while i < n {
                crc = (crc >> 8) ^ t[Int((crc ^ UInt32(bytes[i])) & 0xFF)]
                i += 1
            }
        }
        return crc
    }
}
