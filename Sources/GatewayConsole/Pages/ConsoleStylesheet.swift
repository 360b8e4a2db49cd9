/// The console's one stylesheet, inline and allowed by its hash under the CSP. Tables sit in `.scroll` boxes, so a
/// wide table scrolls inside its box on a phone instead of widening the page.
enum ConsoleStylesheet {
    static let css = """
        *{box-sizing:border-box}
        body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f4f5f8}
        header{background:#1d2330;color:#fff;padding:.55rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
        header .brand{font-weight:700;margin-right:.5rem}
        header nav{display:flex;flex-wrap:wrap;gap:.2rem .9rem}
        header a{color:#d5def0;text-decoration:none}
        header a.here{color:#fff;font-weight:600;border-bottom:2px solid #7aa7ff}
        header form{margin-left:auto}
        main{padding:1rem;max-width:1240px;margin:0 auto}
        h1{font-size:1.3rem;margin:.2rem 0 .9rem}
        h2{font-size:1.05rem;margin:1.4rem 0 .5rem}
        a{color:#2a58b8}
        .scroll{overflow-x:auto;background:#fff;border:1px solid #dde1e8;border-radius:6px}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:.38rem .6rem;border-bottom:1px solid #eceef2;vertical-align:top}
        th{background:#f0f2f6;font-weight:600;white-space:nowrap}
        .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        .mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px;overflow-wrap:anywhere}
        .nowrap{white-space:nowrap}
        .error{color:#9b2c20;overflow-wrap:anywhere}
        pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid #dde1e8;padding:.6rem;border-radius:6px;max-height:26rem;overflow:auto;font-size:12.5px;margin:0}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:.8rem}
        .card{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:.7rem;min-width:0}
        .card h3{margin:0 0 .3rem;font-size:.9rem;color:#4a5260;font-weight:600}
        .big{font-size:1.45rem;font-weight:600}
        .muted{color:#6b7280;font-size:12.5px}
        svg.chart{width:100%;height:80px;display:block;background:#fafbfd}
        svg.chart rect{fill:#4c7bd9}
        svg.chart rect.bad{fill:#d9534f}
        form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin-bottom:.8rem}
        form.filters label{display:flex;flex-direction:column;font-size:12px;color:#4a5260;gap:.15rem}
        input,select{font:inherit;padding:.3rem .4rem;border:1px solid #c5cad3;border-radius:4px;max-width:100%;background:#fff}
        button{font:inherit;padding:.33rem .8rem;border:0;border-radius:4px;background:#2f5fc4;color:#fff;cursor:pointer}
        button.danger{background:#b93a2d}
        button.quiet{background:#5d6573}
        form.inline{display:inline}
        .actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.6rem 0}
        .notice{background:#e7f4e8;border:1px solid #b5dcb8;padding:.5rem .7rem;border-radius:4px}
        .alert{background:#fdecea;border:1px solid #f5c2bd;padding:.5rem .7rem;border-radius:4px}
        .tag{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:12px;background:#e8ecf6;white-space:nowrap}
        .tag.bad{background:#fdecea;color:#9b2c20}
        .tag.good{background:#e7f4e8;color:#23672b}
        .pager{margin:.6rem 0}
        dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem .9rem;background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:.6rem;margin:0}
        dl.facts dt{color:#4a5260}
        dl.facts dd{margin:0;overflow-wrap:anywhere}
        .login{max-width:360px;margin:12vh auto;background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:1.2rem}
        .login input{width:100%;margin:.4rem 0 .8rem}
        @media (max-width:640px){main{padding:.6rem}header form{margin-left:0}dl.facts{grid-template-columns:1fr}.scroll table{min-width:760px}}
        """
}
