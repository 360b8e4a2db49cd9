import Foundation
import Hummingbird

/// What every console page and action shares: rendering for the login at hand with its pending flash, and the
/// redirect after an action that leaves the action's outcome for the next page.
struct PageKit: Sendable {
    let renderer: ConsoleRenderer
    let logins: ConsoleLogins

    func page(
        _ context: ConsoleRequestContext, _ section: ConsoleRenderer.Section?, _ template: String, title: String,
        _ values: [String: Any], refreshSeconds: Int? = nil
    ) throws -> Response {
        let login = try Self.login(context)
        return renderer.page(
            template, title: title, section: section, login: login, values: values,
            flash: logins.takeFlash(id: login.id), refreshSeconds: refreshSeconds)
    }

    /// 303 to `location`, the action's outcome kept for the page it shows.
    func after(_ context: ConsoleRequestContext, _ flash: Flash, to location: String) throws -> Response {
        logins.keep(flash, for: try Self.login(context).id)
        return ConsoleRenderer.redirect(to: location)
    }

    static func login(_ context: ConsoleRequestContext) throws -> ConsoleLogin {
        guard let login = context.login else { throw ConsoleError.unauthorized }
        return login
    }

    /// One page of a keyset listing fetched with one row more than `size`: the rows to show, and the cursor of the
    /// next page for the template (`false` on the last page, so `{{#next}}` shows no link).
    static func paginate<Row>(_ fetched: [Row], size: Int, cursor: (Row) -> String) -> (rows: ArraySlice<Row>, next: Any) {
        let rows = fetched.prefix(size)
        guard fetched.count > size, let last = rows.last else { return (rows, false) }
        return (rows, cursor(last))
    }

    /// The query string's fields.
    static func query(_ request: Request) -> FormFields {
        FormFields(encoded: request.uri.query ?? "")
    }
}
