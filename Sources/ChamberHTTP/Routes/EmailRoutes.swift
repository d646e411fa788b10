import ChamberDomain
import Foundation
import Hummingbird

/// `/v1/email/unsubscribe`: the one-click unsubscribe link of notification e-mails (RFC 8058), without sign-in.
struct EmailRoutes {
    let services: ChamberServices

    func register(on router: Router<AppRequestContext>) {
        let unsubscribe = services.emailUnsubscribe
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
