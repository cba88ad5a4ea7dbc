import Foundation
import Testing
import TestSupport

/// A phone paired with `crampwatch serve` stays paired when the server restarts (the box rebooted at night):
/// the journal keeps the SHA-256 of its cookie's token, never the token, and forgets it after 90 days unused.
@Suite(.tags(.cli), .temporaryFolder) struct PairedSessionTests {
    /// SHA-256 as Python's hashlib computes it, to hold the server's own to.
    static func sha256(_ text: String) async throws -> String {
        let script = "import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())"
        let r = try await Processes.run("/usr/bin/python3", ["-c", script, text])
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The server on a phone's address, talked to through 127.0.0.1 (pairing is asked off loopback).
    static func offLoopback(_ journal: String, _ body: (Served) async throws -> Void) async throws {
        try await Served.with(journal: journal, listen: "0.0.0.0:0") { s in
            try await body(Served(base: s.base.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1"),
                                  journal: s.journal, process: s.process, output: s.output))
        }
    }

    /// The status of GET `path` with exactly this cookie (no jar).
    static func status(_ s: Served, cookie: String, _ path: String = "/") async throws -> Int {
        let r = try await Processes.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time",
                                                          "20", "-H", "Cookie: cw_session=\(cookie)", s.base + path])
        return Int(r.stdout) ?? 0
    }

    @Test func aPairedPhoneStaysPairedAcrossARestartAndAForgedOrExpiredCookieDoesNot() async throws {
        let journal = TemporaryFolder.path("journal.sqlite")
        let jar = TemporaryFolder.path("cookies")
        var token = "", csrf = ""
        try await Self.offLoopback(journal) { s in
            let code = try #require(s.pairingCode)
            let paired = try await s.request("/pair", method: "POST", form: ["code": code], cookies: jar)
            #expect(paired.status == 303)
            #expect(paired.header("set-cookie")?.contains("Max-Age=34560000") == true, "outlives the browser")
            let jarText = try String(contentsOfFile: jar, encoding: .utf8)
            token = try #require(jarText.split(separator: "\n").last { $0.contains("cw_session") }?
                .split(separator: "\t").last.map(String.init))
            csrf = try #require(Served.csrf(try await s.request("/diary", cookies: jar).body))
        }
        #expect(token.count == 64)
        // The journal holds the token's hash, with 90 days idle before it ends; the token itself nowhere.
        let row = try await SQLiteShell.run(journal, "SELECT tokenHash, round(julianday(expiresAt) - "
                                            + "julianday(lastUsedAt), 6), createdAt <= lastUsedAt FROM webSession")
        #expect(row.trimmingCharacters(in: .whitespacesAndNewlines) == "\(try await Self.sha256(token))|90.0|1")
        let dump = try await SQLiteShell.run(journal, ".dump")
        #expect(!dump.contains(token) && !dump.contains(csrf))
        // A form's token is derived from the cookie's, so it survives the restart too.
        #expect(csrf == (try await Self.sha256("csrf:" + token)))

        try await Self.offLoopback(journal) { s in
            #expect(try await s.request("/", cookies: jar).status == 200, "paired before the restart")
            let saved = try await s.request("/diary", method: "POST", form: ["csrf": csrf, "date": "2026-11-20",
                                                                          "fluids": "1500"], cookies: jar)
            #expect(saved.status == 303, "a page loaded before the restart still posts")
            let forged = String(token.reversed())
            #expect(try await Self.status(s, cookie: forged) == 303, "a forged cookie is sent to pair")
            #expect(try await Self.status(s, cookie: "../../etc/passwd") == 303)
            #expect(try await Self.status(s, cookie: token) == 200)
        }
        let fluids = try await SQLiteShell.run(journal, "SELECT fluidsMl FROM diaryEntry")
        #expect(fluids.trimmingCharacters(in: .whitespacesAndNewlines) == "1500.0")

        // Ninety-one days without use: the session has ended, and the journal forgets it.
        _ = try await SQLiteShell.run(journal, "UPDATE webSession SET lastUsedAt = datetime('now', '-91 days'), "
                                      + "expiresAt = datetime('now', '-1 days')")
        try await Self.offLoopback(journal) { s in
            let status = try await Self.status(s, cookie: token)
            #expect(status == 303, "an expired session must pair again")
        }
        let left = try await SQLiteShell.run(journal, "SELECT COUNT(*) FROM webSession")
        #expect(left.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test func onLoopbackNoSessionIsWrittenToTheJournal() async throws {
        let journal = TemporaryFolder.path("journal.sqlite")
        try await Served.with(journal: journal) { s in
            for _ in 0..<3 {
                let status = try await s.request("/").status
                #expect(status == 200)
            }
        }
        // Every cookieless visitor on loopback gets a session; writing each would load the journal the monitor
        // writes (the load test's 50 clients), for nothing: loopback asks no pairing after a restart anyway.
        let count = try await SQLiteShell.run(journal, "SELECT COUNT(*) FROM webSession")
        #expect(count.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }
}
