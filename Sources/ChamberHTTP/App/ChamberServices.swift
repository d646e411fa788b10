import ChamberDomain

/// The domain services the routes call, built once by the composition root.
public struct ChamberServices: Sendable {
    public let store: any Store
    public let accounts: AccountService
    public let chambers: ChamberService
    public let businesses: BusinessService

    public init(store: any Store, accounts: AccountService, chambers: ChamberService, businesses: BusinessService) {
        self.store = store
        self.accounts = accounts
        self.chambers = chambers
        self.businesses = businesses
    }
}
