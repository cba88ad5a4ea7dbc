import ArgumentParser
import Foundation
import WebApp

/// `crampwatch serve`: options only; the web app is WebApp's.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serves tonight, last night, the diary and the reports as a web app for your phone.",
        discussion: """
            It listens on 127.0.0.1 (this computer only) unless --listen says otherwise. On any other address
            (--listen 0.0.0.0:8780 for a phone on your home network) a browser must pair first with the one-time
            code this command prints. --tls-cert and --tls-key serve HTTPS.
            """
    )
    @OptionGroup var journal: JournalOptions
    @Option(help: ArgumentHelp("The address and port to listen on (port 0: any free port).",
                               valueName: "host:port")) var listen = "127.0.0.1:8780"
    @Option(help: ArgumentHelp("A PEM certificate (chain) for HTTPS.", valueName: "path")) var tlsCert: String?
    @Option(help: ArgumentHelp("The certificate's PEM private key.", valueName: "path")) var tlsKey: String?

    func validate() throws {
        guard ServeOptions.parseListen(listen) != nil else {
            throw ValidationError("--listen must be an address and a port, like 127.0.0.1:8780 or 0.0.0.0:8780.")
        }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together: give both, or neither.")
        }
    }

    func run() throws {
        let (host, port) = ServeOptions.parseListen(listen)!
        var options = ServeOptions(journalPath: journal.resolvedPath, host: host, port: port, tlsCertificate: tlsCert,
                                   tlsKey: tlsKey)
        options.attached = { Attached.look().forWeb }
        let done = DispatchSemaphore(value: 0)
        let failure = Failure()
        Task {
            do {
                // Straight to the descriptor: a service's log (journald) must see the pairing code at once.
                try await WebServer.run(options) { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
            } catch {
                failure.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = failure.error {
            complain(error)
            throw Exit.failure
        }
    }

    /// The server's error, handed from its task to the waiting command.
    final class Failure: @unchecked Sendable { var error: Error? }
}
