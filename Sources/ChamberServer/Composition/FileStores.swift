import ChamberDomain
import ChamberFiles
import Foundation
import Logging

/// The file store the configuration names: the local folder, or an S3-compatible bucket.
enum FileStores {
    static func make(_ configuration: ServerConfiguration, logger: Logger) throws -> any FileStore {
        switch configuration.fileStore {
        case .local:
            let store = try LocalFileStore(root: configuration.filesLocalPath)
            logger.info("files are kept on the local file system", metadata: ["path": "\(store.root.path)"])
            return store
        case .s3:
            guard let endpoint = configuration.s3Endpoint, let bucket = configuration.s3Bucket, let keyID = configuration.s3AccessKeyID,
                let secretFile = configuration.s3SecretAccessKeyFile
            else { throw ConfigurationError(key: "files.store", "s3 needs files.s3.endpoint, bucket, access_key_id and secret_access_key_file") }
            guard
                let secret = FileManager.default.contents(atPath: secretFile).flatMap({ String(data: $0, encoding: .utf8) })?
                    .trimmingCharacters(in: .whitespacesAndNewlines), !secret.isEmpty
            else { throw ConfigurationError(key: "files.s3.secret_access_key_file", "'\(secretFile)' holds no secret key") }
            logger.info("files are kept in an S3-compatible object store", metadata: ["endpoint": "\(endpoint)", "bucket": "\(bucket)"])
            return S3FileStore(
                location: S3Location(endpoint: endpoint, bucket: bucket, region: configuration.s3Region, pathStyle: configuration.s3PathStyle),
                accessKeyID: keyID, secretAccessKey: secret)
        }
    }
}
