import ChamberFuzzing

/// `fuzz-rules`: `FuzzBodies.rules` under libFuzzer (`scripts/fuzz.sh`), or replaying the files it is given.
@main
struct FuzzRules {
    static func main() throws { try FuzzMain.run(FuzzBodies.rules) }
}

#if FUZZING
    /// libFuzzer's own entry, for when its `main` is the one linked.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        FuzzBodies.rules(UnsafeBufferPointer(start: data, count: size))
        return 0
    }
#endif
