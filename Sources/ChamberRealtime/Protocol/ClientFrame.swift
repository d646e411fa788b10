import ChamberDomain
import Foundation

/// A frame from a client. Every frame has a `type`; requests may carry an `id` that the reply repeats.
/// The fields a type needs are checked by ``require(_:_:)``, which names the missing field in its error.
public struct ClientFrame: Codable, Sendable {
    /// Every client frame type of protocol v1.
    public enum Kind: String, Sendable, CaseIterable {
        case auth, refresh, ping
        case subscribe, unsubscribe, history
        case send, edit, delete, react
        case typing, read
        case channels, openDirect = "open_direct", createChannel = "create_channel", join, leave
        case addMembers = "add_members", removeMember = "remove_member", archive
        case presence, setStatus = "set_status"
        case moderate, report, reviewQueue = "review_queue", review
    }

    /// An attachment as clients send it (the socket's `send` and REST's `POST …/messages` alike).
    public struct AttachmentInput: Codable, Sendable {
        public let url: String
        public let contentType: String
        public let size: Int64
        public let name: String?

        public var attachment: Attachment { Attachment(url: url, contentType: contentType, size: size, name: name) }
    }

    public let type: String
    public let id: String?
    public let token: String?
    public let chamberId: String?
    public let channelId: String?
    public let since: Int64?
    public let clientMessageId: String?
    public let body: String?
    public let replyTo: String?
    public let attachments: [AttachmentInput]?
    public let data: JSONValue?
    public let messageId: String?
    public let emoji: String?
    public let add: Bool?
    public let seq: Int64?
    public let before: Int64?
    public let after: Int64?
    public let limit: Int?
    public let userId: String?
    public let userIds: [String]?
    public let kind: String?
    public let name: String?
    public let topic: String?
    public let eventId: String?
    public let members: [String]?
    public let status: String?
    public let cursor: String?
    public let action: String?
    public let durationSeconds: Int?
    public let seconds: Int?
    public let reason: String?
    public let itemId: String?
    public let decision: String?
    public let state: String?

    /// Decodes a text frame, turning every failure into a typed error.
    public static func decode(_ bytes: some Collection<UInt8>) throws(ChamberError) -> ClientFrame {
        do {
            return try WireCoding.decoder.decode(ClientFrame.self, from: Data(bytes))
        } catch DecodingError.keyNotFound(let key, _) {
            throw ChamberError(.validationFailed, "\(key.stringValue) is required", field: key.stringValue)
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ChamberError(.validationFailed, "\(field.isEmpty ? "frame" : field) has the wrong type", field: field.isEmpty ? nil : field)
        } catch {
            throw ChamberError(.malformedJSON, "frame is not a JSON object")
        }
    }

    public var kindValue: Kind? { Kind(rawValue: type) }

    /// A required field, or a `validation_failed` error naming it.
    public func require<T>(_ value: T?, _ field: String) throws(ChamberError) -> T {
        guard let value else { throw ChamberError(.validationFailed, "\(type) needs \(field)", field: field) }
        return value
    }

    public func channelID() throws(ChamberError) -> ChannelID {
        try Validate.identifier(try require(channelId, "channel_id"), as: ChannelID.self, field: "channel_id")
    }

    public func messageID() throws(ChamberError) -> MessageID {
        try Validate.identifier(try require(messageId, "message_id"), as: MessageID.self, field: "message_id")
    }

    public func userID() throws(ChamberError) -> UserID {
        try Validate.identifier(try require(userId, "user_id"), as: UserID.self, field: "user_id")
    }
}
