import Foundation

/// When a reader tries its device again after an unplug, and what the outage came to. Our device and the Cyton
/// come back on this one schedule, so a change to it (and the tests' timings that rest on it) holds for both.
/// The delays start small, because a replug is often quick, and double up to `maxSeconds`, so a device gone for
/// the rest of the night costs a poll every few seconds rather than a busy loop; why it is not back is worth
/// saying once an outage, not at every attempt. The reader keeps the connecting, its words and its own signals
/// (libusb's hotplug event, the Cyton's gap record). A class, so that a reader can hand it out to be tuned
/// without handing out the state it keeps.
public final class ReconnectBackoff {
    /// The delay before the first attempt after a loss; also the first of `connectWhenPresent`'s waits.
    public var startSeconds: Double
    /// The longest delay between two attempts.
    public var maxSeconds: Double
    /// The reconnects so far.
    public private(set) var reconnects = 0
    /// How long the device was gone before the last reconnect.
    public private(set) var lastOutageSeconds = 0.0
    /// The delay after the next failed attempt.
    private var delay: Double
    private var nextAttempt = Date.distantPast
    private var saidWaiting = false
    private var outageStart = Date()

    init(startSeconds: Double = 0.05, maxSeconds: Double = 5.0) {
        self.startSeconds = startSeconds
        self.maxSeconds = maxSeconds
        delay = startSeconds
    }

    /// The device went away; it was last heard from at `since`, where the outage starts.
    func lost(since: Date) {
        outageStart = since
        delay = startSeconds
        nextAttempt = Date(timeIntervalSinceNow: delay)
    }

    /// Waits for the next attempt's time, at most `timeoutSeconds` (the reader's own wait, so that it still
    /// reports idle time and is asked to stop); true when the time has come. `wait` waits the seconds it is given
    /// and returns true when it knows the device is back (libusb's hotplug event), which makes the attempt due at
    /// once.
    func waitForAttempt(atMost timeoutSeconds: Double,
                        wait: (Double) -> Bool = { Thread.sleep(forTimeInterval: $0); return false }) -> Bool {
        let left = nextAttempt.timeIntervalSinceNow
        guard left > 0 else { return true }
        if wait(min(timeoutSeconds, left)) { nextAttempt = .distantPast }
        return nextAttempt.timeIntervalSinceNow <= 0
    }

    /// The attempt connected: the next outage starts from the first delay again and is said again. The outage is
    /// never negative (the wall clock can be set back, and the Cyton's gap record is unsigned).
    func reconnected() {
        lastOutageSeconds = max(0, Date().timeIntervalSince(outageStart))
        reconnects += 1
        delay = startSeconds
        saidWaiting = false
    }

    /// The attempt failed: the next comes after the present delay, which then doubles. True the first time since
    /// the device was last connected, when the reason is worth saying.
    func failedFirstTime() -> Bool {
        nextAttempt = Date(timeIntervalSinceNow: delay)
        delay = min(maxSeconds, delay * 2)
        defer { saidWaiting = true }
        return !saidWaiting
    }
}

/// The waits of a reader's `connectWhenPresent` (the nightly service starting before the device is plugged in),
/// on the same schedule as a reconnect: the first wait is `startSeconds`, each failed attempt doubles it up to
/// `maxSeconds`, and a device that announced itself (libusb's hotplug event) is tried again after the first wait
/// only, since just plugged in it may need a moment before it opens. Why the device is not there is said once
/// for each reason: a person watching the log learns what to do without a line every few seconds.
struct PresenceWait {
    private let firstSeconds: Double
    private let longestSeconds: Double
    private let began = Date()
    private var said: Set<String> = []
    /// How long to wait before the next attempt.
    private(set) var delaySeconds: Double

    init(_ schedule: ReconnectBackoff) {
        firstSeconds = schedule.startSeconds
        longestSeconds = schedule.maxSeconds
        delaySeconds = firstSeconds
    }

    /// An attempt failed with `error`: true the first time that reason is given, when it is worth saying.
    mutating func failed(_ error: any Error) -> Bool { said.insert("\(error)").inserted }

    /// The wait before the next attempt is over; `arrived` when the device announced itself during it.
    mutating func waited(arrived: Bool) {
        delaySeconds = arrived ? firstSeconds : min(longestSeconds, delaySeconds * 2)
    }

    /// How long the device was waited for: 0 when the first attempt found it.
    var waitedSeconds: Double { said.isEmpty ? 0 : Date().timeIntervalSince(began) }
}
