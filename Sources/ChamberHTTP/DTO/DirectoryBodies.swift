/// The public directory: the chamber, and its businesses as they show themselves to the public.
struct PublicDirectoryBody: Encodable {
    struct Chamber: Encodable {
        let id: String
        let name: String
        let slug: String
    }
    let chamber: Chamber
    let items: [BusinessBody]
    let nextCursor: String?
}
