import Foundation
import Hummingbird
import Journal
import NIOCore
import Reports

/// What each route does: read or write the journal, and answer with a page.
enum Handlers {
    /// Forms are small; anything larger is refused before it is read.
    static let maxFormBytes = 64 * 1024

    static func page(_ frame: Frame, _ title: String, _ section: Section?, _ body: String,
                     status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: frame.render(title: title, section: section, body: body))))
    }

    static func frame(_ app: App, live: Bool = false) -> Frame {
        Frame(night: Frame.isNight(app.views.now(), app.views.timeZone), liveScript: live)
    }

    static func redirect(_ to: String) -> Response { Response(status: .seeOther, headers: [.location: to]) }

    /// A posted form, or the page refusing it.
    enum Posted { case form(Form), refused(Response) }

    /// The form a browser posted, once its CSRF token is checked; a 403 page when it is not ours.
    static func form(_ app: App, _ request: Request, _ c: WebContext) async throws -> Posted {
        let buffer = try await request.body.collect(upTo: maxFormBytes)
        let f = Form(String(buffer: buffer))
        guard let session = c.session, let token = f.values["csrf"], Gate.same(token, session.csrf) else {
            return .refused(page(frame(app), "Form refused", nil, Parts.problem("That form was refused",
                "It did not come from this app's own page (or the page was too old). Go back, reload, and try again."),
                status: .forbidden))
        }
        return .form(f)
    }

    static func tonight(_ app: App, _ q: Request, _ c: WebContext) async throws -> Response {
        let status = try TonightStatus.read(app.views.journal, tz: app.views.timeZone, now: app.views.now())
        var b = "<h1>Tonight</h1>\n"
        if let noted = q.uri.queryParameters["noted"] {
            b += Parts.message("Written down: a cramp at \(noted). Sleep well.")
        }
        b += Parts.crampButton(csrf: c.session?.csrf ?? "")
        b += "<section id=\"live\" aria-live=\"polite\">\n" + status.html(app.views.timeZone) + "</section>\n"
        return page(frame(app, live: true), "Crampwatch — tonight", .tonight, b)
    }

    static func cramp(_ app: App, _ q: Request, _ c: WebContext) async throws -> Response {
        let f: Form
        switch try await form(app, q, c) {
        case .refused(let refused): return refused
        case .form(let v): f = v
        }
        let now = app.views.now()
        do {
            _ = try app.views.journal.saveSelfReportedCramp(try CrampForm.cramp(f, now: now))
            app.cache.clear()
        } catch let p as FormProblem {
            return page(frame(app), "Not written down", .tonight, Parts.problem("Not written down", p.message),
                        status: .badRequest)
        }
        return redirect("/?noted=" + Parts.clock(now, app.views.timeZone))
    }

    /// Last night (`number` nil) or the night with that number.
    static func night(_ app: App, _ number: String?, _ c: WebContext) async throws -> Page {
        let id = number.flatMap { Int64($0) }
        guard number == nil || id != nil, let n = try app.views.night(id) else {
            return Page(title: "No such night", section: .lastNight, body: Parts.problem("No such night",
                "There is no night \(number ?? "") in the journal. The Nights page shows the ones there are."),
                status: .notFound)
        }
        return Page(title: n.title, section: number == nil ? .lastNight : nil, body: n.html)
    }

    static func nights(_ app: App, _ q: Request, _ c: WebContext) async throws -> Page {
        let s = try app.views.snapshot()
        let evenings = s.nights.compactMap(\.evening).filter { $0 != "unknown" }
        let latest = evenings.max() ?? app.views.today
        let asked = q.uri.queryParameters["month"].map(String.init) ?? String(latest.prefix(7))
        let last = String(max(latest, app.views.today).prefix(7))
        let months = min(String((evenings.min() ?? last).prefix(7)), asked, last)...max(last, asked)
        guard let m = MonthCalendar.month(asked) else {
            return Page(title: "Not a month", section: .nights, body: Parts.problem("Not a month",
                "Months look like 2026-11."), status: .badRequest)
        }
        return Page(title: "Crampwatch — nights", section: .nights,
                    body: MonthCalendar.render(s, year: m.year, month: m.month, months: months))
    }

    static func diary(_ app: App, _ q: Request, _ c: WebContext) async throws -> Response {
        let saved = q.uri.queryParameters["saved"].map { "Saved the diary for the evening of \($0)." }
        return page(frame(app), "Crampwatch — diary", .diary,
                    try app.views.diary(csrf: c.session?.csrf ?? "", message: saved, problem: false, form: nil))
    }

    static func saveDiary(_ app: App, _ q: Request, _ c: WebContext) async throws -> Response {
        let f: Form
        switch try await form(app, q, c) {
        case .refused(let refused): return refused
        case .form(let v): f = v
        }
        do {
            let diary = try DiaryForm.checked(f, today: app.views.today, timeZone: app.views.timeZone)
            let saved = try app.views.journal.amendDiary(diary.entry, cramps: diary.cramps)
            app.cache.clear()
            return redirect("/diary?saved=" + saved.date)
        } catch let p as FormProblem {
            // The form comes back as it was typed, with what to correct above it.
            return page(frame(app), "Crampwatch — diary", .diary,
                        try app.views.diary(csrf: c.session?.csrf ?? "", message: p.message, problem: true, form: f),
                        status: .badRequest)
        }
    }

    static func report(_ app: App, _ q: Request, _ section: Section,
                       _ make: @escaping () throws -> ReportBody) async throws -> Response {
        try await shared(app, q) {
            let b = try make()
            return Page(title: b.title, section: section, body: Parts.tablesScrollAlone(b.html))
        }
    }

    /// A page before its frame.
    struct Page {
        var title: String
        var section: Section?
        var body: String
        var status: HTTPResponse.Status = .ok
    }

    /// A page the same for every browser, through the one-second cache (see ``PageCache``); only a 200 is kept.
    static func shared(_ app: App, _ q: Request, _ make: () async throws -> Page) async throws -> Response {
        let f = frame(app)
        let key = "\(f.night) \(q.uri)"
        let html: String, status: HTTPResponse.Status
        if let hit = app.cache.fresh(key) {
            (html, status) = (hit, .ok)
        } else {
            let p = try await make()
            (html, status) = (f.render(title: p.title, section: p.section, body: p.body), p.status)
            if status == .ok { app.cache.store(key, html) }
        }
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func pairPage(_ app: App, _ c: WebContext, message: String?, status: HTTPResponse.Status = .ok) async throws
        -> Response {
        var b = "<h1>Pair this phone</h1>\n" + Parts.message(message, problem: message != nil)
        b += "<p>Type the code that <code>crampwatch serve</code> printed where it runs. It works once; the next "
            + "device gets a new one.</p>\n<form method=\"post\" action=\"/pair\">\n"
            + "<label for=\"code\">Pairing code</label><input id=\"code\" name=\"code\" inputmode=\"numeric\" "
            + "autocomplete=\"one-time-code\" required />\n<p><button type=\"submit\">Pair</button></p>\n</form>\n"
        return page(frame(app), "Crampwatch — pair", nil, b, status: status)
    }

    static func pair(_ app: App, _ q: Request, _ c: WebContext) async throws -> Response {
        let buffer = try await q.body.collect(upTo: 4096)
        switch app.gate.pair(code: Form(String(buffer: buffer))["code"] ?? "") {
        case .paired(let id):
            var r = redirect("/")
            r.headers[.setCookie] = SecurityHeaders.cookie(id, secure: app.options.usesTLS, paired: true)
            return r
        case .wrongCode:
            return try await pairPage(app, c, message: "That code is not right. Check it and type it again.",
                                      status: .unauthorized)
        case .tooManyAttempts(let wait):
            var r = try await pairPage(app, c, message: "Too many wrong codes. Wait \(wait) s, then try again.",
                                       status: .tooManyRequests)
            r.headers[.retryAfter] = "\(wait)"
            return r
        }
    }
}
