import ChamberFuzzing

/// `fuzz-configuration`: `FuzzBodies.configuration` under libFuzzer (`scripts/fuzz.sh`), or replaying the files it is given.
@main
struct FuzzConfiguration {
    static func main() throws { try FuzzMain.run(FuzzBodies.configuration) }
}

#if FUZZING
    /// libFuzzer's own entry, for when its `main` is the one linked.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        FuzzBodies.configuration(UnsafeBufferPointer(start: data, count: size))
        return 0
    }
#endif
