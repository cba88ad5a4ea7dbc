import Testing

/// Tags that say what a suite needs and how long it takes; `make check` leaves out `.slow`, `.usb` and `.browser`.
extension Tag {
    /// Runs the real `crampwatch` executable.
    @Tag public static var cli: Self
    /// Needs the virtual USB device (Firmware/build/cwsim under umockdev).
    @Tag public static var usb: Self
    /// Takes more than a few seconds on two cores (many processes, whole nights, repeated kills).
    @Tag public static var slow: Self
    /// Compares with a Python reference (python3 with numpy, pyedflib, mne, timescoring ...).
    @Tag public static var python: Self
    /// Renders in a real browser (Chromium).
    @Tag public static var browser: Self
    /// Reads data sets in ../shared/data.
    @Tag public static var sharedData: Self
    /// Feeds random or damaged input (property tests, fuzz-found cases).
    @Tag public static var fuzz: Self
}

/// Reports a part of a test that could not run here (a missing tool) as a known issue, so the run says so
/// instead of passing silently.
public func reportSkipped(_ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
    withKnownIssue(Comment(rawValue: reason), sourceLocation: sourceLocation) {
        Issue.record(Comment(rawValue: "skipped: \(reason)"), sourceLocation: sourceLocation)
    }
}
