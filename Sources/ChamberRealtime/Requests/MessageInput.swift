import ChamberDomain
import Foundation

/// A message as a client sends it, on the socket (`send`) and over REST (`POST …/messages`) alike: one decoding,
/// one conversion into the domain's draft.
public struct MessageInput: Codable, Sendable {
    /// An attachment's metadata (the file itself lives elsewhere).
    public struct AttachmentInput: Codable, Sendable {
        public let url: String
        public let contentType: String
        public let size: Int64
        public let name: String?

        enum CodingKeys: String, CodingKey {
            case url
            case contentType = "content_type"
            case size, name
        }

        public var attachment: Attachment { Attachment(url: url, contentType: contentType, size: size, name: name) }
    }

    public let clientMessageId: String
    public let body: String?
    public let replyTo: String?
    public let attachments: [AttachmentInput]?
    public let data: JSONValue?
    public let urgent: Bool?

    enum CodingKeys: String, CodingKey {
        case clientMessageId = "client_message_id"
        case body
        case replyTo = "reply_to"
        case attachments, data, urgent
    }

    /// The draft the chat service checks, moderates and stores.
    public func draft() throws(ChamberError) -> MessageDraft {
        MessageDraft(
            clientMessageID: clientMessageId, body: body ?? "",
            replyTo: try replyTo.map { raw throws(ChamberError) in try identifier(raw, "reply_to") },
            attachments: (attachments ?? []).map(\.attachment), data: data, urgent: urgent ?? false)
    }

    /// JSON as the wire spells it (snake_case keys, no conversion): for REST bodies that carry a message.
    public static let decoder = JSONDecoder()
}
