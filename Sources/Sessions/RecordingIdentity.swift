import NightAnalysis
import Recordings

/// A recording is known by its content, not its name: the SHA-256 of its bytes, so a capture copied, renamed or
/// replayed twice is recognised as the night already in the journal.
public enum RecordingIdentity {
    /// The SHA-256 of the file's bytes, in hex, read in 64-KiB chunks.
    public static func sha256(path: String) throws -> String {
        let reader = try ChunkedFileReader(path: path)
        var hasher = SHA256()
        while true {
            let chunk = try reader.next()
            if chunk.isEmpty { break }
            hasher.update(chunk)
        }
        return hasher.finish()
    }
}
