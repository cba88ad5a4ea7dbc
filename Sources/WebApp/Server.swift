import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Journal
import Logging
import NIOCore

/// How `crampwatch serve` was asked to run.
public struct ServeOptions: Sendable {
    public var journalPath: String
    public var host: String
    public var port: Int
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// What is plugged in now, for the Device page. The CLI gives the discovery `crampwatch devices` uses: WebApp
    /// itself touches no hardware (it does not link libusb).
    public var attached: @Sendable () -> AttachedDevices = { AttachedDevices(devices: []) }

    public init(journalPath: String, host: String = "127.0.0.1", port: Int = 8780, tlsCertificate: String? = nil,
                tlsKey: String? = nil) {
        self.journalPath = journalPath
        self.host = host
        self.port = port
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
    }

    /// "127.0.0.1:8780", "0.0.0.0:8780", "[::1]:8780" → host and port; nil when it is not one.
    public static func parseListen(_ s: String) -> (host: String, port: Int)? {
        let host: Substring, portText: Substring
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            host = s[s.index(after: s.startIndex)..<close]
            let rest = s[s.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = s.lastIndex(of: ":") else { return nil }
            host = s[..<colon]
            portText = s[s.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// Only this computer can reach a loopback address, so no pairing is asked there.
    public var isLoopback: Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }

    var usesTLS: Bool { tlsCertificate != nil }
}

/// A problem starting the server, said for a person.
public struct ServeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// The bedside web app: `crampwatch serve`.
public enum WebServer {
    /// Runs until SIGINT or SIGTERM. `say` prints a line for the person who started it (the address, the
    /// pairing code).
    public static func run(_ options: ServeOptions, say: @escaping @Sendable (String) -> Void) async throws {
        let journal = try Journal(path: options.journalPath)
        let scheme = options.usesTLS ? "https" : "http"
        let gate = Gate(pairingRequired: !options.isLoopback, journal: journal) { code in
            say("Pairing code for a phone: \(code.prefix(4)) \(code.suffix(4)) (open the address on the phone and "
                + "type it; it works once)")
        }
        let app = Application(
            router: Routes.router(App(views: Views(journal: journal, attached: options.attached), gate: gate,
                                      options: options)),
            server: try serverBuilder(options),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.port
                let host = options.host.contains(":") ? "[\(options.host)]" : options.host
                say("Listening on \(scheme)://\(host):\(port)/ (journal \(options.journalPath)); Ctrl-C stops it.")
                let phones = options.host == "0.0.0.0" ? LocalAddresses.ipv4() : []
                if !phones.isEmpty {
                    say("On a phone on this network, open " + phones.map { "\(scheme)://\($0):\(port)/" }
                        .joined(separator: " or "))
                }
            },
            logger: quietLogger()
        )
        do {
            try await app.runService()
        } catch let e as IOError where e.errnoCode == EADDRINUSE {
            throw ServeError("port \(options.port) on \(options.host) is already in use (is another crampwatch serve "
                             + "running?). Stop it, or choose another port with --listen.")
        } catch let e as IOError where e.errnoCode == EADDRNOTAVAIL || e.errnoCode == EACCES {
            let reason = String(cString: strerror(e.errnoCode))
            throw ServeError("cannot listen on \(options.host):\(options.port) (\(reason)). Use an address of this "
                             + "computer, e.g. 0.0.0.0:8780, and a port above 1023.")
        }
    }

    static func serverBuilder(_ o: ServeOptions) throws -> HTTPServerBuilder {
        guard let cert = o.tlsCertificate else { return .http1() }
        guard let key = o.tlsKey else {
            throw ServeError("--tls-cert needs --tls-key (the certificate's private key).")
        }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(cert)
            let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                               privateKey: .privateKey(privateKey))
            return try .tls(.http1(), tlsConfiguration: tls)
        } catch let error as ServeError {
            throw error
        } catch {
            throw ServeError("cannot use the TLS certificate \(cert) and key \(key): \(error). Both must be PEM files.")
        }
    }

    /// Warnings and errors only: a request log would say when someone was awake.
    static func quietLogger() -> Logger {
        var l = Logger(label: "crampwatch-serve")
        l.logLevel = .warning
        return l
    }
}
