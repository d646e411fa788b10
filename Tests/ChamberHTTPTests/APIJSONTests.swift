import ChamberDomain
import ChamberJSON
import Foundation
import Testing

@testable import ChamberHTTP

/// The REST API's one-pass JSON is Foundation's JSON: the same objects, keys, instants and nulls, read back.
@Suite("REST JSON")
struct APIJSONTests {
    static let instant = Date(timeIntervalSince1970: 1_796_000_000.789)

    static let businesses = [
        Business(
            id: BusinessID("b1"), chamberID: ChamberID("c"), ownerUserID: UserID("u"), legalName: "Kwik-E-Mart LLC", displayName: "Kwik-E-Mart",
            taxID: "12-3456789", category: "445", address: PostalAddress(line1: "1 Main St", city: "Springfield", region: "IL"),
            website: "https://www.kwikemart.example/about", phone: "+1 217 555 0199", email: "apu@kwikemart.example",
            socialLinks: ["x": "https://x.example/kwik", "facebook": "https://facebook.example/kwik", "instagram": "https://i.example/k"],
            description: "Thank you, come again — \"quoted\", tab\t, and 😀", privacy: DirectoryPrivacy([.phone: .staff]), createdAt: instant),
        Business(id: BusinessID("b2"), chamberID: ChamberID("c"), ownerUserID: nil, legalName: "Moe's Tavern", createdAt: instant),
    ]

    /// Both encodings, read back as Foundation objects.
    static func both(_ value: some Encodable) throws -> (fast: NSObject, foundation: NSObject) {
        let fast = try JSONSerialization.jsonObject(with: Data(try APIJSON.bytesEncoder.encode(value)))
        let foundation = try JSONSerialization.jsonObject(with: try APIJSON.encoder.encode(value))
        return (try #require(fast as? NSObject), try #require(foundation as? NSObject))
    }

    @Test("a directory page, for members and the public")
    func businessPage() throws {
        let page = Page(fetched: Self.businesses, request: PageRequest(limit: 1))
        for forPublic in [false, true] {
            let (fast, foundation) = try Self.both(PageBody(page) { BusinessBody($0, forPublic: forPublic) })
            #expect(fast == foundation, "forPublic: \(forPublic)")
        }
    }

    @Test("instants to the second, as Foundation's .iso8601 writes them")
    func instants() throws {
        for instant in [
            Self.instant, Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1.5), Date(timeIntervalSince1970: 4_102_444_799.999),
        ] {
            let (fast, foundation) = try Self.both(["at": instant])
            #expect(fast == foundation, "\(instant)")
        }
    }

    @Test("a dictionary's keys are sorted: the same value is always the same bytes")
    func sortedDictionaries() throws {
        let bytes = try APIJSON.bytesEncoder.encode(["zeta": 1, "alpha": 2, "mid": 3])
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"alpha":2,"mid":3,"zeta":1}"#)
    }
}
