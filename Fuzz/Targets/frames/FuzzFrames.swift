import ChamberFuzzing

/// `fuzz-frames`: `FuzzBodies.frames` under libFuzzer (`scripts/fuzz.sh`), or replaying the files it is given.
@main
struct FuzzFrames {
    static func main() throws { try FuzzMain.run(FuzzBodies.frames) }
}
