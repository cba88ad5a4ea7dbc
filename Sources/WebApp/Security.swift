import Foundation

/// Who may use the web app: on loopback every visitor gets a session at once (only this computer can reach
/// it); on any other address a browser must first pair with the one-time code the server printed.
///
/// Sessions live in memory: restarting `crampwatch serve` asks a phone to pair again.
final class Gate: @unchecked Sendable {
    /// A browser's session: its cookie value and the token every form it is given carries.
    struct Session: Sendable {
        var id: String
        var csrf: String
    }

    /// Wrong codes allowed within `window` before pairing is refused until the window has passed.
    static let attemptsAllowed = 5
    static let window: TimeInterval = 60
    /// Sessions kept; past this the oldest goes (a script hammering loopback cannot fill the memory).
    static let sessionsKept = 1000

    let pairingRequired: Bool
    private let lock = NSLock()
    private var sessions: [String: Session] = [:]
    private var order: [String] = []
    private var code: String
    private var failures: [Date] = []
    private let announce: @Sendable (String) -> Void

    /// - Parameter announce: tells the person at the server a new pairing code (printed on stdout).
    init(pairingRequired: Bool, announce: @escaping @Sendable (String) -> Void) {
        self.pairingRequired = pairingRequired
        self.announce = announce
        code = Self.newCode()
        if pairingRequired { announce(code) }
    }

    /// The session a cookie names, if any.
    func session(cookie: String?) -> Session? {
        guard let cookie else { return nil }
        return lock.withLock { sessions[cookie] }
    }

    /// A new session (loopback, or after pairing).
    func openSession() -> Session {
        let s = Session(id: Self.token(), csrf: Self.token())
        lock.withLock { keep(s) }
        return s
    }

    /// Stores a session, dropping the oldest past ``sessionsKept``. Called with the lock held.
    private func keep(_ s: Session) {
        sessions[s.id] = s
        order.append(s.id)
        if order.count > Self.sessionsKept {
            let gone = order.prefix(order.count - Self.sessionsKept)
            for id in gone { sessions[id] = nil }
            order.removeFirst(gone.count)
        }
    }

    enum PairingOutcome: Equatable { case paired(String), wrongCode, tooManyAttempts(retryAfter: Int) }

    /// Checks a pairing code; a right one is used up (a new one is printed for the next device).
    func pair(code attempt: String, now: Date = Date()) -> PairingOutcome {
        let digits = attempt.filter(\.isNumber)
        let result: PairingOutcome = lock.withLock {
            failures.removeAll { now.timeIntervalSince($0) > Self.window }
            if failures.count >= Self.attemptsAllowed {
                let wait = Self.window - now.timeIntervalSince(failures[0])
                return .tooManyAttempts(retryAfter: max(1, Int(wait.rounded(.up))))
            }
            guard !digits.isEmpty, Self.same(digits, code) else {
                failures.append(now)
                return .wrongCode
            }
            code = Self.newCode()
            let s = Session(id: Self.token(), csrf: Self.token())
            keep(s)
            return .paired(s.id)
        }
        if case .paired = result { announce(lock.withLock { code }) }
        return result
    }

    /// Eight digits, typed on a phone's number pad.
    static func newCode() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<8).map { _ in String(Int.random(in: 0...9, using: &g)) }.joined()
    }

    /// 32 random bytes as hex.
    static func token() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    /// Compares in time independent of where the strings differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// The headers every answer carries: no script but our own file, nothing from another site, no framing.
enum SecurityHeaders {
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static let all: [(String, String)] = [
        ("Content-Security-Policy", contentSecurityPolicy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    ]

    /// The session cookie: unreadable by scripts, never sent from another site, HTTPS-only under TLS.
    static func cookie(_ id: String, secure: Bool) -> String {
        "cw_session=\(id); Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }
}
