import SignalCore

extension NightDetector {
    /// Feeds interleaved EMG (no accelerometer) in pieces of `chunk` samples, as a reader hands over its blocks,
    /// then finishes the night; returns every event in order, those emitted at the end included.
    func events(feeding samples: [Float], chunk: Int, capacity: Int = 1024) -> [DetectedEvent] {
        var events = EventBuffer(capacity: capacity)
        var all: [DetectedEvent] = []
        samples.withUnsafeBufferPointer { buffer in
            var i = 0
            while i < buffer.count {
                let n = min(chunk, buffer.count - i)
                process(emg: UnsafeBufferPointer(rebasing: buffer[i..<(i + n)]),
                        accel: UnsafeBufferPointer(start: nil, count: 0), into: &events)
                all += events.events
                events.removeAll()
                i += n
            }
        }
        finish(into: &events)
        return all + events.events
    }
}
