import GatewayServer

/// The console's mustache templates. Every value goes through `{{name}}`, which HTML-escapes it; triple mustaches
/// are never used, so no merchant name, item, error text or MG answer reaches a page raw. Charts are SVG drawn by
/// the template from numbers.
enum ConsoleTemplates {
    static let layout = """
        \(PageTemplates.documentStart)
        <title>{{title}} · ocgate console</title>
        <style>\(ConsoleStylesheet.css)</style>
        </head>
        <body>
        {{#csrf}}
        <header>
        <span class="brand">ocgate · {{gatewayName}}</span>
        <nav>{{#nav}}<a href="{{href}}"{{#here}} class="here" aria-current="page"{{/here}}>{{label}}</a>
        {{/nav}}</nav>
        <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button class="quiet">Log out</button></form>
        </header>
        {{/csrf}}
        <main>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{#alert}}<p class="alert" role="alert">{{alert}}</p>{{/alert}}
        {{$content}}{{/content}}
        </main>
        </body>
        </html>
        """

    static let login = """
        {{<layout}}{{$content}}
        <form method="post" action="/login" class="login">
        <h1>ocgate console</h1>
        <p class="muted">{{gatewayName}}</p>
        <input type="hidden" name="csrf" value="{{loginCSRF}}">
        <label for="token">Operator token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
        <button>Log in</button>
        </form>
        {{/content}}{{/layout}}
        """

    static let message = """
        {{<layout}}{{$content}}
        <h1>{{heading}}</h1>
        <p>{{text}}</p>
        <p><a href="{{back}}">Back</a></p>
        {{/content}}{{/layout}}
        """

    static let overview = """
        {{<layout}}{{$content}}
        <h1>Overview</h1>
        <div class="cards">
        {{#charts}}
        <div class="card"><h3>{{label}} per minute</h3>
        <div class="big">{{lastMinute}}</div><div class="muted">last minute · {{total}} in the last hour · peak {{peak}}</div>
        <svg class="chart" viewBox="0 0 600 80" preserveAspectRatio="none" role="img" aria-label="{{label}} per minute over the last hour">
        {{#bars}}<rect x="{{x}}" y="{{y}}" width="9" height="{{height}}"{{#bad}} class="bad"{{/bad}}><title>{{time}}: {{value}}</title></rect>{{/bars}}
        </svg></div>
        {{/charts}}
        </div>
        <h2>Queue</h2>
        <div class="cards">
        <div class="card"><h3>Oldest due job waiting</h3><div class="big">{{oldestDue}}</div></div>
        <div class="card"><h3>Dead jobs</h3><div class="big"><a href="/jobs?state=dead">{{deadCount}}</a></div></div>
        <div class="card"><h3>Attempts in the last hour</h3><div class="big">{{attemptsLastHour}}</div></div>
        <div class="card"><h3>Checkouts</h3>
        {{#draining}}<p><span class="tag bad">draining</span> new checkouts are refused; {{pendingWork}} jobs of work left.</p>
        <form method="post" action="/resume"><input type="hidden" name="csrf" value="{{csrf}}"><button>Resume</button></form>{{/draining}}
        {{^draining}}<p><span class="tag good">accepting</span></p>
        <form method="post" action="/drain"><input type="hidden" name="csrf" value="{{csrf}}"><button class="danger">Drain</button></form>{{/draining}}
        </div>
        </div>
        {{#hasUnhandled}}<p class="alert">No handler runs these kinds, so their jobs never run: {{#unhandledKinds}}{{.}} {{/unhandledKinds}}</p>{{/hasUnhandled}}
        <h2>Queue depth by kind</h2>
        <div class="scroll"><table>
        <thead><tr><th>Kind</th>{{#states}}<th class="num">{{.}}</th>{{/states}}</tr></thead>
        <tbody>{{#depth}}<tr><td class="mono nowrap">{{kind}}</td>{{#cells}}<td class="num">{{#hasCount}}<a href="/jobs?kind={{kind}}&amp;state={{state}}">{{count}}</a>{{/hasCount}}{{^hasCount}}0{{/hasCount}}</td>{{/cells}}</tr>
        {{/depth}}{{^depth}}<tr><td colspan="6">No jobs.</td></tr>{{/depth}}</tbody>
        </table></div>
        <h2>Deliveries paused by a breaker</h2>
        <div class="scroll"><table>
        <thead><tr><th>MG</th><th class="num">Failures in a row</th><th>Paused until</th></tr></thead>
        <tbody>{{#breakers}}<tr><td><a href="/jobs?mg={{mg}}&amp;kind=callback.deliver">{{mg}}</a></td><td class="num">{{failures}}</td><td class="nowrap">{{until}}</td></tr>
        {{/breakers}}{{^breakers}}<tr><td colspan="3">None: every MG takes deliveries.</td></tr>{{/breakers}}</tbody>
        </table></div>
        {{/content}}{{/layout}}
        """

    /// The filter form of the jobs page; its fields also ride along, hidden, on the bulk confirmation.
    static let jobs = """
        {{<layout}}{{$content}}
        <h1>Jobs</h1>
        <form method="get" action="/jobs" class="filters">
        <label>Kind<select name="kind"><option value="">any</option>{{#kinds}}<option{{#selected}} selected{{/selected}}>{{name}}</option>{{/kinds}}</select></label>
        <label>State<select name="state"><option value="">any</option>{{#stateChoices}}<option{{#selected}} selected{{/selected}}>{{name}}</option>{{/stateChoices}}</select></label>
        <label>MG<input name="mg" value="{{filter.mg}}" inputmode="numeric" size="8"></label>
        <label>Changed since (UTC)<input name="since" type="datetime-local" value="{{filter.since}}"></label>
        <label>until<input name="until" type="datetime-local" value="{{filter.until}}"></label>
        <label>Last error contains<input name="error" value="{{filter.error}}"></label>
        <button>Filter</button>
        </form>
        <div class="actions">
        <a href="/jobs/bulk?action=retry&amp;{{filter.query}}">Retry all matching…</a>
        <a href="/jobs/bulk?action=cancel&amp;{{filter.query}}">Cancel all matching…</a>
        </div>
        <div class="scroll"><table>
        <thead><tr><th class="num">Id</th><th>Kind</th><th>State</th><th class="num">Attempt</th><th>MG</th><th>Changed</th><th>Last error</th></tr></thead>
        <tbody>{{#rows}}<tr><td class="num"><a href="/jobs/{{id}}">{{id}}</a></td><td class="mono nowrap">{{kind}}</td><td><span class="tag{{#bad}} bad{{/bad}}">{{state}}</span></td><td class="num">{{attempt}}</td><td>{{mg}}</td><td class="nowrap">{{changed}}</td><td class="error">{{error}}</td></tr>
        {{/rows}}{{^rows}}<tr><td colspan="7">No job matches.</td></tr>{{/rows}}</tbody>
        </table></div>
        {{#next}}<p class="pager"><a href="/jobs?{{filter.query}}&amp;before={{next}}">Older jobs →</a></p>{{/next}}
        {{/content}}{{/layout}}
        """

    static let bulk = """
        {{<layout}}{{$content}}
        <h1>{{verb}} every matching job?</h1>
        <p>{{count}} jobs match {{description}} and would be {{done}}. Jobs in other states are left alone.</p>
        <form method="post" action="/jobs/bulk">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="action" value="{{action}}">
        {{#fields}}<input type="hidden" name="{{name}}" value="{{value}}">
        {{/fields}}
        <div class="actions"><button class="danger">{{verb}} {{count}} jobs</button> <a href="/jobs?{{query}}">Back</a></div>
        </form>
        {{/content}}{{/layout}}
        """

    static let job = """
        {{<layout}}{{$content}}
        <h1>Job {{id}} <span class="tag{{#bad}} bad{{/bad}}">{{state}}</span></h1>
        <dl class="facts">
        <dt>Kind</dt><dd class="mono">{{kind}}</dd>
        <dt>Unique key</dt><dd class="mono">{{uniqueKey}}</dd>
        <dt>MG</dt><dd>{{mg}}</dd>
        <dt>Attempt</dt><dd>{{attempt}}{{#maxAttempts}} of {{maxAttempts}}{{/maxAttempts}}</dd>
        <dt>Runs at</dt><dd>{{runAt}}</dd>
        <dt>Created</dt><dd>{{created}}</dd>
        <dt>Changed</dt><dd>{{changed}}</dd>
        <dt>Worker</dt><dd class="mono">{{worker}}</dd>
        <dt>Last error</dt><dd class="error">{{error}}</dd>
        </dl>
        <div class="actions">
        {{#canRetry}}<form method="post" action="/jobs/{{id}}/retry" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>Retry</button></form>{{/canRetry}}
        {{#canCancel}}<form method="post" action="/jobs/{{id}}/cancel" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button class="danger">Cancel</button></form>{{/canCancel}}
        {{#session}}<a href="/sessions/{{session}}">Session {{session}}</a>{{/session}}
        </div>
        <h2>Payload</h2>
        <pre>{{payload}}</pre>
        <h2>Attempts</h2>
        <div class="scroll"><table>
        <thead><tr><th class="num">#</th><th>Started</th><th class="num">Duration</th><th>Outcome</th><th class="num">HTTP</th><th>Error or note</th><th>Next run</th></tr></thead>
        <tbody>{{#attempts}}<tr><td class="num">{{attempt}}</td><td class="nowrap">{{started}}</td><td class="num">{{duration}}</td><td><span class="tag{{#bad}} bad{{/bad}}">{{outcome}}</span></td><td class="num">{{http}}</td><td class="error">{{error}}{{note}}</td><td class="nowrap">{{next}}</td></tr>
        {{#response}}<tr><td></td><td colspan="6"><span class="muted">Response body as stored</span><pre>{{response}}</pre></td></tr>{{/response}}
        {{/attempts}}{{^attempts}}<tr><td colspan="7">Not run yet.</td></tr>{{/attempts}}</tbody>
        </table></div>
        {{/content}}{{/layout}}
        """

    static let sessions = """
        {{<layout}}{{$content}}
        <h1>Sessions</h1>
        <form method="get" action="/sessions" class="filters">
        <label>Session, order id or txid<input name="q" value="{{filter.q}}" size="28"></label>
        <label>MG<input name="mg" value="{{filter.mg}}" inputmode="numeric" size="8"></label>
        <label>Merchant<input name="merchant" value="{{filter.merchant}}" inputmode="numeric" size="8"></label>
        <label>Status<select name="status"><option value="">any</option>{{#statuses}}<option{{#selected}} selected{{/selected}}>{{name}}</option>{{/statuses}}</select></label>
        <label>Created since (UTC)<input name="since" type="datetime-local" value="{{filter.since}}"></label>
        <label>until<input name="until" type="datetime-local" value="{{filter.until}}"></label>
        <button>Search</button>
        </form>
        <div class="scroll"><table>
        <thead><tr><th>Created</th><th>Session</th><th>Order</th><th>MG</th><th>Merchant</th><th class="num">Amount</th><th>Status</th></tr></thead>
        <tbody>{{#rows}}<tr><td class="nowrap">{{created}}</td><td class="mono"><a href="/sessions/{{id}}">{{id}}</a></td><td class="mono">{{order}}</td><td>{{mg}}</td><td>{{merchant}}</td><td class="num">{{amount}} {{currency}}</td><td><span class="tag{{#bad}} bad{{/bad}}">{{status}}</span></td></tr>
        {{/rows}}{{^rows}}<tr><td colspan="7">No session matches.</td></tr>{{/rows}}</tbody>
        </table></div>
        {{#next}}<p class="pager"><a href="/sessions?{{filter.query}}&amp;after={{next}}">Older sessions →</a></p>{{/next}}
        {{/content}}{{/layout}}
        """

    static let session = """
        {{<layout}}{{$content}}
        <h1>Session <span class="mono">{{id}}</span> <span class="tag{{#bad}} bad{{/bad}}">{{status}}</span></h1>
        <dl class="facts">
        <dt>Merchant</dt><dd>{{merchant}} ({{merchantOCID}})</dd>
        <dt>MG</dt><dd><a href="/jobs?mg={{mg}}">{{mg}}</a></dd>
        <dt>Order</dt><dd class="mono">{{order}}</dd>
        <dt>Amount</dt><dd>{{amount}} {{currency}}</dd>
        <dt>Expires</dt><dd>{{expires}}</dd>
        {{#late}}<dt>Late</dt><dd><span class="tag bad">paid after it expired</span></dd>{{/late}}
        </dl>
        <h2>Timeline</h2>
        <div class="scroll"><table>
        <thead><tr><th>When</th><th>What</th><th>Detail</th></tr></thead>
        <tbody>{{#timeline}}<tr><td class="nowrap">{{time}}</td><td>{{what}}</td><td class="mono">{{#link}}<a href="{{link}}">{{detail}}</a>{{/link}}{{^link}}{{detail}}{{/link}}</td></tr>
        {{/timeline}}</tbody>
        </table></div>
        {{#txid}}
        <div class="actions"><form method="post" action="/sessions/{{id}}/redeliver" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>Redeliver the proof</button></form>
        <span class="muted">Delivery: {{deliveryState}}</span></div>
        {{/txid}}
        <h2>Order as signed</h2>
        <pre>{{orderJSON}}</pre>
        <p class="muted mono">signature {{orderSignature}}</p>
        <h2>Charges</h2>
        <div class="scroll"><table>
        <thead><tr><th>Reference</th><th>Backend</th><th>State</th><th>Created</th><th>Processor id</th></tr></thead>
        <tbody>{{#charges}}<tr><td class="mono">{{reference}}</td><td>{{backend}}</td><td>{{state}}</td><td class="nowrap">{{created}}</td><td class="mono">{{processorID}}</td></tr>
        {{/charges}}{{^charges}}<tr><td colspan="5">No charge yet.</td></tr>{{/charges}}</tbody>
        </table></div>
        {{#txid}}
        <h2>Transfer proof <span class="mono">{{txid}}</span></h2>
        <pre>{{proofJSON}}</pre>
        <p class="muted mono">signature {{proofSignature}}</p>
        {{/txid}}
        {{/content}}{{/layout}}
        """

    static let gateways = """
        {{<layout}}{{$content}}
        <h1>Merchant Gateways</h1>
        <div class="scroll"><table>
        <thead><tr><th>MG</th><th>Partner</th><th>Metadata cached</th><th class="num">Deliveries (1 h)</th><th class="num">Success</th><th class="num">Mean / max ms</th><th>Breaker</th><th>Unsettled</th><th></th></tr></thead>
        <tbody>{{#rows}}<tr><td><a href="/jobs?mg={{ocid}}">{{ocid}}</a> <span class="muted">{{name}}</span></td><td>{{#status}}<span class="tag{{#disabled}} bad{{/disabled}}">{{status}}</span>{{/status}}{{^status}}<span class="muted">not a partner</span>{{/status}}</td>
        <td class="nowrap">{{metadataAge}}</td><td class="num">{{attempts}}</td><td class="num">{{successRate}}</td><td class="num">{{latency}}</td>
        <td>{{#paused}}<span class="tag bad">paused until {{paused}}</span>{{/paused}}{{^paused}}{{#failing}}{{failures}} failures in a row{{/failing}}{{^failing}}<span class="tag good">closed</span>{{/failing}}{{/paused}}</td>
        <td class="num">{{#unsettled}}{{amount}} {{currency}} ({{entries}})<br>{{/unsettled}}</td>
        <td>{{#status}}<form method="post" action="/mgs/{{ocid}}/{{toggle}}" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button class="{{#disabled}}quiet{{/disabled}}{{^disabled}}danger{{/disabled}}">{{toggleLabel}}</button></form>{{/status}}</td></tr>
        {{/rows}}{{^rows}}<tr><td colspan="9">No Merchant Gateway yet.</td></tr>{{/rows}}</tbody>
        </table></div>
        <p class="muted">Unsettled amounts here are sums for a glance; exact figures are in the settlement report.</p>
        {{/content}}{{/layout}}
        """

    static let settlement = """
        {{<layout}}{{$content}}
        <h1>Settlement</h1>
        <h2>Report</h2>
        {{#hasInvalid}}<p class="alert">{{#invalid}}{{.}} {{/invalid}}</p>{{/hasInvalid}}
        <div class="scroll"><table>
        <thead><tr><th>MG</th><th>Currency</th><th class="num">Issued</th><th class="num">Delivered</th><th class="num">Accepted</th><th class="num">Settled</th><th class="num">Unsettled</th></tr></thead>
        <tbody>{{#lines}}<tr><td>{{mg}}</td><td>{{currency}}</td><td class="num">{{issued}}</td><td class="num">{{delivered}}</td><td class="num">{{accepted}}</td><td class="num">{{settled}}</td><td class="num">{{unsettled}}</td></tr>
        {{/lines}}{{^lines}}<tr><td colspan="7">No proofs issued yet.</td></tr>{{/lines}}</tbody>
        </table></div>
        <h2>Stuck deliveries</h2>
        <div class="scroll"><table>
        <thead><tr><th>Condition</th><th>Txid</th><th>Session</th><th>MG</th><th class="num">Amount</th><th class="num">Attempts</th><th>Next</th><th>Last error</th></tr></thead>
        <tbody>{{#stuck}}<tr><td>{{condition}}</td><td class="mono">{{txid}}</td><td class="mono"><a href="/sessions/{{session}}">{{session}}</a></td><td>{{mg}}</td><td class="num">{{amount}} {{currency}}</td><td class="num">{{attempts}}</td><td class="nowrap">{{next}}</td><td class="error">{{error}}</td></tr>
        {{/stuck}}{{^stuck}}<tr><td colspan="8">None.</td></tr>{{/stuck}}</tbody>
        </table></div>
        <h2>Statements</h2>
        <div class="scroll"><table>
        <thead><tr><th>Statement</th><th>MG</th><th>Period</th><th class="num">Entries</th><th class="num">Total</th><th>Notified</th><th>Files</th></tr></thead>
        <tbody>{{#statements}}<tr><td class="mono">{{id}}</td><td>{{mg}}</td><td class="nowrap">{{period}}</td><td class="num">{{entries}}</td><td class="num">{{total}} {{currency}}</td><td>{{notify}}</td><td class="nowrap"><a href="/settlement/statements/{{id}}.json">JSON</a> · <a href="/settlement/statements/{{id}}.csv">CSV</a></td></tr>
        {{/statements}}{{^statements}}<tr><td colspan="7">No statement yet: cron runs <span class="mono">ocgate settle</span>.</td></tr>{{/statements}}</tbody>
        </table></div>
        {{/content}}{{/layout}}
        """

    static let audit = """
        {{<layout}}{{$content}}
        <h1>Audit log</h1>
        <div class="scroll"><table>
        <thead><tr><th>When</th><th>Action</th><th>Target</th><th>Outcome</th><th>Client</th></tr></thead>
        <tbody>{{#rows}}<tr><td class="nowrap">{{time}}</td><td class="mono">{{action}}</td><td class="mono">{{target}}</td><td>{{outcome}}</td><td class="mono">{{client}}</td></tr>
        {{/rows}}{{^rows}}<tr><td colspan="5">No action yet.</td></tr>{{/rows}}</tbody>
        </table></div>
        {{#next}}<p class="pager"><a href="/audit?before={{next}}">Older actions →</a></p>{{/next}}
        {{/content}}{{/layout}}
        """
}
