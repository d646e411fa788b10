import Foundation

#if FUZZING
    import CLibFuzzer
#endif

/// The entry of a fuzz target. Built by `scripts/fuzz.sh` (`CHAMBER_FUZZ=1`: `-sanitize=fuzzer,address`, `FUZZING`) it hands the
/// command line to libFuzzer's driver; built as usual it replays the files (or folders) it is given.
public enum FuzzMain {
    public static func run(_ body: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Void) throws {
        #if FUZZING
            // The driver takes a C function, which cannot capture: the body waits in a global for it.
            target = body
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
                FuzzMain.target?(UnsafeBufferPointer(start: data, count: size))
                return 0
            }
            exit(status)
        #else
            try FuzzReplay.run(body, files: CommandLine.arguments.dropFirst())
        #endif
    }

    #if FUZZING
        nonisolated(unsafe) static var target: (@Sendable (UnsafeBufferPointer<UInt8>) -> Void)?
    #endif
}

#if FUZZING
    /// libFuzzer's entry, which its runtime references (its own `main` would call it): the body `run` was given. Once
    /// here rather than in each target, whose `main` is `run`'s.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        FuzzMain.target?(UnsafeBufferPointer(start: data, count: size))
        return 0
    }
#endif
