import Foundation

/// One automatic check of a submitted application, recorded with its result and why.
public struct ApplicationCheck: Sendable, Equatable, Codable {
    public let name: ApplicationCheckName
    public let result: ApplicationCheckResult
    public let detail: String
    /// Its share of the legitimacy score.
    public let weight: Int

    public init(_ name: ApplicationCheckName, _ result: ApplicationCheckResult, _ detail: String) {
        self.name = name
        self.result = result
        self.detail = detail
        self.weight = name.weight
    }
}

public enum ApplicationCheckName: String, Sendable, Codable, CaseIterable {
    case einFormat = "ein_format"
    case einPrefix = "ein_prefix"
    case duplicateTaxID = "duplicate_tax_id"
    case duplicateBusiness = "duplicate_business"
    case duplicateEmail = "duplicate_email"
    case domainMatch = "domain_match"
    case documentsPresent = "documents_present"
    case websiteReachable = "website_reachable"

    /// How much a check counts: a tax id already held in the chamber weighs most, a matching domain less.
    public var weight: Int {
        switch self {
        case .einFormat: 10
        case .einPrefix: 20
        case .duplicateTaxID: 25
        case .duplicateBusiness: 10
        case .duplicateEmail: 10
        case .domainMatch: 15
        case .documentsPresent: 10
        case .websiteReachable: 10
        }
    }
}

public enum ApplicationCheckResult: String, Sendable, Codable {
    case passed, failed
    /// Not run here (no network, nothing to check yet): left out of the score, shown to reviewers as such.
    case notChecked = "not_checked"
}

/// What the chamber already holds that an application could collide with, found by the store.
public struct ApplicationEvidence: Sendable, Equatable {
    /// Who already uses the application's tax id, business name or e-mail: "business Kwik-E-Mart", "application …".
    public var taxIDHolders: [String]
    public var nameHolders: [String]
    public var emailHolders: [String]

    public init(taxIDHolders: [String] = [], nameHolders: [String] = [], emailHolders: [String] = []) {
        self.taxIDHolders = taxIDHolders
        self.nameHolders = nameHolders
        self.emailHolders = emailHolders
    }
}

/// The automatic checks and the legitimacy score: a pure function of the application and what the chamber holds.
public enum ApplicationChecks {
    /// Mail providers anyone can get an address from: such an address says nothing about owning a domain.
    public static let freeMailDomains: Set<String> = [
        "gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com",
        "proton.me", "protonmail.com", "gmx.com", "mail.com", "yandex.com", "zoho.com",
    ]

    /// Runs every check on a complete application.
    public static func run(_ steps: ApplicationSteps, evidence: ApplicationEvidence) -> [ApplicationCheck] {
        var checks: [ApplicationCheck] = []
        if let ein = steps.tax?.ein {
            checks.append(ApplicationCheck(.einFormat, .passed, "the tax id has the EIN's form"))
            checks.append(
                EmployerIdentificationNumber.hasAssignedPrefix(ein)
                    ? ApplicationCheck(.einPrefix, .passed, "prefix \(ein.prefix(2)) is one the IRS assigns")
                    : ApplicationCheck(.einPrefix, .failed, "prefix \(ein.prefix(2)) is not one the IRS assigns"))
        }
        checks.append(duplicate(.duplicateTaxID, "tax id", evidence.taxIDHolders))
        checks.append(duplicate(.duplicateBusiness, "business name", evidence.nameHolders))
        checks.append(duplicate(.duplicateEmail, "e-mail address", evidence.emailHolders))
        checks.append(domainMatch(website: steps.online?.website, email: steps.contact?.email))
        checks.append(documentsPresent(steps.documents))
        checks.append(ApplicationCheck(.websiteReachable, .notChecked, "this server does not reach out to the network to check websites"))
        return checks
    }

    /// 0–100: the weight of the checks passed over the weight of those run.
    public static func score(_ checks: [ApplicationCheck]) -> Int {
        let run = checks.filter { $0.result != .notChecked }
        let total = run.map(\.weight).reduce(0, +)
        guard total > 0 else { return 0 }
        let passed = run.filter { $0.result == .passed }.map(\.weight).reduce(0, +)
        return Int((Double(passed) * 100 / Double(total)).rounded())
    }

    private static func duplicate(_ name: ApplicationCheckName, _ what: String, _ holders: [String]) -> ApplicationCheck {
        holders.isEmpty
            ? ApplicationCheck(name, .passed, "no other business or application in the chamber has this \(what)")
            : ApplicationCheck(name, .failed, "this \(what) is already used by \(holders.prefix(3).joined(separator: ", "))")
    }

    /// The documents every application needs: a business license.
    public static let requiredDocuments: [DocumentKind] = [.businessLicense]

    static func documentsPresent(_ documents: [StoredFile]) -> ApplicationCheck {
        let missing = requiredDocuments.filter { kind in !documents.contains { $0.kind == kind } }
        guard missing.isEmpty else {
            return ApplicationCheck(.documentsPresent, .failed, "missing: \(missing.map(\.rawValue).joined(separator: ", "))")
        }
        let unscanned = documents.filter { $0.scan.status == .notScanned }.count
        return ApplicationCheck(
            .documentsPresent, .passed,
            "\(requiredDocuments.map(\.rawValue).joined(separator: ", ")) attached"
                + (unscanned > 0 ? "; \(unscanned) of \(documents.count) not scanned for viruses" : ""))
    }

    static func domainMatch(website: String?, email: String?) -> ApplicationCheck {
        guard let email, let mailDomain = email.split(separator: "@").last.map({ String($0).lowercased() }) else {
            return ApplicationCheck(.domainMatch, .failed, "no e-mail address given")
        }
        if freeMailDomains.contains(mailDomain) {
            return ApplicationCheck(.domainMatch, .failed, "\(mailDomain) is a free mail provider; it does not show the business owns a domain")
        }
        guard let website, let host = host(of: website) else {
            return ApplicationCheck(.domainMatch, .failed, "no website to compare \(mailDomain) with")
        }
        let matches = host == mailDomain || host.hasSuffix("." + mailDomain) || mailDomain.hasSuffix("." + host)
        return matches
            ? ApplicationCheck(.domainMatch, .passed, "the website \(host) and the e-mail domain \(mailDomain) match")
            : ApplicationCheck(.domainMatch, .failed, "the website \(host) and the e-mail domain \(mailDomain) differ")
    }

    /// The website's host, lowercased, without a leading `www.`.
    static func host(of website: String) -> String? {
        guard let host = URLComponents(string: website)?.host?.lowercased(), !host.isEmpty else { return nil }
        return host.hasPrefix("www.") ? String(host.dropFirst(4)) : host
    }
}
