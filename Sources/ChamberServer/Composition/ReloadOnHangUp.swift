import ChamberHTTP
import Dispatch
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the node's TLS certificate and key again when the process gets SIGHUP (what certbot's deploy hook or
/// `systemctl reload` sends), so a renewed certificate is served without a restart. A reload that fails is logged and
/// the pair in use stays.
final class ReloadOnHangUp {
    private let source: any DispatchSourceSignal

    init(tls: ServerTLS, logger: Logger) {
        // The default action of SIGHUP ends the process: it is ignored, and heard through the source instead.
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler {
            do {
                try tls.reload()
                logger.info("TLS certificate reloaded", metadata: ["file": "\(tls.certificateFile)"])
            } catch {
                logger.error("TLS certificate not reloaded: the one in use stays", metadata: ["error": "\(error)"])
            }
        }
        source.resume()
        self.source = source
    }

    func cancel() {
        source.cancel()
    }
}
