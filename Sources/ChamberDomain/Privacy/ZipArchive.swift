import Foundation

/// A ZIP archive (PKWARE APPNOTE 6.3) of stored, uncompressed entries: what a member's data export is delivered as.
///
/// Stored rather than deflated keeps the writer small and exact; the contents are JSON, a few megabytes at most, and
/// every unzip tool reads stored entries. Names are UTF-8 (general-purpose flag bit 11). Entries are limited to the
/// 32-bit format: an archive that would pass 4 GiB is refused rather than written wrongly.
public struct ZipArchive: Sendable {
    private var body: [UInt8] = []
    private var directory: [UInt8] = []
    private var count = 0
    private let modified: (time: UInt16, date: UInt16)

    /// An empty archive whose entries all carry `modifiedAt` (read as UTC; ZIP keeps no time zone).
    public init(modifiedAt: Date) {
        let calendar = Calendar(identifier: .gregorian)
        var utc = calendar
        utc.timeZone = TimeZone(identifier: "UTC")!
        let parts = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: modifiedAt)
        // MS-DOS dates start in 1980.
        let year = max(0, (parts.year ?? 1980) - 1980)
        modified = (
            time: UInt16(((parts.hour ?? 0) << 11) | ((parts.minute ?? 0) << 5) | ((parts.second ?? 0) / 2)),
            date: UInt16((year << 9) | ((parts.month ?? 1) << 5) | (parts.day ?? 1))
        )
    }

    /// Adds a file. - Throws: `validation_failed` when the archive would pass the 32-bit format's limits.
    public mutating func add(_ name: String, _ bytes: [UInt8]) throws(ChamberError) {
        let nameBytes = Array(name.utf8)
        guard body.count + bytes.count + nameBytes.count + 30 < Int(UInt32.max), count < Int(UInt16.max), nameBytes.count < Int(UInt16.max)
        else { throw ChamberError(.validationFailed, "the archive is too large") }
        let crc = CRC32.checksum(bytes)
        let offset = UInt32(body.count)
        // Local file header.
        body.append(le32: 0x0403_4b50)
        appendCommon(to: &body, nameLength: nameBytes.count, crc: crc, size: bytes.count)
        body.append(contentsOf: nameBytes)
        body.append(contentsOf: bytes)
        // Central directory header.
        directory.append(le32: 0x0201_4b50)
        directory.append(le16: 20)  // made by: MS-DOS attributes, version 2.0
        appendCommon(to: &directory, nameLength: nameBytes.count, crc: crc, size: bytes.count)
        directory.append(le16: 0)  // comment length
        directory.append(le16: 0)  // disk number
        directory.append(le16: 0)  // internal attributes
        directory.append(le32: 0)  // external attributes
        directory.append(le32: offset)
        directory.append(contentsOf: nameBytes)
        count += 1
    }

    /// The archive's bytes: the entries, their central directory and its end record.
    public var bytes: [UInt8] {
        var out = body
        out.append(contentsOf: directory)
        out.append(le32: 0x0605_4b50)
        out.append(le16: 0)  // this disk
        out.append(le16: 0)  // the directory's disk
        out.append(le16: UInt16(count))
        out.append(le16: UInt16(count))
        out.append(le32: UInt32(directory.count))
        out.append(le32: UInt32(body.count))
        out.append(le16: 0)  // comment length
        return out
    }

    /// The fields local and central headers share, from "version needed" to "extra field length".
    private func appendCommon(to out: inout [UInt8], nameLength: Int, crc: UInt32, size: Int) {
        out.append(le16: 20)  // version needed: 2.0
        out.append(le16: 1 << 11)  // names are UTF-8
        out.append(le16: 0)  // stored
        out.append(le16: modified.time)
        out.append(le16: modified.date)
        out.append(le32: crc)
        out.append(le32: UInt32(size))  // compressed size
        out.append(le32: UInt32(size))  // uncompressed size
        out.append(le16: UInt16(nameLength))
        out.append(le16: 0)  // extra field length
    }
}

/// CRC-32 as ZIP, gzip and PNG use it (the IEEE 802.3 polynomial, reflected).
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension [UInt8] {
    fileprivate mutating func append(le16 value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    fileprivate mutating func append(le32 value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
