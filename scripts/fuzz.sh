#!/usr/bin/env bash
# Fuzzes the parsers that take outside input with libFuzzer (Swift's -sanitize=fuzzer, with AddressSanitizer):
# client frames, message moderation, a chamber's moderation rules, what Redis sends a node, the SQL scoping
# rewriter and a node's configuration file (Fuzz/Targets/, checks in Fuzz/Sources/ChamberFuzzing/FuzzBodies*.swift).
#   scripts/fuzz.sh [SECONDS] [TARGET…]     default: 60 seconds each, every target
#   FUZZ_DEEP=1 scripts/fuzz.sh 600 configuration     every Swift module instrumented (below)
# Each target starts from Fuzz/corpus/<target>/ and writes what it learns to .build-fuzz/corpus/<target>/ (the
# repository's corpus stays as committed). A failing input is kept in .build-fuzz/crashes/<target>/; copy it into
# Fuzz/corpus/<target>/ once fixed, and FuzzCorpusTests replays it in every test run from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frames moderation rules redis sql configuration)

# CHAMBER_FUZZ=1 compiles our own modules with the fuzzer's coverage and ASan (Package.swift), the dependencies
# as they are. A build path of its own by default, so that a fuzz run leaves the test build alone; CI, fuzzing last,
# passes FUZZ_BUILD_PATH=.build to reuse the test build's dependencies.
# FUZZ_DEEP=1 instruments every Swift module, the dependencies too (swift-configuration's reader, NIO's buffers…), in
# .build-fuzz/: a build of about eight minutes, for longer runs; coverage then guides the fuzzer through them as well.
if [ "${FUZZ_DEEP:-0}" = 1 ]; then
    # lld: gold fails on the fuzzer runtime's symbols.
    flags=(--build-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld)
else
    export CHAMBER_FUZZ=1
    flags=(--build-path "${FUZZ_BUILD_PATH:-.build-fuzz-ours}")
fi
mkdir -p .build-fuzz
for target in "${targets[@]}"; do
    echo "==> building fuzz-$target (${SECONDS} s into the fuzzing)"
    if ! swift build "${flags[@]}" --product "fuzz-$target" >".build-fuzz/build-$target.log" 2>&1; then
        grep -E "error" ".build-fuzz/build-$target.log" | head -20
        echo "FAILED: fuzz-$target did not build (.build-fuzz/build-$target.log)"
        exit 1
    fi
done
bin="$(swift build "${flags[@]}" --show-bin-path)"
status=0
# One target on its own, its verdict in .build-fuzz/<target>.status.
fuzz() {
    local target=$1 leaks=1
    mkdir -p ".build-fuzz/corpus/$target" ".build-fuzz/crashes/$target"
    # The loader reads files through Foundation, two of whose buffers, held for the process's life, LeakSanitizer
    # reports as leaked: the same two after 60,000 loads, so no load leaks. Leaks are not checked there.
    [ "$target" = configuration ] && leaks=0
    # The Swift runtime's backtracer trips AddressSanitizer: off, so a broken check's message is what is printed.
    if SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=$leaks" "$bin/fuzz-$target" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix=".build-fuzz/crashes/$target/" ".build-fuzz/corpus/$target" \
        "Fuzz/corpus/$target" > ".build-fuzz/$target.log" 2>&1; then
        echo 0 > ".build-fuzz/$target.status"
    else
        echo 1 > ".build-fuzz/$target.status"
    fi
}
# libFuzzer runs on one core: two targets at once (FUZZ_JOBS), each for its full time.
jobs_at_once=${FUZZ_JOBS:-2}
for target in "${targets[@]}"; do rm -f ".build-fuzz/$target.status"; done
echo "==> fuzzing ${targets[*]} for ${seconds}s each, $jobs_at_once at a time (built in ${SECONDS} s)"
for target in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_at_once" ]; do wait -n || true; done
    fuzz "$target" &
done
wait
for target in "${targets[@]}"; do
    # No verdict (the job died before writing one) is a failure.
    if [ "$(cat ".build-fuzz/$target.status" 2>/dev/null)" != 0 ]; then
        echo "FAILED: fuzz-$target found an input that breaks its check (.build-fuzz/crashes/$target/):"
        grep -E "ERROR|Fatal error|precondition|==[0-9]+==|SUMMARY" ".build-fuzz/$target.log" | head -20 || true
        status=1
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" ".build-fuzz/$target.log" | sed "s/^/    $target /" || true
done
exit $status
