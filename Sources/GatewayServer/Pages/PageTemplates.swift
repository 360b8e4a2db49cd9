/// The hosted page's mustache templates. Every value goes through `{{name}}`, which HTML-escapes it
/// (`< > & " '`); triple mustaches are never used, so no order or metadata text reaches the page raw. The
/// stylesheet is a constant written into the layout itself: escaping would break CSS inside `<style>`.
package enum PageTemplates {
    /// Every page's start, the hosted page's and the console's: no referrer leaves it, and `refreshSeconds` (when
    /// set) reloads it without a script.
    package static let documentStart = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        {{#refreshSeconds}}<meta http-equiv="refresh" content="{{refreshSeconds}}">{{/refreshSeconds}}
        """

    /// The frame every page shares: the hashed inline stylesheet and the card the content sits in.
    static let layout = """
        \(documentStart)
        {{#redirectURL}}<meta http-equiv="refresh" content="0;url={{redirectURL}}">{{/redirectURL}}
        <title>{{$title}}Checkout{{/title}}</title>
        <style>\(stylesheet)</style>
        </head>
        <body>
        <main class="card">
        {{$content}}{{/content}}
        </main>
        <footer>Secure checkout by {{gatewayName}}</footer>
        </body>
        </html>
        """

    /// A pending session: the order and the payment form.
    static let checkout = """
        {{<layout}}
        {{$title}}Pay {{merchantName}}{{/title}}
        {{$content}}
        <p class="eyebrow">Pay</p>
        <h1 id="merchant">{{merchantName}}</h1>
        <p class="muted">Order {{orderID}}</p>
        {{#notice}}<p class="notice" role="alert">{{notice}}</p>{{/notice}}
        {{#hasLines}}
        <table class="items">
        <thead><tr><th>Item</th><th class="num">Qty</th><th class="num">Price</th><th class="num">Total</th></tr></thead>
        <tbody>
        {{#lines}}<tr><td>{{name}}</td><td class="num">{{quantity}}</td><td class="num">{{price}}</td><td class="num">{{total}}</td></tr>
        {{/lines}}
        </tbody>
        </table>
        {{/hasLines}}
        <p class="total">Total <strong id="amount">{{amount}} {{currency}}</strong></p>
        <p class="muted" id="time-left">This checkout expires in {{timeLeft}} (at {{expiresAtText}}).</p>
        <form method="post" action="{{payPath}}/{{sessionID}}">
        <input type="hidden" name="csrf" value="{{formToken}}">
        {{#choices}}<button type="submit" name="choice" value="{{id}}">{{label}}</button>
        {{/choices}}
        </form>
        <form method="post" action="{{payPath}}/{{sessionID}}/cancel">
        <input type="hidden" name="csrf" value="{{formToken}}">
        <button type="submit" class="secondary">Cancel and return to {{merchantName}}</button>
        </form>
        {{/content}}
        {{/layout}}
        """

    /// Every page without a form: processing, completed, cancelled, expired, failed, and the error pages.
    static let message = """
        {{<layout}}
        {{$title}}{{heading}}{{/title}}
        {{$content}}
        <p class="eyebrow">{{eyebrow}}</p>
        <h1>{{heading}}</h1>
        <p>{{message}}</p>
        {{#merchantName}}<p class="muted">{{merchantName}}{{#amount}} · {{amount}} {{currency}}{{/amount}}</p>{{/merchantName}}
        {{#link}}<p><a class="button" href="{{url}}">{{text}}</a></p>{{/link}}
        {{/content}}
        {{/layout}}
        """

    /// Inline, so the page loads nothing from anywhere; allowed by its hash in the Content-Security-Policy.
    static let stylesheet = """
        *{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;\
        justify-content:center;padding:16px;background:#f4f5f7;color:#1d2330;\
        font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}\
        .card{width:100%;max-width:520px;background:#fff;border-radius:12px;padding:28px;\
        box-shadow:0 1px 3px rgba(0,0,0,.08),0 8px 24px rgba(0,0,0,.06)}\
        h1{margin:0 0 4px;font-size:1.5rem;overflow-wrap:anywhere}.eyebrow{margin:0;text-transform:uppercase;\
        letter-spacing:.08em;font-size:.75rem;color:#5b6475}.muted{color:#5b6475;font-size:.9rem;overflow-wrap:anywhere}\
        .notice{background:#fdecea;color:#8a1c12;border-radius:8px;padding:10px 12px}\
        .items{width:100%;border-collapse:collapse;margin:16px 0;font-size:.95rem}\
        .items th,.items td{padding:6px 4px;border-bottom:1px solid #e6e8ec;text-align:left;overflow-wrap:anywhere}\
        .items .num{text-align:right;white-space:nowrap}.total{font-size:1.25rem;margin:16px 0 4px}\
        form{margin:12px 0 0}button,.button{display:block;width:100%;margin:8px 0 0;padding:12px 16px;border:0;\
        border-radius:8px;background:#2456d6;color:#fff;font:inherit;text-align:center;text-decoration:none;cursor:pointer}\
        button.secondary{background:#e9ecf2;color:#1d2330}footer{margin-top:16px;font-size:.8rem;color:#5b6475}
        """
}
