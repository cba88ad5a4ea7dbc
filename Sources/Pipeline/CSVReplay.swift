import Recordings

extension Replayer {
    func replayCSV(path: String) throws -> NightResult {
        throw RecordingError(path: path, offset: 0, "CSV replay is not built yet")
    }
}
