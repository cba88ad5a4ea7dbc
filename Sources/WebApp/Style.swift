import Reports

/// The app's style sheet and its one small script, served as files (`/style.css`, `/live.js`) so the
/// Content-Security-Policy can forbid every inline script.
enum Assets {
    /// The reports' own rules first (a report prints the same from here), then the app's: dark at night or
    /// when the phone asks for it, large touch targets, one column on a phone.
    static let css = ReportStyle.pageRule(nil) + "\n" + ReportStyle.css + "\n" + appCSS

    static let appCSS = """
    :root { --bg: #fafafa; --fg: #1b1b1b; --muted: #555; --card: #fff; --line: #ddd; --accent: #1f5fa8; \
    --danger: #b71c1c; --ok: #1b5e20; }
    html.night { --bg: #111418; --fg: #e8e8e8; --muted: #b0b0b0; --card: #1d2228; --line: #3a414a; \
    --accent: #8ab4f8; --danger: #ff8a80; --ok: #a5d6a7; }
    @media (prefers-color-scheme: dark) { :root { --bg: #111418; --fg: #e8e8e8; --muted: #b0b0b0; \
    --card: #1d2228; --line: #3a414a; --accent: #8ab4f8; --danger: #ff8a80; --ok: #a5d6a7; } }
    html { background: var(--bg); color-scheme: light dark; }
    body { background: var(--bg); color: var(--fg); margin: 0 auto; font-size: 1.05rem; max-width: 60em; }
    a { color: var(--accent); }
    .note, .thresholds code, .sign-unknown { color: var(--muted); }
    th, td { border-bottom-color: var(--line); } h2 { border-bottom-color: var(--line); }
    .caveat { color: #1b1b1b; } pre { background: var(--card); color: var(--fg); }
    .sign-present { color: var(--danger); } .sign-absent { color: var(--ok); }
    :root { --svg-bg: #fff; --svg-text: #333; --svg-panel: #f0f0f0; --svg-band: #dde3ea; --svg-asleep: #c9dcf2; \
    --svg-data: #e8f5e9; --svg-gap: #424242; --svg-reference: #455a64; }
    html.night { --svg-bg: #1d2228; --svg-text: #e8e8e8; --svg-panel: #262c33; --svg-band: #3a414a; \
    --svg-asleep: #1e3650; --svg-data: #1d3324; --svg-gap: #b0b0b0; --svg-reference: #90a4ae; }
    @media (prefers-color-scheme: dark) { :root { --svg-bg: #1d2228; --svg-text: #e8e8e8; --svg-panel: #262c33; \
    --svg-band: #3a414a; --svg-asleep: #1e3650; --svg-data: #1d3324; --svg-gap: #b0b0b0; --svg-reference: #90a4ae; } }
    /* The reports' drawings fill their pale parts by attribute (they print the same from a file); at night the
       same parts take the dark page's colours, so a drawing is not a white box in a dark room. */
    svg { background: var(--svg-bg); border-radius: 6px; padding: 4px; box-sizing: border-box; }
    svg text { fill: var(--svg-text); } svg [fill="#f0f0f0"] { fill: var(--svg-panel); }
    svg [fill="#dde3ea"] { fill: var(--svg-band); } svg [fill="#c9dcf2"] { fill: var(--svg-asleep); }
    svg [fill="#e8f5e9"] { fill: var(--svg-data); } svg [fill="#424242"] { fill: var(--svg-gap); }
    svg [fill="#455a64"] { fill: var(--svg-reference); }
    .table-wrap { overflow-x: auto; }
    nav.top { display: flex; flex-wrap: wrap; gap: 0.4em; padding: 0.6em 0; }
    nav.top a { display: inline-flex; align-items: center; min-height: 48px; padding: 0 0.9em; border-radius: 24px; \
    background: var(--card); border: 1px solid var(--line); text-decoration: none; color: var(--fg); }
    nav.top a[aria-current="page"] { background: var(--accent); color: var(--bg); border-color: var(--accent); }
    main { padding-bottom: 3em; }
    label { display: block; margin: 0.9em 0 0.3em; font-weight: 600; }
    input, select, textarea, button { font: inherit; font-size: 1.1rem; min-height: 48px; box-sizing: border-box; }
    input, select, textarea { width: 100%; padding: 0.4em 0.6em; border-radius: 8px; border: 1px solid var(--line); \
    background: var(--card); color: var(--fg); }
    textarea { min-height: 6em; }
    fieldset { border: 1px solid var(--line); border-radius: 8px; margin: 0.9em 0; padding: 0.3em 0.8em 0.8em; }
    legend { font-weight: 600; padding: 0 0.3em; }
    .choices { display: flex; flex-wrap: wrap; gap: 0.5em; }
    .choices label { display: inline-flex; align-items: center; gap: 0.4em; min-height: 48px; margin: 0; \
    padding: 0 1em; border: 1px solid var(--line); border-radius: 24px; font-weight: normal; }
    .choices input { width: auto; min-height: 0; }
    .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(10em, 1fr)); column-gap: 1em; }
    button, .button { display: inline-flex; align-items: center; justify-content: center; min-height: 48px; \
    padding: 0.5em 1.4em; border-radius: 24px; \
    border: none; background: var(--accent); color: var(--bg); cursor: pointer; text-decoration: none; }
    .cramp-now button { display: block; width: 100%; min-height: 96px; font-size: 1.5rem; font-weight: 700; \
    background: #b71c1c; color: #fff; border-radius: 16px; margin: 0.4em 0; }
    .message { padding: 0.8em 1em; border-radius: 8px; background: var(--card); border-left: 6px solid var(--ok); }
    .message.problem { border-left-color: var(--danger); }
    .status { font-size: 1.3rem; }
    table.calendar { width: 100%; table-layout: fixed; } table.calendar td, table.calendar th { text-align: center; \
    padding: 0; } table.calendar a, table.calendar span { display: flex; align-items: center; \
    justify-content: center; min-height: 48px; text-decoration: none; }
    table.calendar .cramp { background: #b71c1c; color: #fff; border-radius: 50%; font-weight: 700; }
    table.calendar .recorded { border: 2px solid var(--accent); border-radius: 50%; }
    .month-nav { display: flex; justify-content: space-between; gap: 1em; }
    @media (max-width: 40em) { .columns { grid-template-columns: 1fr; } }
    @media print { :root, html.night { --bg: #fff; --fg: #1b1b1b; --muted: #555; --card: #fff; --line: #ddd; \
    --svg-bg: #fff; --svg-text: #333; --svg-panel: #f0f0f0; --svg-band: #dde3ea; --svg-asleep: #c9dcf2; \
    --svg-data: #e8f5e9; --svg-gap: #424242; --svg-reference: #455a64; } \
    nav.top, .noprint, .cramp-now { display: none; } svg { background: none; padding: 0; } }
    """
}
