/// The one error type that crosses module boundaries and reaches clients.
///
/// Every error carries a stable string `code` that clients may switch on; the human `message` may change.
/// Codes are static members of ``ChamberError/Code``, a closed catalogue: the initializer is not public, every
/// code is listed in ``ChamberError/Code/all``, and a test holds the catalogue and `Protocol/` to each other.
public struct ChamberError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; adapters map it to a transport status (HTTP status, close code).
    public enum Kind: String, Sendable {
        case invalidRequest, unauthenticated, forbidden, notFound, methodNotAllowed, conflict, payloadTooLarge, rateLimited, unavailable,
            internalFailure
        case upgradeRequired
        /// The payment was refused by the card's issuer or the processor (HTTP 402).
        case paymentRequired
    }

    /// A stable, documented error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public let kind: Kind
        private init(_ rawValue: String, _ kind: Kind) {
            self.rawValue = rawValue
            self.kind = kind
        }
        public var description: String { rawValue }

        // Input
        public static let malformedJSON = Code("malformed_json", .invalidRequest)
        public static let validationFailed = Code("validation_failed", .invalidRequest)
        public static let invalidEmail = Code("invalid_email", .invalidRequest)
        public static let weakPassword = Code("weak_password", .invalidRequest)
        public static let invalidIdentifier = Code("invalid_identifier", .invalidRequest)
        public static let invalidCursor = Code("invalid_cursor", .invalidRequest)
        public static let signInStateInvalid = Code("sign_in_state_invalid", .invalidRequest)
        public static let payloadTooLarge = Code("payload_too_large", .payloadTooLarge)
        /// HTTP only: a request the server could not read as HTTP asks (a bad header, a bad query).
        public static let badRequest = Code("bad_request", .invalidRequest)
        /// HTTP only: the path exists, the method does not.
        public static let methodNotAllowed = Code("method_not_allowed", .methodNotAllowed)
        // Authentication
        public static let unauthenticated = Code("unauthenticated", .unauthenticated)
        public static let invalidCredentials = Code("invalid_credentials", .unauthenticated)
        public static let tokenExpired = Code("token_expired", .unauthenticated)
        public static let tokenInvalid = Code("token_invalid", .unauthenticated)
        public static let tokenRevoked = Code("token_revoked", .unauthenticated)
        public static let refreshTokenInvalid = Code("refresh_token_invalid", .unauthenticated)
        public static let refreshTokenReused = Code("refresh_token_reused", .unauthenticated)
        public static let twoFactorCodeInvalid = Code("two_factor_code_invalid", .unauthenticated)
        public static let twoFactorChallengeInvalid = Code("two_factor_challenge_invalid", .unauthenticated)
        public static let apiKeyInvalid = Code("api_key_invalid", .unauthenticated)
        public static let signInTokenInvalid = Code("sign_in_token_invalid", .unauthenticated)
        public static let resetTokenInvalid = Code("reset_token_invalid", .invalidRequest)
        public static let unsubscribeTokenInvalid = Code("unsubscribe_token_invalid", .invalidRequest)
        public static let rateLimited = Code("rate_limited", .rateLimited)
        // Authorization
        public static let forbidden = Code("forbidden", .forbidden)
        public static let roleNotAssignable = Code("role_not_assignable", .forbidden)
        public static let platformAdminRequired = Code("platform_admin_required", .forbidden)
        public static let twoFactorEnrolmentRequired = Code("two_factor_enrolment_required", .forbidden)
        public static let apiKeyNotAllowed = Code("api_key_not_allowed", .forbidden)
        public static let signInEmailUnverified = Code("sign_in_email_unverified", .forbidden)
        public static let signInProviderRequired = Code("sign_in_provider_required", .forbidden)
        public static let apiKeyScopeMissing = Code("api_key_scope_missing", .forbidden)
        public static let loadTestDisabled = Code("load_test_disabled", .forbidden)
        // Resources
        public static let notFound = Code("not_found", .notFound)
        public static let chamberNotFound = Code("chamber_not_found", .notFound)
        public static let apiKeyNotFound = Code("api_key_not_found", .notFound)
        public static let dataExportNotFound = Code("data_export_not_found", .notFound)
        public static let signInProviderNotFound = Code("sign_in_provider_not_found", .notFound)
        public static let memberNotFound = Code("member_not_found", .notFound)
        public static let nodeNotFound = Code("node_not_found", .notFound)
        public static let userNotFound = Code("user_not_found", .notFound)
        public static let invitationNotFound = Code("invitation_not_found", .notFound)
        public static let businessNotFound = Code("business_not_found", .notFound)
        public static let sessionNotFound = Code("session_not_found", .notFound)
        public static let channelNotFound = Code("channel_not_found", .notFound)
        public static let messageNotFound = Code("message_not_found", .notFound)
        // State
        public static let emailTaken = Code("email_taken", .conflict)
        public static let slugTaken = Code("slug_taken", .conflict)
        public static let alreadyMember = Code("already_member", .conflict)
        /// Every seat of a business's tier is held or kept by a pending invitation, or the business has no membership.
        public static let seatsFull = Code("seats_full", .conflict)
        /// The member holds a membership of their own or another business's seat; or the holder's seat was to be freed.
        public static let seatConflict = Code("seat_conflict", .conflict)
        public static let invitationExpired = Code("invitation_expired", .conflict)
        public static let invitationEmailMismatch = Code("invitation_email_mismatch", .forbidden)
        public static let lastAdmin = Code("last_admin", .conflict)
        public static let dataExportNotReady = Code("data_export_not_ready", .conflict)
        public static let erasureRefused = Code("erasure_refused", .conflict)
        public static let signInIdentityTaken = Code("sign_in_identity_taken", .conflict)
        public static let signInAccountExists = Code("sign_in_account_exists", .conflict)
        public static let lastSignInMethod = Code("last_sign_in_method", .conflict)
        public static let conflict = Code("conflict", .conflict)
        public static let channelArchived = Code("channel_archived", .conflict)
        // Chat
        public static let messageTooLong = Code("message_too_long", .invalidRequest)
        public static let messageRejected = Code("message_rejected", .forbidden)
        public static let mentionNotAllowed = Code("mention_not_allowed", .forbidden)
        public static let tooManyMentions = Code("too_many_mentions", .forbidden)
        public static let linksNotAllowed = Code("links_not_allowed", .forbidden)
        public static let linkNotAllowed = Code("link_not_allowed", .forbidden)
        public static let invalidModerationRule = Code("invalid_moderation_rule", .invalidRequest)
        public static let notSubscribed = Code("not_subscribed", .invalidRequest)
        // Moderation
        public static let userMuted = Code("user_muted", .forbidden)
        public static let userBanned = Code("user_banned", .forbidden)
        public static let userKicked = Code("user_kicked", .forbidden)
        public static let channelLocked = Code("channel_locked", .forbidden)
        public static let slowMode = Code("slow_mode", .rateLimited)
        public static let floodLimited = Code("flood_limited", .rateLimited)
        public static let alreadyReported = Code("already_reported", .conflict)
        public static let alreadyDecided = Code("already_decided", .conflict)
        public static let reviewItemNotFound = Code("review_item_not_found", .notFound)
        public static let deviceNotFound = Code("device_not_found", .notFound)
        // Membership
        public static let applicationNotFound = Code("application_not_found", .notFound)
        public static let tierNotFound = Code("tier_not_found", .notFound)
        public static let applicationStateConflict = Code("application_state_conflict", .conflict)
        public static let applicationIncomplete = Code("application_incomplete", .invalidRequest)
        public static let applicationsClosed = Code("applications_closed", .forbidden)
        public static let membershipInactive = Code("membership_inactive", .forbidden)
        public static let standingNotFound = Code("standing_not_found", .notFound)
        public static let standingConflict = Code("standing_conflict", .conflict)
        public static let directoryNotPublic = Code("directory_not_public", .forbidden)
        // Events
        public static let eventNotFound = Code("event_not_found", .notFound)
        public static let ticketTypeNotFound = Code("ticket_type_not_found", .notFound)
        public static let registrationNotFound = Code("registration_not_found", .notFound)
        /// The event takes no registrations: a draft, cancelled, completed or over.
        public static let eventNotOpen = Code("event_not_open", .conflict)
        /// Outside the ticket type's sales window, or retired.
        public static let ticketNotOnSale = Code("ticket_not_on_sale", .conflict)
        /// The ticket type is for members, non-members or chosen tiers only.
        public static let ticketNotEligible = Code("ticket_not_eligible", .forbidden)
        /// No seats left, and the registrant did not ask for the waitlist.
        public static let eventFull = Code("event_full", .conflict)
        public static let alreadyRegistered = Code("already_registered", .conflict)
        /// The registration is not in a status that allows this (accepting no offer, paying a cancelled one).
        public static let registrationStateConflict = Code("registration_state_conflict", .conflict)
        /// The event changed since it was read, or is not in a status that allows this.
        public static let eventStateConflict = Code("event_state_conflict", .conflict)
        /// Past the event's cancellation cut-off.
        public static let cancellationClosed = Code("cancellation_closed", .conflict)
        public static let checkInCodeInvalid = Code("check_in_code_invalid", .invalidRequest)
        /// Checked in once already; the message gives the time.
        public static let alreadyCheckedIn = Code("already_checked_in", .conflict)
        /// No such code for the event, retired, past its date, or not for the ticket type.
        public static let discountCodeInvalid = Code("discount_code_invalid", .invalidRequest)
        /// Every use of the code is taken.
        public static let discountCodeUsedUp = Code("discount_code_used_up", .conflict)
        // Billing
        public static let invoiceNotFound = Code("invoice_not_found", .notFound)
        /// The invoice is not in a status that allows this (paying a draft, voiding a paid one), or changed meanwhile.
        public static let invoiceStateConflict = Code("invoice_state_conflict", .conflict)
        /// A payment larger than what the invoice has left to pay.
        public static let paymentExceedsBalance = Code("payment_exceeds_balance", .conflict)
        /// A refund larger than what was paid and not refunded yet.
        public static let refundExceedsPayments = Code("refund_exceeds_payments", .conflict)
        /// The Idempotency-Key was first used for a different request.
        public static let idempotencyKeyReused = Code("idempotency_key_reused", .conflict)
        public static let twoFactorAlreadyEnabled = Code("two_factor_already_enabled", .conflict)
        public static let twoFactorNotEnabled = Code("two_factor_not_enabled", .conflict)
        public static let twoFactorNotEnrolled = Code("two_factor_not_enrolled", .conflict)
        /// The card was declined (the processor's `decline_code` is in the message); the invoice stays open.
        public static let cardDeclined = Code("card_declined", .paymentRequired)
        /// The payment processor is not configured here, or did not answer; nothing was charged that is not recorded.
        public static let paymentProviderUnavailable = Code("payment_provider_unavailable", .unavailable)
        public static let signInProviderUnavailable = Code("sign_in_provider_unavailable", .unavailable)
        /// A webhook whose signature is missing, wrong or outside the tolerance: refused, nothing applied.
        public static let webhookSignatureInvalid = Code("webhook_signature_invalid", .invalidRequest)
        /// The member has no card saved in the chamber.
        public static let savedCardNotFound = Code("saved_card_not_found", .notFound)
        // Webhooks out
        public static let webhookEndpointNotFound = Code("webhook_endpoint_not_found", .notFound)
        public static let webhookDeliveryNotFound = Code("webhook_delivery_not_found", .notFound)
        // Files
        public static let fileNotFound = Code("file_not_found", .notFound)
        public static let fileTooLarge = Code("file_too_large", .payloadTooLarge)
        public static let fileTypeRefused = Code("file_type_refused", .invalidRequest)
        public static let fileInfected = Code("file_infected", .invalidRequest)
        public static let fileLinkInvalid = Code("file_link_invalid", .forbidden)
        public static let fileLinkExpired = Code("file_link_expired", .forbidden)
        // Socket protocol
        public static let unknownFrameType = Code("unknown_frame_type", .invalidRequest)
        public static let unsupportedFrame = Code("unsupported_frame", .invalidRequest)
        public static let upgradeRequired = Code("upgrade_required", .upgradeRequired)
        // Operations
        public static let unavailable = Code("unavailable", .unavailable)
        /// The database gave no connection, or did not answer a statement, in time (down, restarting, unreachable).
        public static let databaseUnavailable = Code("database_unavailable", .unavailable)
        public static let internalError = Code("internal_error", .internalFailure)

        /// Every code there is.
        public static let all: [Code] = [
            malformedJSON, validationFailed, invalidEmail, weakPassword, invalidIdentifier, invalidCursor, payloadTooLarge, badRequest,
            methodNotAllowed,
            unauthenticated, invalidCredentials, tokenExpired, tokenInvalid, tokenRevoked, refreshTokenInvalid, refreshTokenReused,
            resetTokenInvalid, unsubscribeTokenInvalid, rateLimited, twoFactorCodeInvalid, twoFactorChallengeInvalid, apiKeyInvalid,
            apiKeyNotAllowed, apiKeyScopeMissing, apiKeyNotFound,
            forbidden, roleNotAssignable, platformAdminRequired, loadTestDisabled, twoFactorEnrolmentRequired,
            twoFactorAlreadyEnabled, twoFactorNotEnabled, twoFactorNotEnrolled,
            notFound, chamberNotFound, memberNotFound, nodeNotFound, userNotFound, invitationNotFound, businessNotFound, sessionNotFound,
            channelNotFound, messageNotFound,
            emailTaken, slugTaken, alreadyMember, seatsFull, seatConflict, invitationExpired, invitationEmailMismatch, lastAdmin, conflict,
            channelArchived,
            dataExportNotFound, dataExportNotReady, erasureRefused,
            signInProviderNotFound, signInStateInvalid, signInTokenInvalid, signInEmailUnverified, signInIdentityTaken, lastSignInMethod,
            signInProviderUnavailable, signInProviderRequired, signInAccountExists,
            messageTooLong, messageRejected, mentionNotAllowed, tooManyMentions, linksNotAllowed, linkNotAllowed, invalidModerationRule,
            notSubscribed,
            userMuted, userBanned, userKicked, channelLocked, slowMode, floodLimited, alreadyReported, alreadyDecided, reviewItemNotFound,
            deviceNotFound,
            applicationNotFound, tierNotFound, applicationStateConflict, applicationIncomplete, applicationsClosed, membershipInactive,
            standingNotFound, standingConflict, directoryNotPublic,
            eventNotFound, ticketTypeNotFound, registrationNotFound, eventNotOpen, ticketNotOnSale, ticketNotEligible, eventFull,
            alreadyRegistered, registrationStateConflict, eventStateConflict, cancellationClosed, checkInCodeInvalid, alreadyCheckedIn,
            discountCodeInvalid, discountCodeUsedUp,
            invoiceNotFound, invoiceStateConflict, paymentExceedsBalance, refundExceedsPayments, idempotencyKeyReused, cardDeclined,
            paymentProviderUnavailable, webhookSignatureInvalid, savedCardNotFound,
            webhookEndpointNotFound, webhookDeliveryNotFound,
            fileNotFound, fileTooLarge, fileTypeRefused, fileInfected, fileLinkInvalid, fileLinkExpired,
            unknownFrameType, unsupportedFrame, upgradeRequired,
            unavailable, databaseUnavailable, internalError,
        ]

        /// The code named `rawValue`, if the catalogue has it.
        public init?(rawValue: String) {
            guard let code = Self.all.first(where: { $0.rawValue == rawValue }) else { return nil }
            self = code
        }
    }

    public let code: Code
    public let message: String
    /// The input field at fault, when there is one (`"email"`, `"settings.timezone"`).
    public let field: String?
    /// Seconds after which a retry may succeed, for `rate_limited`.
    public let retryAfterSeconds: Int?

    public init(_ code: Code, _ message: String, field: String? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.field == rhs.field
    }
}
