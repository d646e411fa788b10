import ChamberStorage

/// The signing secret of test servers, so tests can forge tokens the way an attacker with a leaked token could not.
public let testJWTSecret = "test-secret-for-chamberconnect-0123456789abcdef"

extension SealedFields {
    /// The sealing of test stores: the key a test server derives from ``testJWTSecret``, so stores and servers sharing
    /// the tests' PostgreSQL database open each other's values and no server's upkeep finds any to seal again.
    public static let testing = SealedFields(cipher: AESGCMSecretCipher(keys: AESGCMSecretCipher.Key.derived(from: testJWTSecret)))
}
