import NIOConcurrencyHelpers
import NIOSSL

/// The certificate chain and key a node serves TLS with, read from PEM files at start and read again on demand
/// (SIGHUP), so a renewed certificate is taken without a restart: new connections get the new one, open ones keep
/// theirs. A reload that fails (a half-written file, a key that does not match) keeps the pair in use.
public final class ServerTLS: Sendable {
    public let certificateFile: String
    public let keyFile: String
    private let context: NIOLockedValueBox<NIOSSLContext>

    /// - Throws: ``ServerTLS/LoadError`` naming the file that could not be used and why.
    public init(certificateFile: String, keyFile: String) throws(LoadError) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.context = NIOLockedValueBox(try Self.makeContext(certificateFile: certificateFile, keyFile: keyFile))
    }

    /// What new connections are served with.
    var current: NIOSSLContext { context.withLockedValue { $0 } }

    /// Reads the files again and serves new connections with them.
    /// - Throws: ``ServerTLS/LoadError``; the pair in use stays.
    public func reload() throws(LoadError) {
        let fresh = try Self.makeContext(certificateFile: certificateFile, keyFile: keyFile)
        context.withLockedValue { $0 = fresh }
    }

    /// A certificate or key file that could not be used.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public let file: String
        public let reason: String
        public var description: String { "\(file): \(reason)" }
    }

    static func makeContext(certificateFile: String, keyFile: String) throws(LoadError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw LoadError(file: certificateFile, reason: "no PEM certificate chain could be read (\(error))")
        }
        guard !chain.isEmpty else { throw LoadError(file: certificateFile, reason: "holds no certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw LoadError(file: keyFile, reason: "no PEM private key could be read (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw LoadError(file: keyFile, reason: "does not go with the certificate of \(certificateFile) (\(error))")
        }
    }
}
