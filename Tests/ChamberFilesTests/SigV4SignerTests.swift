import ChamberFiles
import Foundation
import Testing

/// The signer against the worked example AWS publishes for S3's header-based SigV4
/// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "GET Object").
@Suite("SigV4 signing")
struct SigV4SignerTests {
    let signer = SigV4Signer(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
    /// 24 May 2013 00:00:00 UTC, the examples' date.
    let date = Date(timeIntervalSince1970: 1_369_353_600)

    @Test("AWS's GET Object example signs to its published signature")
    func getObjectExample() {
        let headers = signer.sign(
            method: "GET", path: "/test.txt", headers: ["Host": "examplebucket.s3.amazonaws.com", "Range": "bytes=0-9"],
            payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        let authorization = headers.first { $0.0 == "Authorization" }?.1
        #expect(
            authorization
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers.first { $0.0 == "x-amz-date" }?.1 == "20130524T000000Z")
    }

    @Test(
        "URI encoding keeps only unreserved bytes, and slashes in a key's path",
        arguments: [
            ("a b", false, "a%20b"), ("a/b", false, "a%2Fb"), ("a/b", true, "a/b"), ("~-_.", false, "~-_."), ("é", false, "%C3%A9"),
        ])
    func encoding(_ text: String, _ keepSlash: Bool, _ expected: String) {
        #expect(SigV4Signer.encode(text, keepSlash: keepSlash) == expected)
    }

    @Test("another secret, region or day gives another signature")
    func signatureDependsOnEverything() {
        func signature(_ signer: SigV4Signer, _ date: Date) -> String? {
            signer.sign(method: "GET", path: "/k", headers: ["host": "h"], payloadHash: SigV4Signer.emptyPayloadHash, date: date)
                .first { $0.0 == "Authorization" }?.1
        }
        let base = signature(signer, date)
        #expect(base != signature(SigV4Signer(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "other", region: "us-east-1"), date))
        #expect(
            base
                != signature(
                    SigV4Signer(
                        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "eu-west-1"), date))
        #expect(base != signature(signer, date.addingTimeInterval(86_400)))
    }
}
