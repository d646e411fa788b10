import ChamberFuzzing

/// `fuzz-configuration`: `FuzzBodies.configuration` under libFuzzer (`scripts/fuzz.sh`), or replaying the files it is given.
@main
struct FuzzConfiguration {
    static func main() throws { try FuzzMain.run(FuzzBodies.configuration) }
}
