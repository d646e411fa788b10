import ChamberDomain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/v1/email/unsubscribe`: the one-click unsubscribe link of notification e-mails (RFC 8058), without sign-in.
struct EmailRoutes {
    let services: ChamberServices

    func register(on router: Router<AppRequestContext>) {
        let unsubscribe = services.emailUnsubscribe
        // A person who opens the link in a browser (mail programs without one-click do that) gets a button that posts
        // it; a GET changes nothing, since link scanners follow links (RFC 8058 §3.2).
        router.get("v1/email/unsubscribe") { request, _ in
            guard let token = request.uri.queryParameters.get("token"), !token.isEmpty else {
                throw ChamberError(.validationFailed, "token is required", field: "token")
            }
            let escaped = HTMLText.escape(token)
            let page = """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                <title>Unsubscribe</title></head>
                <body><h1>Stop notification e-mails?</h1>
                <p>You will get no more e-mail about unread notifications from this chamber. You can turn it on again in your
                notification preferences.</p>
                <form method="post" action="/v1/email/unsubscribe?token=\(escaped)">
                <input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button>
                </form></body></html>
                """
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
        }
        router.post("v1/email/unsubscribe") { request, _ in
            // Mail programs post `List-Unsubscribe=One-Click` as a form; the token in the URL is what counts.
            guard let token = request.uri.queryParameters.get("token"), !token.isEmpty else {
                throw ChamberError(.validationFailed, "token is required", field: "token")
            }
            let chamber = try await unsubscribe.unsubscribe(token: token)
            return JSONResponse(.ok, UnsubscribedBody(unsubscribed: true, chamberId: chamber.rawValue))
        }
    }
}

struct UnsubscribedBody: Encodable {
    let unsubscribed: Bool
    let chamberId: String
}
