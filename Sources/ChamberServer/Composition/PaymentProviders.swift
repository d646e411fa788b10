import AsyncHTTPClient
import ChamberDomain
import ChamberPayments
import Foundation

/// The card processor and its webhooks' verifier, from the configuration: none without a secret key (only payments
/// taken outside the server are recorded then).
enum PaymentProviders {
    static func provider(_ configuration: ServerConfiguration) throws -> (any PaymentProvider)? {
        guard let file = configuration.stripeSecretKeyFile else { return nil }
        let key = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { throw ConfigurationError(key: "billing.stripe.secret_key_file", "\(file) is empty") }
        return StripeClient(http: HTTPClient.shared, secretKey: key, apiBase: configuration.stripeAPIBase)
    }

    static func webhooks(_ configuration: ServerConfiguration) throws -> (any PaymentWebhookVerifier)? {
        guard let file = configuration.stripeWebhookSecretsFile else { return nil }
        let secrets = try String(contentsOfFile: file, encoding: .utf8).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !secrets.isEmpty else { throw ConfigurationError(key: "billing.stripe.webhook_secrets_file", "\(file) holds no secret") }
        return StripeWebhook(secrets: secrets)
    }
}
