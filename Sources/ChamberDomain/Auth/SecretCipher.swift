/// Encrypts fields that must be read back (a TOTP secret) before they are stored, so a copy of the database alone
/// does not give them away. `context` binds a sealed value to where it belongs (its user): moved elsewhere, it no
/// longer opens.
public protocol SecretCipher: Sendable {
    /// The plaintext encrypted and authenticated with `context`, as text to store.
    func seal(_ plaintext: [UInt8], context: String) throws -> String
    /// Throws `internal_error` when the value was not sealed by one of the configured keys for this context.
    func open(_ sealed: String, context: String) throws -> [UInt8]
}
