import Foundation
import HTTPTypes
import Hummingbird
import Journal
import NIOCore
import Reports

/// The request's context: the browser's session once the gate has let it in.
struct WebContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var session: Gate.Session?
    init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
}

/// What the handlers share.
struct App: Sendable {
    let views: Views
    let gate: Gate
    let options: ServeOptions
    let cache = PageCache()
}

/// Every path the server answers; anything else is "not found". Read top to bottom, it is the whole app.
enum Routes {
    static func router(_ app: App) -> Router<WebContext> {
        let r = Router(context: WebContext.self)
        r.add(middleware: Guard(app: app))
        r.get("/style.css") { _, _ in asset(Assets.css, "text/css; charset=utf-8") }
        r.get("/live.js") { _, _ in asset(Live.script, "text/javascript; charset=utf-8") }
        r.get("/pair") { _, c in try await Handlers.pairPage(app, c, message: nil) }
        r.post("/pair") { q, c in try await Handlers.pair(app, q, c) }
        r.get("/") { q, c in try await Handlers.tonight(app, q, c) }
        r.get("/events") { _, c in Live.stream(app, c) }
        r.post("/cramp") { q, c in try await Handlers.cramp(app, q, c) }
        r.get("/night") { q, c in try await Handlers.shared(app, q) { try await Handlers.night(app, nil, c) } }
        r.get("/night/{id}") { q, c in
            try await Handlers.shared(app, q) { try await Handlers.night(app, c.parameters.get("id"), c) }
        }
        r.get("/nights") { q, c in try await Handlers.shared(app, q) { try await Handlers.nights(app, q, c) } }
        r.get("/diary") { q, c in try await Handlers.diary(app, q, c) }
        r.post("/diary") { q, c in try await Handlers.saveDiary(app, q, c) }
        r.get("/trends") { q, c in try await Handlers.report(app, q, .trends) { try app.views.trends() } }
        r.get("/doctor") { q, c in try await Handlers.report(app, q, .doctor) { try app.views.doctor() } }
        r.get("/device") { q, c in try await Handlers.report(app, q, .device) { try app.views.device() } }
        return r
    }

    static func asset(_ text: String, _ type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Before any route: the security headers on every answer, the Host check against DNS rebinding, sessions
/// (given at once on loopback, by pairing elsewhere), and a page for a person instead of a bare error.
struct Guard: RouterMiddleware {
    typealias Context = WebContext
    let app: App

    func handle(_ request: Request, context: WebContext,
                next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var response = try await admit(request, context: context, next: next)
        for (name, value) in SecurityHeaders.all {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }

    func admit(_ request: Request, context: WebContext,
               next: (Request, WebContext) async throws -> Response) async throws -> Response {
        let frame = Frame(night: Frame.isNight(app.views.now(), app.views.timeZone))
        if app.options.isLoopback, !Self.loopbackHost(request.head.authority) {
            return Handlers.page(frame, "Wrong address", nil, Parts.problem("Wrong address",
                "Open this app as http://127.0.0.1 or http://localhost on this computer."), status: .misdirectedRequest)
        }
        var context = context
        let path = request.uri.path
        let open = path == "/pair" || path == "/style.css"
        context.session = app.gate.session(cookie: request.cookies["cw_session"]?.value)
        var newCookie: String?
        if context.session == nil && !app.gate.pairingRequired {
            let s = app.gate.openSession()
            context.session = s
            newCookie = s.id
        }
        if context.session == nil && !open {
            if request.method == .get { return Response(status: .seeOther, headers: [.location: "/pair"]) }
            return Handlers.page(frame, "Pair first", nil, Parts.problem("Pair this phone first",
                "Open /pair and type the code the server printed."), status: .unauthorized)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let e as HTTPError where e.status == .notFound || e.status == .methodNotAllowed {
            response = Handlers.page(frame, "Not here", nil, Parts.problem("Nothing here",
                "This address is not a page of Crampwatch. Use the menu above."), status: .notFound)
        }
        if let newCookie {
            response.headers[.setCookie] = SecurityHeaders.cookie(newCookie, secure: app.options.usesTLS)
        }
        return response
    }

    /// The Host a browser on this computer sends; a web page elsewhere that points its own name at 127.0.0.1
    /// sends its name, and is turned away.
    static func loopbackHost(_ authority: String?) -> Bool {
        guard let a = authority?.lowercased() else { return false }
        let host = a.hasPrefix("[") ? String(a.prefix { $0 != "]" }) + "]" : String(a.prefix { $0 != ":" })
        return host == "localhost" || host == "[::1]" || host.hasPrefix("127.")
    }
}
