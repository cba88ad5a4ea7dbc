// Shared by the fuzz targets: invariant checks that stop the run with a readable reason
// (libFuzzer then saves the input as crash-<sha1>), a deterministic chunking, and scratch files.
#if canImport(Glibc)
import Glibc
#endif

/// Fails the run when an invariant does not hold.
@inline(__always)
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        let line = Array("fuzz invariant broken: \(message())\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        abort()
    }
}

/// Chunk sizes derived from the input itself, so a saved crash reproduces exactly.
public func chunkSizes(for bytes: UnsafeRawBufferPointer) -> [Int] {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the first bytes
    for b in bytes.prefix(64) { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    h ^= UInt64(bytes.count)
    var sizes: [Int] = []
    var left = bytes.count
    while left > 0 {
        h = h &* 6364136223846793005 &+ 1442695040888963407
        let r = Int(truncatingIfNeeded: (h >> 33) & 0xFFFF)
        // Mostly small chunks (split frames, headers, delimiters), sometimes large ones.
        let size = r % 8 == 0 ? 1 + r % 4096 : 1 + r % 17
        sizes.append(min(size, left))
        left -= min(size, left)
    }
    return sizes
}

/// A private scratch file for targets whose readers take a path (written once per input), removed at exit.
let scratchPath: String = {
    // tmpfs when there is one: the EDF repair fsyncs, and a disk would make that the bottleneck.
    let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    var template = Array("\(base)/crampwatch-fuzz-XXXXXX".utf8CString)
    let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    atexit { removeScratch() }
    return dir + "/input"
}()

func removeScratch() {
    unlink(scratchPath)
    rmdir(String(scratchPath.dropLast(6)))
}

public func writeScratch(_ bytes: UnsafeRawBufferPointer, name: String = "input") -> String {
    let path = scratchPath.dropLast(5) + name
    let fd = open(String(path), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    require(fd >= 0, "cannot create \(path)")
    var done = 0
    while done < bytes.count {
        let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
        require(n > 0, "cannot write \(path)")
        done += n
    }
    close(fd)
    return String(path)
}
