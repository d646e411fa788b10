import Foundation
import _CryptoExtras

/// A Google service account, as the JSON key file the Firebase console gives ("Project settings › Service accounts ›
/// Generate new private key"): which project pushes are sent in, who the server is, the RSA key it signs its token
/// requests with, and where it trades them for access tokens.
public struct FCMServiceAccount: Sendable {
    /// Why a key file cannot be used.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unreadableFile(path: String, reason: String)
        case notJSON
        /// `type` is not `service_account`: most often a user's `gcloud auth application-default login` file
        /// (`authorized_user`), which cannot sign token requests.
        case notAServiceAccount(type: String?)
        /// A field the file must have is absent, empty or not a string.
        case missingField(String)
        /// `private_key` is not a PEM RSA private key of 2048 bits or more.
        case invalidPrivateKey
        /// `token_uri` is not an https URL (plain http is taken on loopback only, for tests).
        case invalidTokenURI(String)

        public var description: String {
            switch self {
            case .unreadableFile(let path, let reason): "cannot read the service account file '\(path)': \(reason)"
            case .notJSON: "the service account file is not a JSON object"
            case .notAServiceAccount(let type): "the key file's type is \(type.map { "'\($0)'" } ?? "missing"), not 'service_account'"
            case .missingField(let name): "the service account file has no '\(name)'"
            case .invalidPrivateKey: "'private_key' is not a PEM RSA private key of 2048 bits or more"
            case .invalidTokenURI(let uri): "'token_uri' \(uri) is not an https URL"
            }
        }
    }

    /// Google's token endpoint, for a key file without `token_uri` (Google's own libraries assume it too).
    public static let defaultTokenURI = "https://oauth2.googleapis.com/token"

    /// The Firebase project: messages are sent in it, and only its registration tokens reach a device.
    public let projectID: String
    /// The key's id: the `kid` of every token request, so Google knows which of the account's keys to check.
    public let privateKeyID: String
    /// The account's identity: the `iss` of every token request.
    public let clientEmail: String
    /// Where signed token requests are sent: the `aud` of every token request.
    public let tokenURI: String
    /// The key token requests are signed with (RS256); Google holds its public half.
    public let privateKey: _RSA.Signing.PrivateKey

    /// An account from its parts, for a key held somewhere other than a key file.
    public init(
        projectID: String, privateKeyID: String, clientEmail: String, privateKey: _RSA.Signing.PrivateKey,
        tokenURI: String = FCMServiceAccount.defaultTokenURI
    ) {
        self.projectID = projectID
        self.privateKeyID = privateKeyID
        self.clientEmail = clientEmail
        self.privateKey = privateKey
        self.tokenURI = tokenURI
    }

    /// Reads the key file at `path`.
    public init(contentsOfFile path: String) throws(Failure) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Failure.unreadableFile(path: path, reason: error.localizedDescription)
        }
        try self.init(json: data)
    }

    /// Reads a key file's text.
    public init(json: String) throws(Failure) {
        try self.init(json: Data(json.utf8))
    }

    /// Reads a key file's bytes. Fields other than the ones a token request needs (`client_id`, `auth_uri`, …) are
    /// ignored.
    public init(json: Data) throws(Failure) {
        guard let object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else { throw Failure.notJSON }
        let type = object["type"] as? String
        guard type == "service_account" else { throw Failure.notAServiceAccount(type: type) }
        func field(_ name: String) throws(Failure) -> String {
            guard let value = object[name] as? String, !value.isEmpty else { throw Failure.missingField(name) }
            return value
        }
        let projectID = try field("project_id")
        let privateKeyID = try field("private_key_id")
        let clientEmail = try field("client_email")
        let pem = try field("private_key")
        var tokenURI = Self.defaultTokenURI
        if object["token_uri"] != nil { tokenURI = try field("token_uri") }
        guard Self.acceptable(tokenURI: tokenURI) else { throw Failure.invalidTokenURI(tokenURI) }
        let key: _RSA.Signing.PrivateKey
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw Failure.invalidPrivateKey
        }
        self.init(projectID: projectID, privateKeyID: privateKeyID, clientEmail: clientEmail, privateKey: key, tokenURI: tokenURI)
    }

    /// The signed token request is a credential for an hour: it goes over TLS, or stays on this machine.
    static func acceptable(tokenURI: String) -> Bool {
        guard let url = URL(string: tokenURI), let host = url.host, !host.isEmpty else { return false }
        switch url.scheme?.lowercased() ?? "" {
        case "https": return true
        case "http": return host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
        default: return false
        }
    }
}
