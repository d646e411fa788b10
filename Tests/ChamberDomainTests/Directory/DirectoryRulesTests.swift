import ChamberDomain
import Foundation
import Testing

/// The directory's rules as tables: who sees each field under the business's choice and the chamber's policy, what a
/// listing shows each audience, what each audience may find it by, and how search words are read.
@Suite("Directory rules")
struct DirectoryRulesTests {
    static let business = Business(
        id: BusinessID("b"), chamberID: ChamberID("c"), ownerUserID: UserID("owner"), legalName: "Kwik-E-Mart LLC", displayName: "Kwik-E-Mart",
        taxID: "12-3456789", category: "445", address: PostalAddress(line1: "1 Main St", city: "Springfield", region: "IL"),
        website: "https://www.kwikemart.example/about", phone: "+1 217 555 0199", email: "apu@kwikemart.example",
        socialLinks: ["instagram": "https://instagram.com/kwikemart"], description: "Open all night",
        privacy: DirectoryPrivacy([.description: .members, .phone: .staff, .address: .public]), createdAt: Date(timeIntervalSince1970: 0))

    @Test(
        "who sees a field: the business's choice, narrowed by the chamber",
        arguments: [
            // (field, public directory, contacts visible to members, expected)
            (DirectoryPrivacy.Field.website, true, true, DirectoryAudience.public),
            (.description, true, true, .members),
            (.address, true, true, .public),
            (.address, false, true, .members),
            (.email, true, true, .members),
            (.email, true, false, .staff),
            (.phone, true, true, .staff),
            (.socialLinks, false, false, .members),
        ])
    func audience(_ field: DirectoryPrivacy.Field, _ publicDirectory: Bool, _ contactsVisible: Bool, _ expected: DirectoryAudience) {
        let settings = ChamberSettings(directoryVisibleToMembers: contactsVisible, publicDirectory: publicDirectory)
        #expect(Self.business.privacy.audience(of: field, in: settings) == expected)
    }

    /// What each reader sees of the business, as a grid of present fields: w website, d description, a address,
    /// p phone, e email, s social links, t tax id.
    @Test(
        "what a listing shows each reader",
        arguments: [
            (DirectoryAudience.public, false, "was"), (.members, false, "wdaes"), (.staff, false, "wdapest"), (.members, true, "wdapest"),
        ])
    func shown(_ reader: DirectoryAudience, _ isOwner: Bool, _ grid: String) {
        let shown = DirectoryListing.shown(Self.business, to: reader, isOwner: isOwner, in: ChamberSettings(publicDirectory: true))
        let present: [(Character, Bool)] = [
            ("w", shown.website != nil), ("d", shown.description != nil), ("a", shown.address != PostalAddress()), ("p", shown.phone != nil),
            ("e", shown.email != nil), ("s", !shown.socialLinks.isEmpty), ("t", shown.taxID != nil),
        ]
        for (letter, isPresent) in present { #expect(isPresent == grid.contains(letter), "\(reader) \(letter)") }
        #expect(shown.legalName == Self.business.legalName && shown.category == "445", "names and category are the listing")
    }

    @Test("what each audience may find a business by: never phone, e-mail or tax id")
    func searchText() {
        let text = DirectoryListing.searchText(Self.business)
        #expect(text.names == "kwik e mart llc kwik e mart")
        #expect(text.publicText == "1 main st springfield il www kwikemart example")
        #expect(text.membersText == "open all night 1 main st springfield il www kwikemart example")
        #expect(text.staffText == text.membersText)
        for secret in ["0199", "apu@", "3456789"] {
            #expect(![text.names, text.publicText, text.membersText, text.staffText].contains { $0.contains(secret) })
        }
    }

    @Test(
        "search words: letters and digits, case and accents folded, at most 8 of at most 40",
        arguments: [
            ("Spring  Deli", ["spring", "deli"], nil as String?), ("\"drop\" OR *", ["drop", "or"], nil), ("Café 24/7", ["cafe", "24", "7"], nil),
            ("JOSÉ Zoë", ["jose", "zoe"], nil),
            ("", [], nil), ("a b c d e f g h i", [], "q"), (String(repeating: "x", count: 41), [], "q"),
        ])
    func terms(_ text: String, _ expected: [String], _ refusedField: String?) {
        do {
            let query = try DirectoryQuery(text: text, category: nil, sort: nil, page: PageRequest())
            #expect(refusedField == nil && query.terms == expected)
            #expect(query.sort == (expected.isEmpty ? .name : .relevance))
        } catch {
            #expect(error.field == refusedField)
        }
    }

    @Test(
        "search texts: case, accents and width folded; punctuation separates words",
        arguments: [
            ("José's Café", "jose s cafe"), ("ÅNGSTRÖM Über", "angstrom uber"), ("Crème brûlée & co.", "creme brulee co"),
            ("Ｋｗｉｋ", "kwik"), ("", ""), ("  --  ", ""), ("Zoë O'Brien-Smith", "zoe o brien smith"), ("naïve 42", "naive 42"),
        ])
    func searchWords(_ text: String, _ expected: String) {
        #expect(SearchWords.text(text) == expected)
        #expect(SearchWords.split(text) == expected.split(separator: " ").map(String.init))
    }

    @Test("a business is found by folded words: the stored text and the terms fold alike")
    func foldedText() {
        var business = Self.business
        business.legalName = "Café José"
        business.displayName = nil
        let names = DirectoryListing.searchText(business).names
        #expect(names == "cafe jose")
        let terms = (try? DirectoryQuery(text: "CAFÉ jose", category: nil, sort: nil, page: PageRequest()))?.terms ?? []
        #expect(terms.allSatisfy { term in names.split(separator: " ").contains { $0.hasPrefix(term) } } && terms == ["cafe", "jose"])
    }

    @Test("a category is a code")
    func category() {
        #expect((try? DirectoryQuery(text: nil, category: "722", sort: nil, page: PageRequest()))?.category == "722")
        #expect(throws: ChamberError.self) { try DirectoryQuery(text: nil, category: "' OR 1=1", sort: nil, page: PageRequest()) }
    }

    @Test("stored privacy reads back, unknown fields dropped")
    func stored() throws {
        let privacy = try JSONDecoder().decode(DirectoryPrivacy.self, from: Data(#"{"phone":"staff","fax":"public"}"#.utf8))
        #expect(privacy[.phone] == .staff && privacy[.email] == .members && privacy.choices.count == 1)
        #expect(try JSONDecoder().decode(DirectoryPrivacy.self, from: JSONEncoder().encode(Self.business.privacy)) == Self.business.privacy)
    }
}
