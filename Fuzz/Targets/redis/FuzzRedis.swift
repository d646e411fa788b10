import ChamberFuzzing

/// `fuzz-redis`: `FuzzBodies.redis` under libFuzzer (`scripts/fuzz.sh`), or replaying the files it is given.
@main
struct FuzzRedis {
    static func main() throws { try FuzzMain.run(FuzzBodies.redis) }
}

#if FUZZING
    /// libFuzzer's own entry, for when its `main` is the one linked.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        FuzzBodies.redis(UnsafeBufferPointer(start: data, count: size))
        return 0
    }
#endif
