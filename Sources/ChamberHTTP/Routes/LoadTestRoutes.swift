import ChamberDomain
import Foundation
import Hummingbird

/// `/v1/admin/load-test/provision`: bulk accounts and tokens for `chamber-load`. Platform admins only, and only
/// where `loadtest.enabled` is on (`403 load_test_disabled` otherwise).
struct LoadTestRoutes {
    let services: ChamberServices

    struct ProvisionRequest: Decodable {
        let members: Int
        let admins: Int?
        let tokenTtlSeconds: Int?
    }

    struct CohortBody: Encodable {
        struct Account: Encodable {
            let userId: String
            let role: String
            let accessToken: String
        }
        let chamberId: String
        let eventId: String
        let roomId: String
        let announcementsId: String
        let tokensExpireAt: Date
        let accounts: [Account]
    }

    func register(on router: Router<AppRequestContext>) {
        let loadTests = services.loadTests
        router.post("v1/admin/load-test/provision") { request, context in
            let identity = try context.identity()
            let body = try await APIJSON.decode(ProvisionRequest.self, from: request, context: context)
            let cohort = try await loadTests.provision(
                by: identity, members: body.members, admins: body.admins ?? 1,
                tokenLifetime: TimeInterval(body.tokenTtlSeconds ?? 3600))
            return JSONResponse(
                .ok,
                CohortBody(
                    chamberId: cohort.chamberID.rawValue, eventId: cohort.eventID.rawValue, roomId: cohort.roomID.rawValue,
                    announcementsId: cohort.announcementsID.rawValue,
                    tokensExpireAt: cohort.tokensExpireAt,
                    accounts: cohort.accounts.map { .init(userId: $0.userID.rawValue, role: $0.role.rawValue, accessToken: $0.accessToken) }))
        }
    }
}
