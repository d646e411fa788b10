import ChamberFuzzing

/// `fuzz-sql`: `FuzzBodies.sql` under libFuzzer (`scripts/fuzz.sh`), or replaying the files it is given.
@main
struct FuzzSQL {
    static func main() throws { try FuzzMain.run(FuzzBodies.sql) }
}
