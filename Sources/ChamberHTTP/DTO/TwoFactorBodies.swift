import ChamberDomain
import Foundation

/// What a login answers: the session's tokens, or the second step's challenge.
enum LoginBody: Encodable {
    case tokens(TokenBody)
    case secondFactor(TwoFactorChallengeBody)

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .tokens(let body): try body.encode(to: encoder)
        case .secondFactor(let body): try body.encode(to: encoder)
        }
    }
}

struct TwoFactorChallengeBody: Encodable {
    let twoFactorRequired = true
    let challengeToken: String
    let expiresAt: Date
    let methods = ["totp", "recovery_code"]
}

struct TwoFactorStatusBody: Encodable {
    let enabled: Bool
    let enabledAt: Date?
    let pending: Bool
    let recoveryCodesLeft: Int
    let sessionVerified: Bool

    init(_ status: TwoFactorStatus) {
        enabled = status.enabledAt != nil
        enabledAt = status.enabledAt
        pending = status.pending
        recoveryCodesLeft = status.recoveryCodesLeft
        sessionVerified = status.sessionVerified
    }
}

struct TotpEnrolmentBody: Encodable {
    let secret: String
    let provisioningUri: String
    let algorithm: String
    let digits: Int
    let period: Int64

    init(_ enrolment: TotpEnrolment) {
        secret = enrolment.secret
        provisioningUri = enrolment.provisioningURI
        algorithm = enrolment.totp.algorithm.rawValue
        digits = enrolment.totp.digits
        period = enrolment.totp.period
    }
}

struct RecoveryCodesBody: Encodable {
    let recoveryCodes: [String]
}

struct PasswordConfirmationRequest: Decodable {
    let password: String
}

struct TotpCodeRequest: Decodable {
    let code: String
}

/// A code or a recovery code, exactly one.
struct SecondFactorProofInput: Decodable {
    let code: String?
    let recoveryCode: String?

    func proof() throws(ChamberError) -> SecondFactorProof {
        switch (code, recoveryCode) {
        case (let code?, nil): return .code(code)
        case (nil, let recovery?): return .recoveryCode(recovery)
        default: throw ChamberError(.validationFailed, "send exactly one of code and recovery_code", field: "code")
        }
    }
}

struct SecondFactorLoginRequest: Decodable {
    let challengeToken: String
    let code: String?
    let recoveryCode: String?

    var proof: SecondFactorProofInput { SecondFactorProofInput(code: code, recoveryCode: recoveryCode) }
}

struct DisableTwoFactorRequest: Decodable {
    let password: String
    let code: String?
    let recoveryCode: String?

    var proof: SecondFactorProofInput { SecondFactorProofInput(code: code, recoveryCode: recoveryCode) }
}
