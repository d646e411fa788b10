import ChamberFuzzing

/// `fuzz-rules`: `FuzzBodies.rules` under libFuzzer (`scripts/fuzz.sh`), or replaying the files it is given.
@main
struct FuzzRules {
    static func main() throws { try FuzzMain.run(FuzzBodies.rules) }
}
