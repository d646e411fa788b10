import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberTestSupport
import Crypto
import Foundation
import HTTPTypes
import Testing

/// An application's documents through the REST API: uploads checked by their bytes and size, kept in the file
/// store, fetched by signed links that expire and reach nothing else, and never another chamber's.
@Suite("REST: application documents and signed file links")
struct ApplicationDocumentsTests {
    static let pdf = Array("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 2_000)
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 64)
    static let executable: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + Array(repeating: 0, count: 64)

    static func upload(
        _ api: TestAPI, _ applicant: Account, _ applicationID: String, kind: String = "business_license", name: String = "license.pdf",
        _ bytes: [UInt8], contentType: String? = "application/pdf"
    ) async throws -> APIResponse {
        var headers = HTTPFields()
        if let contentType { headers[.contentType] = contentType }
        return try await api.call(
            .post,
            "/v1/applications/\(applicationID)/documents?kind=\(kind)&name=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")",
            token: applicant.accessToken, bytes: bytes,
            headers: headers)
    }

    @Test(
        "uploads are checked by bytes and size; links are signed, expire, and reach one file of one chamber; reviewers see the license",
        arguments: TestBackend.enabled)
    func documents(_ backend: TestBackend) async throws {
        try await withServer(backend, configure: { $0.filesMaxBytes = 64 * 1024 }) { api in
            let (admin, staff, apu) = (try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            let id =
                try await api.call(.post, "/v1/applications", token: apu.accessToken, json: ["chamber_id": chamber.id]).json["application"]["id"]
                .string ?? ""

            // Refused by what the bytes are, whatever the name or the declared type says.
            for (bytes, name, type, field) in [
                (Self.executable, "license.pdf", "application/pdf", "file"), (Self.png, "license.pdf", "image/png", "name"),
                (Self.png, "scan.png", "application/pdf", "file"), (Array("just text".utf8), "license.txt", nil, "file"),
            ] as [([UInt8], String, String?, String)] {
                let refused = try await Self.upload(api, apu, id, name: name, bytes, contentType: type)
                #expect(refused.status == .badRequest && refused.errorCode == "file_type_refused", "\(name) \(type ?? "-"): \(refused.json)")
                #expect(refused.json["error"]["field"].string == field)
            }
            let logoAsPDF = try await Self.upload(api, apu, id, kind: "logo", name: "logo.pdf", Self.pdf)
            #expect(logoAsPDF.errorCode == "file_type_refused", "a logo is a picture")
            let tooLarge = try await Self.upload(api, apu, id, Array("%PDF-".utf8) + Array(repeating: 0, count: 64 * 1024))
            #expect(tooLarge.status == .contentTooLarge && tooLarge.errorCode == "file_too_large", "\(tooLarge.json)")
            #expect(try await Self.upload(api, apu, id, []).errorCode == "validation_failed")
            #expect(try await Self.upload(api, apu, id, kind: "selfie", Self.pdf).errorCode == "validation_failed")
            let stranger = try await api.signUp("snake")
            #expect(try await Self.upload(api, stranger, id, Self.pdf).errorCode == "application_not_found")

            // Kept: the document is described by what the server found, and comes back byte for byte by its link.
            let uploaded = try await Self.upload(api, apu, id, name: "../../etc/Business License.pdf", Self.pdf)
            #expect(uploaded.status == .created, "\(uploaded.json)")
            let document = uploaded.json["document"]
            let documentID = document["id"].string ?? ""
            #expect(document["kind"].string == "business_license" && document["name"].string == "Business License.pdf")
            #expect(document["content_type"].string == "application/pdf" && document["size"].int == Self.pdf.count)
            #expect(document["sha256"].string == SHA256.hash(data: Self.pdf).map { String(format: "%02x", $0) }.joined())
            #expect(document["scan_status"].string == "not_scanned")
            #expect(uploaded.json["application"]["documents"].array.count == 1)
            let link = try await api.call(.get, "/v1/applications/\(id)/documents/\(documentID)/link", token: apu.accessToken)
            let url = link.json["url"].string ?? ""
            #expect(link.status == .ok && url.hasPrefix("/v1/files/\(documentID)?"))
            let downloaded = try await api.call(.get, url)
            #expect(downloaded.status == .ok && Array(downloaded.body) == Self.pdf)
            #expect(downloaded.headers[.contentType] == "application/pdf")
            #expect(downloaded.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(
                downloaded.headers[.contentDisposition] == "attachment; filename=\"Business License.pdf\"; filename*=UTF-8''Business%20License.pdf")

            // A link is for its file, its chamber and its time only.
            let signature = URLComponents(string: url)?.queryItems?.first { $0.name == "signature" }?.value ?? ""
            let expires = URLComponents(string: url)?.queryItems?.first { $0.name == "expires" }?.value ?? ""
            let extra = try await Self.upload(api, apu, id, kind: "insurance_certificate", name: "insurance.png", Self.png, contentType: "image/png")
            let extraID = extra.json["document"]["id"].string ?? ""
            for forged in [
                "/v1/files/\(documentID)?expires=\(expires)&signature=\(signature.dropLast())\(signature.hasSuffix("A") ? "B" : "A")",
                "/v1/files/\(documentID)?expires=\((Int(expires) ?? 0) + 3600)&signature=\(signature)",
                "/v1/files/\(extraID)?expires=\(expires)&signature=\(signature)", "/v1/files/\(documentID)",
                "/v1/files/not-a-file?expires=\(expires)&signature=\(signature)",
            ] {
                let refused = try await api.call(.get, forged)
                #expect(refused.status == .forbidden && refused.errorCode == "file_link_invalid", "\(forged): \(refused.json)")
            }
            let past = Int(Date().timeIntervalSince1970) - 1
            let pastSignature = HMACTextSigner(secret: testJWTSecret, purpose: "file links").signature(of: "file.\(chamber.id).\(documentID).\(past)")
            let expired = try await api.call(.get, "/v1/files/\(documentID)?expires=\(past)&signature=\(pastSignature)")
            #expect(expired.status == .forbidden && expired.errorCode == "file_link_expired", "\(expired.json)")

            // Removed while a draft: gone from the application, and its link leads nowhere.
            let extraURL =
                try await api.call(.get, "/v1/applications/\(id)/documents/\(extraID)/link", token: apu.accessToken).json["url"].string ?? ""
            let removed = try await api.call(.delete, "/v1/applications/\(id)/documents/\(extraID)", token: apu.accessToken)
            #expect(removed.status == .ok && removed.json["documents"].array.count == 1)
            #expect(try await api.call(.get, extraURL).errorCode == "file_link_invalid")
            #expect(try await api.call(.delete, "/v1/applications/\(id)/documents/\(extraID)", token: apu.accessToken).errorCode == "file_not_found")

            // Submitted: the license passes the check, reviewers fetch it, and nothing more is attached.
            try await MembershipApplicationTests.fill(api, apu, id, MembershipApplicationTests.steps(tier: chamber.tier))
            #expect(try await api.call(.post, "/v1/applications/\(id)/submit", token: apu.accessToken).status == .ok)
            let reviewed = try await api.call(.get, "/v1/chambers/\(chamber.id)/applications/\(id)", token: staff.accessToken)
            let check = reviewed.json["checks"].array.first { $0["name"].string == "documents_present" }
            #expect(check?["result"].string == "passed" && check?["detail"].string?.contains("not scanned") == true, "\(check ?? .null)")
            #expect(reviewed.json["score"].int == 100)
            let staffLink = try await api.call(
                .get, "/v1/chambers/\(chamber.id)/applications/\(id)/documents/\(documentID)/link", token: staff.accessToken)
            #expect(Array(try await api.call(.get, staffLink.json["url"].string ?? "").body) == Self.pdf)
            let late = try await Self.upload(api, apu, id, Self.pdf)
            #expect(late.status == .conflict && late.errorCode == "application_state_conflict")

            // Another chamber's admin reaches neither the document nor a link to it.
            let rival = try await api.signUp("rival")
            let rivalChamber = try await api.createChamber(rival, name: "Capital City Chamber")
            let across = try await api.call(
                .get, "/v1/chambers/\(rivalChamber)/applications/\(id)/documents/\(documentID)/link", token: rival.accessToken)
            #expect(across.status == .notFound && across.errorCode == "application_not_found", "\(across.json)")
            let intoA = try await api.call(
                .get, "/v1/chambers/\(chamber.id)/applications/\(id)/documents/\(documentID)/link", token: rival.accessToken)
            #expect(intoA.status == .forbidden || intoA.status == .notFound)
            let member = try await api.signUp("milhouse")
            try await api.addMember(member, to: chamber.id, role: "member", by: admin)
            let memberLink = try await api.call(
                .get, "/v1/chambers/\(chamber.id)/applications/\(id)/documents/\(documentID)/link", token: member.accessToken)
            #expect(memberLink.status == .forbidden, "members do not read applications: \(memberLink.json)")
        }
    }
}
