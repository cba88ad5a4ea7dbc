/// Maps the device's clock to the host's: host = offset + (1 + drift) × device, fitted while the night streams.
///
/// Every reading pairs a device timestamp with the host time its bytes arrived. Arrival is always late by a
/// varying amount (USB polling, scheduling), never early, so the fit follows the *earliest* arrivals: each
/// window of `windowSeconds` of device time keeps only its smallest host-minus-device difference, and a
/// least-squares line goes through those minima (as NTP-style clock filters do). The device's raw timestamps
/// stay in the capture; this only says how to place them on the wall clock.
public struct ClockFit: Sendable {
    public struct Result: Sendable, Equatable {
        /// Host time (Unix seconds) at device time zero.
        public var offsetSeconds: Double
        /// Parts per million the device clock runs slow (+) or fast (−) against the host.
        public var driftPPM: Double
        /// Windows the line was fitted through.
        public var points: Int
        /// Median distance of the window minima above the line, in milliseconds.
        public var medianResidualMs: Double

        /// Host time of a device time.
        public func hostSeconds(device: Double) -> Double { offsetSeconds + (1 + driftPPM / 1e6) * device }
    }

    public let windowSeconds: Double
    /// Window minima (device seconds, host − device seconds), oldest first; one per window, so an 8-hour night holds
    /// 2,880 of them at 10 s. Beyond `maxWindows` the oldest are dropped.
    private(set) var minima: [(x: Double, y: Double)] = []
    private var windowStart: Double?
    private var windowMin: (x: Double, y: Double)?
    public let maxWindows: Int
    private var lastDevice: Double?
    /// Times the device clock went backwards (a restart) or stepped forward: the fit starts again from there.
    public private(set) var resets = 0
    private var line: (slope: Double, intercept: Double)?

    public init(windowSeconds: Double = 10, maxWindows: Int = 10_000) {
        self.windowSeconds = windowSeconds
        self.maxWindows = maxWindows
    }

    /// Adds one reading: the device time of the newest sample received, and the host time it arrived.
    public mutating func add(deviceSeconds x: Double, hostSeconds: Double) {
        if let last = lastDevice, x < last - 1 {
            // The device restarted its clock: the old line no longer applies.
            resets += 1
            minima.removeAll()
            windowStart = nil
            windowMin = nil
            line = nil
        }
        lastDevice = x
        let y = hostSeconds - x
        // Arrivals are only ever late, so a reading never lies a second below the fitted line unless the device
        // clock stepped forward (or the host's was set back): start again from there too.
        if let line, y < line.intercept + line.slope * x - 1 {
            resets += 1
            minima.removeAll()
            windowStart = nil
            windowMin = nil
            self.line = nil
        }
        if let start = windowStart, x - start >= windowSeconds { closeWindow() }
        if windowStart == nil { windowStart = x }
        if windowMin == nil || y < windowMin!.y { windowMin = (x, y) }
    }

    private mutating func closeWindow() {
        if let m = windowMin {
            minima.append(m)
            if minima.count > maxWindows { minima.removeFirst(minima.count - maxWindows) }
            // Once three windows agree on a line, readings far below it reveal a step of the device clock.
            line = minima.count >= 3 ? Self.leastSquares(minima) : nil
        }
        windowStart = nil
        windowMin = nil
    }

    /// The readings the line is fitted through, oldest first: each window's earliest arrival (and the open
    /// window's so far), as the device time of the newest sample then received and the host time (Unix seconds)
    /// it arrived. Kept beside the capture (`<capture>.times.json`) so the fit can be checked or redone later.
    public var points: [(deviceSeconds: Double, hostSeconds: Double)] {
        (minima + (windowMin.map { [$0] } ?? [])).map { (deviceSeconds: $0.x, hostSeconds: $0.y + $0.x) }
    }

    /// The fitted line, or nil before two windows have data.
    public var result: Result? {
        var pts = minima
        if let m = windowMin { pts.append(m) }
        guard let first = pts.first else { return nil }
        if pts.count == 1 {
            return Result(offsetSeconds: first.y, driftPPM: 0, points: 1, medianResidualMs: 0)
        }
        var line = Self.leastSquares(pts)
        // Windows with no timely arrival at all (the host was suspended, then everything came at once) lie far above
        // the line: leave them out and fit again.
        let tolerance = 0.2
        let kept = pts.filter { $0.y - (line.intercept + line.slope * $0.x) < tolerance }
        if kept.count >= 2 && kept.count < pts.count {
            pts = kept
            line = Self.leastSquares(pts)
        }
        let slope = line.slope
        var intercept = line.intercept
        // The line should be a lower bound: shift it down to the lowest minimum so late arrivals sit above it.
        let lowest = pts.map { $0.y - (intercept + slope * $0.x) }.min() ?? 0
        intercept += lowest
        var residuals = pts.map { $0.y - (intercept + slope * $0.x) }
        residuals.sort()
        return Result(offsetSeconds: intercept, driftPPM: slope * 1e6, points: pts.count,
                      medianResidualMs: residuals[residuals.count / 2] * 1000)
    }

    static func leastSquares(_ pts: [(x: Double, y: Double)]) -> (slope: Double, intercept: Double) {
        // Centre x for numerical stability (device times are large).
        let n = Double(pts.count)
        let mx = pts.reduce(0) { $0 + $1.x } / n, my = pts.reduce(0) { $0 + $1.y } / n
        var sxx = 0.0, sxy = 0.0
        for p in pts {
            sxx += (p.x - mx) * (p.x - mx)
            sxy += (p.x - mx) * (p.y - my)
        }
        let slope = sxx > 0 ? sxy / sxx : 0
        return (slope, my - slope * mx)
    }
}
