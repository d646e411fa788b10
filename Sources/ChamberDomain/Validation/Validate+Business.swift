import Foundation

/// The rules for what a business gives of itself: where it is and where it is online.
extension Validate {
    /// Every line trimmed and bounded, the country uppercased; `field` prefixes the names of faulty lines.
    public static func address(_ address: PostalAddress, field: String) throws(ChamberError) -> PostalAddress {
        PostalAddress(
            line1: try Validate.optionalText(address.line1, field: "\(field).line1", maxLength: 200),
            line2: try Validate.optionalText(address.line2, field: "\(field).line2", maxLength: 200),
            city: try Validate.optionalText(address.city, field: "\(field).city", maxLength: 100),
            region: try Validate.optionalText(address.region, field: "\(field).region", maxLength: 100),
            postalCode: try Validate.optionalText(address.postalCode, field: "\(field).postal_code", maxLength: 20),
            country: try Validate.optionalText(address.country, field: "\(field).country", maxLength: 2).map { $0.uppercased() })
    }

    /// At most 10 links, network names lowercased, each an http(s) URL.
    public static func socialLinks(_ links: [String: String]) throws(ChamberError) -> [String: String] {
        guard links.count <= 10 else { throw ChamberError(.validationFailed, "at most 10 social links", field: "social_links") }
        var checked: [String: String] = [:]
        for (network, url) in links {
            let key = try Validate.name(network, field: "social_links", maxLength: 30).lowercased()
            checked[key] = try Validate.url(url, field: "social_links.\(key)")
        }
        return checked
    }
}
