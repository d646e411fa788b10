import ChamberDomain
import ChamberRealtime
import Foundation
import HTTPTypes
import Hummingbird

/// `/v1/chambers/{chamberId}/moderation/*`, message reports and the audit log with its CSV export: the same
/// ``ModerationService`` as the socket's `moderate`, `report`, `review_queue` and `review` frames.
struct ModerationRoutes {
    let services: ChamberServices
    let moderation: ModerationService

    func register(on router: Router<AppRequestContext>) {
        let moderation = self.moderation
        let chambers = services.chambers
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))

        chamber.post("moderation/actions") { request, context in
            let body = try await APIJSON.decode(ModerationActionRequest.self, from: request, context: context)
            let action = try ModerationAction.parse(
                action: body.action, userID: body.userId, channelID: body.channelId, messageID: body.messageId,
                durationSeconds: body.durationSeconds, seconds: body.seconds)
            return JSONResponse(.ok, WireModerationOutcome(try await moderation.perform(try context.access(), action, reason: body.reason)))
        }
        chamber.get("moderation/settings") { _, context in
            JSONResponse(.ok, ModerationRulesBody(try await moderation.rules(try context.access())))
        }
        chamber.put("moderation/settings") { request, context in
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            guard case .object = json else { throw ChamberError(.validationFailed, "send the settings as a JSON object") }
            if let key = ModerationSettings.unknownKey(in: json) {
                throw ChamberError(.validationFailed, "unknown setting '\(key)'", field: key)
            }
            let settings: ModerationSettings
            do {
                settings = try APIJSON.decoder.decode(ModerationSettings.self, from: try JSONEncoder().encode(json))
            } catch {
                throw APIJSON.problem(error)
            }
            return JSONResponse(.ok, ModerationRulesBody(try await moderation.setRules(try context.access(), settings)))
        }
        chamber.get("moderation/sanctions") { request, context in
            JSONResponse(.ok, PageBody(try await moderation.sanctions(try context.access(), page: try request.page()), WireSanction.init))
        }
        chamber.get("moderation/queue") { request, context in
            let state = try ReviewItem.State.parse(request.uri.queryParameters.get("state"))
            return JSONResponse(
                .ok, PageBody(try await moderation.queue(try context.access(), state: state, page: try request.page()), WireReviewItem.init))
        }
        chamber.post("moderation/queue/{itemId}/decision") { request, context in
            let itemID: ReviewItemID = try request.id("itemId", context: context)
            let body = try await APIJSON.decode(ReviewDecisionRequest.self, from: request, context: context)
            let item = try await moderation.decide(
                try context.access(), itemID: itemID, approve: try ReviewItem.approves(body.decision), note: body.reason)
            return JSONResponse(.ok, WireReviewItem(item))
        }
        chamber.post("messages/{messageId}/reports") { request, context in
            let messageID: MessageID = try request.id("messageId", context: context)
            let body = try await APIJSON.decode(ReportRequest.self, from: request, context: context)
            _ = try await moderation.report(try context.access(), messageID: messageID, reason: body.reason)
            return Response(status: .noContent)
        }

        chamber.get("audit-log") { request, context in
            let page = try await chambers.auditLog(try context.access(), query: try request.auditQuery(), page: try request.page())
            return JSONResponse(.ok, PageBody(page, AuditEntryBody.init))
        }
        chamber.get("audit-log/export") { request, context in
            let entries = try await chambers.exportAuditLog(try context.access(), query: try request.auditQuery())
            return Attachment.response(
                ByteBuffer(string: AuditCSV.render(entries)), type: "text/csv; charset=utf-8", filename: "audit-log.csv", cacheControl: "no-store")
        }
    }
}

extension Request {
    /// The audit log's filters: `action` (exact, or a family ending in `.`), `actor_id`, `target`, `since`, `until` (ISO 8601).
    func auditQuery() throws(ChamberError) -> AuditQuery {
        let query = uri.queryParameters
        func date(_ name: String) throws(ChamberError) -> Date? {
            guard let raw = query.get(name) else { return nil }
            guard let date = try? Date(raw, strategy: .iso8601) else {
                throw ChamberError(.validationFailed, "\(name) must be an ISO 8601 time like 2026-11-23T09:00:00Z", field: name)
            }
            return date
        }
        let action = query.get("action")
        if let action, action.isEmpty || action.count > 100 {
            throw ChamberError(.validationFailed, "action must be 1 to 100 characters", field: "action")
        }
        let target = query.get("target")
        if let target, target.isEmpty || target.count > 200 {
            throw ChamberError(.validationFailed, "target must be 1 to 200 characters", field: "target")
        }
        return AuditQuery(
            action: action,
            actorID: try query.get("actor_id").map { raw throws(ChamberError) in try Validate.identifier(raw, as: UserID.self, field: "actor_id") },
            target: target, since: try date("since"), until: try date("until"))
    }
}

/// The audit log as CSV (RFC 4180): a header row, then one row per entry, newest first.
enum AuditCSV {
    static let header = ["id", "at", "actor_id", "action", "target", "detail", "reason"]

    static func render(_ entries: [AuditEntry]) -> String {
        let formatter = ISO8601DateFormatter()
        return CSV.line(header)
            + entries.map { entry in
                CSV.line([
                    entry.id, formatter.string(from: entry.at), entry.actorID?.rawValue ?? "", entry.action, entry.target ?? "", entry.detail ?? "",
                    entry.reason ?? "",
                ])
            }.joined()
    }
}
