/// Encrypts fields that must be read back (a TOTP secret, a tax id) before they are stored, so a copy of the database
/// alone does not give them away. `context` binds a sealed value to where it belongs (its user, its business): moved
/// elsewhere, it no longer opens.
public protocol SecretCipher: Sendable {
    /// The plaintext encrypted and authenticated with `context`, as text to store.
    func seal(_ plaintext: [UInt8], context: String) throws -> String
    /// Throws `internal_error` when the value was not sealed by one of the configured keys for this context.
    func open(_ sealed: String, context: String) throws -> [UInt8]
}

/// The contexts sealed fields are bound to, written once for the services that seal them and the storage upkeep
/// that seals them again under a new key.
public enum SealingContext {
    /// A user's TOTP secret.
    public static func twoFactorSecret(_ userID: UserID) -> String { "totp-secret:\(userID)" }
    /// A business's tax id.
    public static func businessTaxID(_ businessID: BusinessID) -> String { "business-tax-id:\(businessID)" }
    /// The tax id an application gives.
    public static func applicationTaxID(_ applicationID: ApplicationID) -> String { "application-tax-id:\(applicationID)" }
}
