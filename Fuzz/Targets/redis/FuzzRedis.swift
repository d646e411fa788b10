import ChamberFuzzing

/// `fuzz-redis`: `FuzzBodies.redis` under libFuzzer (`scripts/fuzz.sh`), or replaying the files it is given.
@main
struct FuzzRedis {
    static func main() throws { try FuzzMain.run(FuzzBodies.redis) }
}
