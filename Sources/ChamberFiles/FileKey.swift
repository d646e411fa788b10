/// What a key may look like in either store: the server's own ids and slashes, nothing a path could escape with.
enum FileKey {
    struct Invalid: Error, CustomStringConvertible {
        let key: String
        var description: String { "'\(key.prefix(80))' is not a file key of ours" }
    }

    static func check(_ key: String) throws {
        let allowed = key.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/")
        }
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, key.utf8.count <= 512, allowed, !segments.contains(where: \.isEmpty) else { throw Invalid(key: key) }
    }
}
