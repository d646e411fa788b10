import Foundation
import Testing

@testable import ChamberDomain

@Suite("ZIP archives of stored entries")
struct ZipArchiveTests {
    @Test(
        "CRC-32 matches the published check values",
        arguments: [
            ("", 0x0000_0000), ("a", 0xE8B7_BE43), ("123456789", 0xCBF4_3926),
            ("The quick brown fox jumps over the lazy dog", 0x414F_A339),
        ] as [(String, UInt32)])
    func crc(_ text: String, _ expected: UInt32) {
        #expect(CRC32.checksum(Array(text.utf8)) == expected)
    }

    @Test("headers and the directory say where each entry is, its size and checksum, and a UTF-8 name")
    func layout() throws {
        var zip = ZipArchive(modifiedAt: Date(timeIntervalSince1970: 1_764_936_000))  // 2025-12-05T12:00:00Z
        try zip.add("index.json", Array("{}".utf8))
        try zip.add("files/Café.txt", Array("hello".utf8))
        let bytes = zip.bytes
        func le32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        func le16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
        #expect(le32(0) == 0x0403_4b50, "a local header first")
        #expect(le16(6) == 1 << 11, "names are UTF-8")
        #expect(le16(8) == 0, "stored")
        #expect(le16(12) == (45 << 9 | 12 << 5 | 5), "the date in MS-DOS form, from 1980")
        #expect(le32(14) == CRC32.checksum(Array("{}".utf8)) && le32(18) == 2 && le32(22) == 2)
        let end = bytes.count - 22
        #expect(le32(end) == 0x0605_4b50)
        #expect(le16(end + 10) == 2, "two entries")
        let directory = Int(le32(end + 16))
        #expect(le32(directory) == 0x0201_4b50)
        let second = directory + 46 + "index.json".utf8.count
        #expect(le32(second) == 0x0201_4b50 && Int(le32(second + 42)) == 30 + "index.json".utf8.count + 2, "the second entry's offset")
        #expect(Array(bytes[(second + 46)..<(second + 46 + Int(le16(second + 28)))]) == Array("files/Café.txt".utf8))
    }
}
