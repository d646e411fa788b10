import ChamberFuzzing

/// `fuzz-moderation`: `FuzzBodies.moderation` under libFuzzer (`scripts/fuzz.sh`), or replaying the files it is given.
@main
struct FuzzModeration {
    static func main() throws { try FuzzMain.run(FuzzBodies.moderation) }
}
