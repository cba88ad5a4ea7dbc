import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// Tonight, live: Server-Sent Events read from the journal the monitor writes.
enum Live {
    /// Replaces the Tonight section with each event's HTML (already escaped by the server).
    static let script = """
    "use strict";
    (function () {
      var live = document.getElementById("live");
      if (!live || !window.EventSource) { return; }
      var source = new EventSource("/events");
      source.addEventListener("tonight", function (e) {
        var doc = new DOMParser().parseFromString(e.data, "text/html");
        live.replaceChildren.apply(live, Array.prototype.slice.call(doc.body.childNodes));
      });
    })();

    """

    /// How often the journal is read for a change; the monitor writes its totals every few seconds.
    static let interval: Duration = .seconds(1)
    /// A stream ends after this long and the browser reconnects: no connection is held for a whole night.
    static let streamSeconds = 600

    /// `text/event-stream`: an event named "tonight" with the section's HTML whenever it changes, and a
    /// comment every 15 s so that proxies and phones keep the connection.
    static func stream(_ app: App, _ c: WebContext) -> Response {
        let views = app.views
        let body = ResponseBody { writer in
            var last = ""
            var quiet = 0
            // Ends within a second of SIGTERM or SIGINT, so the server stops promptly with a browser watching.
            for _ in 0..<streamSeconds where !Task.isShuttingDownGracefully {
                guard let html = try? TonightStatus.read(views.journal, tz: views.timeZone, now: views.now())
                    .html(views.timeZone)
                else { break }
                var message = ""
                if html != last {
                    message = "event: tonight\n" + html.split(separator: "\n").map { "data: \($0)\n" }.joined() + "\n"
                    last = html
                    quiet = 0
                } else {
                    quiet += 1
                    if quiet % 15 == 0 { message = ": still here\n\n" }
                }
                if !message.isEmpty {
                    do { try await writer.write(ByteBuffer(string: message)) } catch { break }
                }
                do { try await Task.sleep(for: interval) } catch { break }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                        body: body)
    }
}
