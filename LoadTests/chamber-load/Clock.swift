import Foundation

/// Wall-clock nanoseconds (CLOCK_REALTIME): comparable across processes on one machine, which delivery latency
/// needs (the sender and the receiver may be different workers).
func wallNanos() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
