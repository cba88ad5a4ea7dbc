import Foundation
import Testing
import TestSupport

/// One answer from the server, as curl saw it.
struct Answer: Sendable {
    var status: Int
    var headers: [String: String]
    var body: String

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A real `crampwatch serve` on loopback (a free port the kernel picks), talked to with curl.
struct Served: Sendable {
    let base: String
    let journal: String
    let process: RunningProcess
    let output: URL

    /// What the server printed so far (the address, pairing codes).
    var printed: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// The newest pairing code the server printed.
    var pairingCode: String? {
        printed.split(separator: "\n").last { $0.hasPrefix("Pairing code") }.flatMap { line in
            line.split(separator: ":", maxSplits: 1).last.map { String($0.filter(\.isNumber).prefix(8)) }
        }
    }

    /// Starts the server on `journal`, runs `body`, stops it with SIGTERM and expects a clean exit. With `under`
    /// (a wrapper and its arguments, e.g. the virtual USB device `cwsim … --`), the server runs as its child, and
    /// the SIGTERM goes to the server.
    static func with<T: Sendable>(journal: String, listen: String = "127.0.0.1:0", extra: [String] = [],
                                  under wrapper: [String] = [],
                                  _ body: (Served) async throws -> T) async throws -> T {
        let output = URL(fileURLWithPath: TemporaryFolder.path("serve.out"))
        let command = wrapper + [Binary.crampwatch, "serve", "--journal", journal, "--listen", listen] + extra
        let (result, value) = try await Processes.start(
            command[0], Array(command.dropFirst()),
            environment: ["SWIFT_BACKTRACE": "enable=no"], stdout: .file(output), stderr: .file(output)
        ) { p in
            defer { if wrapper.isEmpty { p.send(SIGTERM) } else { for child in p.children { kill(child, SIGTERM) } } }
            var base: String?
            // Up to a minute: `make test` runs many suites at once on two cores.
            for _ in 0..<1200 where base == nil {
                let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
                if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Listening on ") }) {
                    base = line.dropFirst("Listening on ".count).split(separator: " ").first.map {
                        String($0.dropLast())
                    }
                }
                if base == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            guard let base else {
                Issue.record("the server did not start: \((try? String(contentsOf: output, encoding: .utf8)) ?? "")")
                throw CancellationError()
            }
            return try await body(Served(base: base, journal: journal, process: p, output: output))
        }
        #expect(result.status == 0 && !result.signalled, "serve did not stop cleanly on SIGTERM")
        return value
    }

    /// A request through curl; `cookies` is a curl cookie jar the session lives in.
    func request(_ path: String, method: String = "GET", form: [String: String]? = nil, cookies: String? = nil,
                 host: String? = nil, rawPath: Bool = false) async throws -> Answer {
        let folder = try TemporaryFolder.make("curl")
        let head = folder.appendingPathComponent("head").path, body = folder.appendingPathComponent("body").path
        var args = ["-s", "-S", "-X", method, "-D", head, "-o", body, "--max-time", "20"]
        if rawPath { args.append("--path-as-is") }
        // The TLS test's certificate is its own, self-signed.
        if base.hasPrefix("https:") { args.append("-k") }
        if let cookies { args += ["-b", cookies, "-c", cookies] }
        if let host { args += ["-H", "Host: \(host)"] }
        if let form {
            let encoded = form.map { k, v in
                k + "=" + (v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            }.joined(separator: "&")
            args += ["-H", "Content-Type: application/x-www-form-urlencoded", "--data-binary", encoded]
        }
        let r = try await Processes.run("/usr/bin/curl", args + [base + path])
        #expect(r.status == 0, "curl \(path): \(r.stderr)")
        let headText = (try? String(contentsOfFile: head, encoding: .utf8)) ?? ""
        var headers: [String: String] = [:], status = 0
        for line in headText.split(separator: "\r\n") {
            if line.hasPrefix("HTTP/") { status = Int(line.split(separator: " ")[1]) ?? 0; continue }
            let kv = line.split(separator: ":", maxSplits: 1)
            if kv.count == 2 { headers[kv[0].lowercased()] = kv[1].trimmingCharacters(in: .whitespaces) }
        }
        let text = (try? String(contentsOfFile: body, encoding: .utf8)) ?? ""
        return Answer(status: status, headers: headers, body: text)
    }

    /// The CSRF token in a page's forms.
    static func csrf(_ page: String) -> String? {
        guard let r = page.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(page[r.upperBound...].prefix { $0 != "\"" })
    }
}
