import ChamberDomain
import Foundation
import Testing

/// The membership rules as tables: EIN forms and prefixes, the application's status machine, the checks' score.
@Suite("Membership rules")
struct MembershipRulesTests {
    @Test(
        "EIN: nine digits as NN-NNNNNNN or bare; an SSN's form refused by name; other forms refused",
        arguments: [
            ("12-3456789", "12-3456789"), ("123456789", "12-3456789"), (" 98-7654321 ", "98-7654321"),
            ("123-45-6789", "ssn"), ("12-345678", "bad"), ("12-34567890", "bad"), ("1-23456789", "bad"), ("12 3456789", "bad"),
            ("AB-CDEFGHI", "bad"), ("", "bad"), ("12--3456789", "bad"),
        ])
    func einForms(_ raw: String, _ expected: String) {
        do {
            let normalized = try EmployerIdentificationNumber.normalized(raw, field: "ein")
            #expect(normalized == expected)
        } catch {
            #expect(error.code == .validationFailed && error.field == "ein")
            #expect(expected != "ssn" || error.message.contains("Social Security"), "\(error.message)")
            #expect(expected == "ssn" || expected == "bad", "\(raw) was refused: \(error.message)")
        }
    }

    @Test(
        "EIN prefixes the IRS assigns, and those it never did",
        arguments: [
            ("01", true), ("06", true), ("07", false), ("10", true), ("17", false), ("19", false), ("20", true), ("27", true), ("28", false),
            ("30", true), ("48", true), ("49", false), ("50", true), ("68", true), ("69", false), ("70", false), ("71", true), ("77", true),
            ("78", false), ("80", true), ("88", true), ("89", false), ("90", true), ("95", true), ("96", false), ("97", false), ("98", true),
            ("99", true), ("00", false),
        ])
    func einPrefixes(_ prefix: String, _ assigned: Bool) {
        #expect(EmployerIdentificationNumber.hasAssignedPrefix("\(prefix)-1234567") == assigned)
    }

    /// Who may do what in each status, written out as a grid: e edit, s submit, w withdraw, i request info, a approve, r reject.
    static let grid: [ApplicationStatus: String] = [
        .draft: "esw", .submitted: "wiar", .infoRequested: "eswar", .approved: "", .rejected: "", .withdrawn: "",
    ]
    static let letters: [ApplicationAction: Character] = [
        .editStep: "e", .submit: "s", .withdraw: "w", .requestInfo: "i", .approve: "a", .reject: "r",
    ]

    @Test("the application's status machine", arguments: ApplicationStatus.allCases)
    func statusMachine(_ status: ApplicationStatus) {
        for action in ApplicationAction.allCases {
            #expect(status.allows(action) == Self.grid[status]!.contains(Self.letters[action]!), "\(status) \(action)")
        }
        #expect(status.isFinal == Self.grid[status]!.isEmpty)
    }

    @Test(
        "the website's domain against the e-mail's",
        arguments: [
            (String?("https://www.kwikemart.example"), "apu@kwikemart.example", ApplicationCheckResult.passed),
            ("https://shop.kwikemart.example/about", "apu@kwikemart.example", .passed),
            ("https://kwikemart.example", "apu@mail.kwikemart.example", .passed),
            ("https://kwikemart.example", "apu@kwik-e-mart.example", .failed),
            ("https://kwikemart.example", "apu@gmail.com", .failed),
            (nil, "apu@kwikemart.example", .failed),
            ("https://notkwikemart.example", "apu@kwikemart.example", .failed),
        ])
    func domainMatch(_ website: String?, _ email: String, _ expected: ApplicationCheckResult) {
        let steps = ApplicationSteps(
            contact: ContactDetails(email: email, address: PostalAddress(), category: "445"), online: OnlinePresence(website: website))
        let check = ApplicationChecks.run(steps, evidence: ApplicationEvidence()).first { $0.name == .domainMatch }
        #expect(check?.result == expected, "\(check?.detail ?? "")")
    }

    @Test("the score: the weight passed over the weight run; checks not run count for nothing")
    func score() {
        func check(_ name: ApplicationCheckName, _ result: ApplicationCheckResult) -> ApplicationCheck { ApplicationCheck(name, result, "") }
        #expect(ApplicationChecks.score([]) == 0)
        #expect(ApplicationChecks.score([check(.einFormat, .passed), check(.websiteReachable, .notChecked)]) == 100)
        // 10 + 20 passed of 10 + 20 + 25 run.
        #expect(ApplicationChecks.score([check(.einFormat, .passed), check(.einPrefix, .passed), check(.duplicateTaxID, .failed)]) == 55)
        let clean = ApplicationSteps(
            tax: TaxRegistration(ein: "12-3456789"), contact: ContactDetails(email: "a@kwik.example", address: PostalAddress(), category: "445"),
            online: OnlinePresence(website: "https://kwik.example"), documents: [Self.document(.businessLicense)])
        #expect(ApplicationChecks.score(ApplicationChecks.run(clean, evidence: ApplicationEvidence())) == 100)
        let taken = ApplicationChecks.run(clean, evidence: ApplicationEvidence(taxIDHolders: ["business Kwik"]))
        #expect(ApplicationChecks.score(taken) == 75, "25 of the 100 run failed")
    }

    static func document(_ kind: DocumentKind, scan: FileScanStatus = .notScanned) -> StoredFile {
        StoredFile(
            id: .generate(), chamberID: .generate(), ownerID: .generate(), kind: kind, name: "\(kind.rawValue).pdf", contentType: .pdf, size: 10,
            sha256: "", scan: FileScan(scan, ""), createdAt: Date(timeIntervalSince1970: 0))
    }

    @Test(
        "documents present: a business license is required; unscanned ones are named",
        arguments: [
            ([], ApplicationCheckResult.failed, "missing: business_license"),
            ([DocumentKind.insuranceCertificate], .failed, "missing: business_license"),
            ([.businessLicense], .passed, "1 of 1 not scanned"),
            ([.businessLicense, .other], .passed, "2 of 2 not scanned"),
        ] as [([DocumentKind], ApplicationCheckResult, String)])
    func documentsPresent(_ kinds: [DocumentKind], _ expected: ApplicationCheckResult, _ detail: String) {
        let check = ApplicationChecks.run(ApplicationSteps(documents: kinds.map { Self.document($0) }), evidence: ApplicationEvidence())
            .first { $0.name == .documentsPresent }
        #expect(check?.result == expected && check?.detail.contains(detail) == true, "\(check?.detail ?? "")")
        let scanned = ApplicationChecks.run(
            ApplicationSteps(documents: kinds.map { Self.document($0, scan: .clean) }), evidence: ApplicationEvidence()
        ).first { $0.name == .documentsPresent }
        #expect(scanned?.detail.contains("not scanned") == false)
    }
}
