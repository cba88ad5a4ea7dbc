import Foundation
import Journal
import NightAnalysis

/// Who may use the web app: on loopback every visitor gets a session at once (only this computer can reach
/// it); on any other address a browser must first pair with the one-time code the server printed.
///
/// Loopback sessions live in memory (a restart hands out a new one without asking anything). Paired sessions
/// are also kept in the journal's `webSession` table, as the SHA-256 of the cookie's token only, so a phone
/// paired before a restart (the box rebooted in the night) is still paired after it, until 90 days unused.
final class Gate: @unchecked Sendable {
    /// A browser's session: its cookie value and the token every form it is given carries.
    struct Session: Sendable {
        var id: String
        var csrf: String

        /// The CSRF token is derived from the cookie's token (which scripts cannot read: HttpOnly), so it
        /// needs no storing and a restored session's forms still work.
        init(id: String) {
            self.id = id
            csrf = SHA256.hex("csrf:" + id)
        }
    }

    /// Wrong codes allowed within `window` before pairing is refused until the window has passed.
    static let attemptsAllowed = 5
    static let window: TimeInterval = 60
    /// Sessions kept in memory; past this the oldest goes (a script hammering loopback cannot fill the memory).
    static let sessionsKept = 1000
    /// How often a paired session's last use is written to the journal: often enough for a 90-day idle expiry,
    /// rarely enough that a page load is not a journal write beside the monitor's.
    static let touchEvery: TimeInterval = 3600

    let pairingRequired: Bool
    /// Where paired sessions outlive the process; nil keeps them in memory only.
    private let journal: Journal?
    private let lock = NSLock()
    private var sessions: [String: Session] = [:]
    private var order: [String] = []
    /// Paired sessions known to this process, with when their use was last written to the journal.
    private var paired: [String: (session: Session, touched: Date)] = [:]
    private var code: String
    /// Wrong codes of every client together, not per address: the code is only 8 digits, and a limit per
    /// client would let many clients (or one with many addresses, e.g. IPv6) share out 10^8 guesses between
    /// them. A global limit bounds all guessing at `attemptsAllowed` per `window`, at the cost that a stranger
    /// guessing can make the person wait a minute to pair.
    private var failures: [Date] = []
    private let announce: @Sendable (String) -> Void

    /// - Parameters:
    ///   - journal: keeps paired sessions across restarts.
    ///   - announce: tells the person at the server a new pairing code (printed on stdout).
    init(pairingRequired: Bool, journal: Journal? = nil, announce: @escaping @Sendable (String) -> Void) {
        self.pairingRequired = pairingRequired
        self.journal = journal
        self.announce = announce
        code = Self.newCode()
        if pairingRequired { announce(code) }
    }

    /// The session a cookie names, if any: one of this process's, or a paired one the journal still keeps.
    func session(cookie: String?, now: Date = Date()) -> Session? {
        guard let cookie, Self.isToken(cookie) else { return nil }
        if let s = lock.withLock({ sessions[cookie] }) { return s }
        guard let journal else { return lock.withLock { paired[cookie]?.session } }
        let known = lock.withLock { paired[cookie] }
        if let known, now.timeIntervalSince(known.touched) < Self.touchEvery { return known.session }
        // Not seen by this process yet, or not written for an hour: ask the journal (which drops it if expired).
        let hash = SHA256.hex(cookie)
        switch Result(catching: { try journal.webSession(tokenHash: hash, now: now) }) {
        case .success(nil):
            lock.withLock { paired[cookie] = nil }
            return nil
        case .failure:
            // A journal that cannot be read now does not lock a paired phone out; a stranger it does not let in.
            return known?.session
        case .success: break
        }
        try? journal.touchWebSession(tokenHash: hash, now: now)
        let s = known?.session ?? Session(id: cookie)
        lock.withLock { paired[cookie] = (s, now) }
        return s
    }

    /// A new session (loopback).
    func openSession() -> Session {
        let s = Session(id: Self.token())
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
            let s = Session(id: Self.token())
            paired[s.id] = (s, now)
            return .paired(s.id)
        }
        if case .paired(let id) = result {
            // Should the journal refuse the write, the phone works until the next hourly check, then pairs again.
            try? journal?.saveWebSession(tokenHash: SHA256.hex(id), now: now)
            announce(lock.withLock { code })
        }
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

    /// 64 lowercase hex digits, as ``token()`` makes: anything else is not looked up.
    static func isToken(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
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
    /// A paired phone's cookie outlives the browser's restart (400 days, the most browsers keep one); the
    /// server's 90 days idle decides when it stops working.
    static func cookie(_ id: String, secure: Bool, paired: Bool = false) -> String {
        "cw_session=\(id); Path=/; HttpOnly; SameSite=Strict" + (paired ? "; Max-Age=34560000" : "")
            + (secure ? "; Secure" : "")
    }
}
