/// Consistent Overhead Byte Stuffing (Cheshire & Baker), 254-byte blocks.
public enum COBS {
    /// Largest encoded size for `count` input bytes.
    @inlinable
    public static func maxEncodedCount(_ count: Int) -> Int { count + count / 254 + 1 }

    /// Appends the COBS encoding of `input` (without delimiter) to `output`.
    public static func encode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        var codeIndex = output.count
        output.append(0)  // placeholder for the first code byte
        var code: UInt8 = 1
        let n = input.count
        for (i, byte) in input.enumerated() {
            if byte == 0 {
                output[codeIndex] = code
                codeIndex = output.count
                output.append(0)
                code = 1
            } else {
                output.append(byte)
                code &+= 1
                if code == 0xFF {
                    output[codeIndex] = code
                    // Minimal form: a body that ends on a full block gets no further code byte.
                    if i == n - 1 { return }
                    codeIndex = output.count
                    output.append(0)
                    code = 1
                }
            }
        }
        output[codeIndex] = code
    }

    /// Decodes `input` (no delimiter inside) into `output`; returns the decoded count,
    /// or nil when a code byte points past the end (malformed).
    @inlinable
    public static func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int? {
        var read = 0
        var write = 0
        let n = input.count
        guard n > 0 else { return 0 }
        let src = input.baseAddress!, dst = output.baseAddress!
        while read < n {
            let code = Int(src.load(fromByteOffset: read, as: UInt8.self))
            if code == 0 { return nil }
            read += 1
            let run = code - 1
            if read + run > n { return nil }
            if run <= 32 {
                // Sample data is full of small values, so runs are short: a call to memmove costs more than the copy.
                var k = 0
                while k + 8 <= run {
                    dst.storeBytes(of: src.loadUnaligned(fromByteOffset: read + k, as: UInt64.self), toByteOffset: write + k, as: UInt64.self)
                    k += 8
                }
                while k < run {
                    dst.storeBytes(of: src.load(fromByteOffset: read + k, as: UInt8.self), toByteOffset: write + k, as: UInt8.self)
                    k += 1
                }
            } else {
                (dst + write).copyMemory(from: src + read, byteCount: run)
            }
            write += run
            read += run
            if code != 0xFF && read < n {
                dst.storeBytes(of: 0, toByteOffset: write, as: UInt8.self)
                write += 1
            }
        }
        return write
    }
}
