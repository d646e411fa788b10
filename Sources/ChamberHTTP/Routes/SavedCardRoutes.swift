import ChamberDomain
import Foundation
import Hummingbird

/// A member's saved card and autopay (`/v1/chambers/{chamberId}/billing/card…`): the caller's own, always.
struct SavedCardRoutes {
    let services: ChamberServices

    func register(on router: Router<AppRequestContext>) {
        let billing = services.billing
        let chamber = router.group("v1/chambers/{chamberId}/billing").add(middleware: ChamberAccessMiddleware(services: services))

        chamber.post("card/setup") { _, context in
            JSONResponse(.created, CardSetupBody(try await billing.setUpCard(try context.access())))
        }
        chamber.put("card") { request, context in
            let access = try context.access()
            let body = try StrictObject(try await APIJSON.decode(JSONValue.self, from: request, context: context), at: "")
            try body.allow(["setup_intent_id"])
            return JSONResponse(.ok, SavedCardBody(try await billing.saveCard(access, setupID: try body.string("setup_intent_id"))))
        }
        chamber.get("card") { _, context in
            JSONResponse(.ok, SavedCardBody(try await billing.savedCard(try context.access())))
        }
        chamber.patch("card") { request, context in
            let access = try context.access()
            _ = try await billing.savedCard(access)
            let body = try StrictObject(try await APIJSON.decode(JSONValue.self, from: request, context: context), at: "")
            try body.allow(["autopay"])
            guard let autopay = try body.optionalBool("autopay") else {
                throw ChamberError(.validationFailed, "autopay is required", field: "autopay")
            }
            return JSONResponse(.ok, SavedCardBody(try await billing.setAutopay(access, autopay)))
        }
        chamber.delete("card") { _, context in
            try await billing.forgetCard(try context.access())
            return Response(status: .noContent)
        }
    }
}

/// A card setup for the app to complete with the processor's SDK.
struct CardSetupBody: Encodable {
    let setupIntentId: String
    let clientSecret: String
    let customerId: String

    init(_ setup: CardSetup) {
        setupIntentId = setup.id
        clientSecret = setup.clientSecret
        customerId = setup.customerID
    }
}

/// The caller's saved card: what to recognise it by, and autopay.
struct SavedCardBody: Encodable {
    let brand: String?
    let last4: String?
    let expMonth: Int?
    let expYear: Int?
    let autopay: Bool
    let updatedAt: Date

    init(_ card: SavedCard) {
        brand = card.details?.brand
        last4 = card.details?.last4
        expMonth = card.details?.expMonth
        expYear = card.details?.expYear
        autopay = card.autopay
        updatedAt = card.updatedAt
    }
}
