import ChamberDomain
import Synchronization

/// This node's authenticated connections, by id, by user in a chamber, and by chamber.
///
/// It tells its owner when a user's or a chamber's first connection arrives and its last one leaves (`interest`),
/// under its lock, so whoever listens upstream (the broker) hears starts and stops in order.
final class ConnectionRegistry: Sendable {
    /// A topic this node starts (`true`) or stops (`false`) caring about.
    typealias Interest = @Sendable (BrokerMessage.Topic, Bool) -> Void

    private struct State {
        var byID: [ClientConnection.ID: ClientConnection] = [:]
        var byUser: [UserKey: Set<ClientConnection.ID>] = [:]
        var byChamber: [ChamberID: Set<ClientConnection.ID>] = [:]
    }

    private struct UserKey: Hashable {
        let chamber: ChamberID
        let user: UserID
    }

    private let state = Mutex(State())
    private let interest: Interest

    init(interest: @escaping Interest) {
        self.interest = interest
    }

    /// Adds a connection; returns how many there are now.
    @discardableResult
    func add(_ connection: ClientConnection) -> Int {
        state.withLock { state in
            state.byID[connection.id] = connection
            let key = UserKey(chamber: connection.chamberID, user: connection.userID)
            if state.byUser[key] == nil { interest(.user(connection.chamberID, connection.userID), true) }
            state.byUser[key, default: []].insert(connection.id)
            if state.byChamber[connection.chamberID] == nil { interest(.chamber(connection.chamberID), true) }
            state.byChamber[connection.chamberID, default: []].insert(connection.id)
            return state.byID.count
        }
    }

    /// Removes a connection; returns how many are left, or nil when it was not registered (removed already).
    func remove(_ connection: ClientConnection) -> Int? {
        state.withLock { state in
            guard state.byID.removeValue(forKey: connection.id) != nil else { return nil }
            let key = UserKey(chamber: connection.chamberID, user: connection.userID)
            state.byUser[key]?.remove(connection.id)
            if state.byUser[key]?.isEmpty == true {
                state.byUser[key] = nil
                interest(.user(connection.chamberID, connection.userID), false)
            }
            state.byChamber[connection.chamberID]?.remove(connection.id)
            if state.byChamber[connection.chamberID]?.isEmpty == true {
                state.byChamber[connection.chamberID] = nil
                interest(.chamber(connection.chamberID), false)
            }
            return state.byID.count
        }
    }

    var count: Int { state.withLock { $0.byID.count } }

    var all: [ClientConnection] { state.withLock { Array($0.byID.values) } }

    func connections(ofUser user: UserID, in chamber: ChamberID) -> [ClientConnection] {
        state.withLock { state in (state.byUser[UserKey(chamber: chamber, user: user)] ?? []).compactMap { state.byID[$0] } }
    }

    func connections(in chamber: ChamberID) -> [ClientConnection] {
        state.withLock { state in (state.byChamber[chamber] ?? []).compactMap { state.byID[$0] } }
    }
}
