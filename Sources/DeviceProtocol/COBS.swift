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
    ///
    /// The decoded bytes are the encoded ones moved down by one, with a zero where each later code
    /// byte was (none after a full 254-byte block, code 0xFF, which moves the rest down one more): one
    /// bulk copy, then a walk along the code bytes writing the zeros. Sample data is full of small
    /// values, so its runs are short, and a loop copying run by run spent most of replay's decoding
    /// time on branches it could not predict.
    @inlinable
    public static func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int? {
        guard input.count > 0 else { return 0 }
        var walk = Walk(input, output)
        while !walk.step() {}
        return walk.result
    }

    /// Decodes two independent inputs, as `decode(_:into:)` does each. The walk along the code bytes is a chain of
    /// dependent loads; two frames' chains interleaved overlap their latencies, so a stream of frames decodes faster.
    @inlinable
    public static func decode(_ a: UnsafeRawBufferPointer, into outA: UnsafeMutableRawBufferPointer,
                              _ b: UnsafeRawBufferPointer, into outB: UnsafeMutableRawBufferPointer) -> (Int?, Int?) {
        guard a.count > 0 && b.count > 0 else { return (decode(a, into: outA), decode(b, into: outB)) }
        var x = Walk(a, outA), y = Walk(b, outB)
        var doneX = false, doneY = false
        while !doneX && !doneY {
            doneX = x.step()
            doneY = y.step()
        }
        while !doneX { doneX = x.step() }
        while !doneY { doneY = y.step() }
        return (x.result, y.result)
    }

    /// One decoding in progress: the bulk copy is done at the start; `step` handles one code byte.
    @usableFromInline
    struct Walk {
        @usableFromInline let src: UnsafeRawPointer
        @usableFromInline let dst: UnsafeMutableRawPointer
        @usableFromInline let n: Int
        @usableFromInline var shift = 1  // decoded index = encoded index − shift
        @usableFromInline var position = 0
        @usableFromInline var result: Int?

        @inlinable @inline(__always)
        init(_ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer) {
            n = input.count
            src = input.baseAddress!
            dst = output.baseAddress!
            dst.copyMemory(from: src + 1, byteCount: n - 1)
        }

        /// Handles the code byte at `position`; true when the decoding is finished (`result` nil if malformed).
        @inlinable @inline(__always)
        mutating func step() -> Bool {
            let code = Int(src.load(fromByteOffset: position, as: UInt8.self))
            if code == 0 { return true }
            let next = position &+ code
            if next >= n {
                if next == n { result = n - shift }
                return true
            }
            if code == 0xFF {
                shift += 1
                (dst + (next + 1 - shift)).copyMemory(from: src + next + 1, byteCount: n - next - 1)
            } else {
                dst.storeBytes(of: 0, toByteOffset: next - shift, as: UInt8.self)
            }
            position = next
            return false
        }
    }
}
