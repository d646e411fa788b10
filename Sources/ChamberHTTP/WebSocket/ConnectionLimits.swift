import NIOConcurrencyHelpers
import NIOCore

/// What one TCP connection may cost a node before it has proved itself: how long it may stay quiet, how long it may
/// take over its first request's head, and how many connections one address may hold.
///
/// A file descriptor is the scarce thing (a process holds at most 20,000 here): without these, one address that
/// opens connections and sends nothing, or a header line every few seconds, holds them all.
public struct ConnectionLimits: Sendable {
    /// An HTTP connection with no request this long is closed (upgraded sockets keep their own pings).
    public var idleTimeout: TimeAmount?
    /// A connection whose first request head (a REST call or an upgrade) is not complete this long after it opened is
    /// closed.
    public var requestHeadTimeout: TimeAmount
    /// Connections one IP address (an IPv6 /64) may hold at once; 0: any number. A connection over the limit is closed
    /// at once.
    public var perAddress: Int
    /// Proxies whose connections are not counted: each carries many clients' requests (the proxy bounds those).
    public var trustedProxies: TrustedProxies

    public init(
        idleTimeout: TimeAmount? = .seconds(30), requestHeadTimeout: TimeAmount = .seconds(10), perAddress: Int = 2_000,
        trustedProxies: TrustedProxies = .none
    ) {
        self.idleTimeout = idleTimeout
        self.requestHeadTimeout = requestHeadTimeout
        self.perAddress = perAddress
        self.trustedProxies = trustedProxies
    }
}

/// Counts each address's open connections, for ``ConnectionLimits/perAddress``.
final class ConnectionsPerAddress: Sendable {
    private let limit: Int
    private let trusted: TrustedProxies
    private let open = NIOLockedValueBox<[String: Int]>([:])

    init(limit: Int, trusted: TrustedProxies) {
        self.limit = limit
        self.trusted = trusted
    }

    /// Counts the connection in, or refuses it (false) when its address holds the limit already. An admitted
    /// connection is counted out when it closes.
    func admit(_ channel: any Channel) -> Bool {
        guard limit > 0, let peer = channel.remoteAddress, !trusted.contains(peer), let address = AddressBlock.key(peer) else { return true }
        let admitted = open.withLockedValue { counts in
            let count = counts[address, default: 0]
            guard count < limit else { return false }
            counts[address] = count + 1
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { _ in
                self.open.withLockedValue { counts in
                    let left = counts[address, default: 1] - 1
                    counts[address] = left > 0 ? left : nil
                }
            }
        }
        return admitted
    }
}
