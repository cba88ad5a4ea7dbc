#!/bin/sh
# Runs one fuzz target for a bounded time: Fuzz/run.sh TARGET SECONDS [libFuzzer options…]
# TARGET is frame-decoder, cyton, edf or csv (the parsers), or replay-capture, replay-edf or replay-csv (the whole
# pipeline: one binary, fuzz-replay, with each format's seeds and dictionary). New interesting inputs accumulate in
# .build-fuzz/corpus/TARGET (kept between runs); seeds come from .build-fuzz/seeds/TARGET (Fuzz/seeds.py). A crash,
# an invariant broken, a memory error, an input over the memory limits or slower than the timeout stops the run,
# saves the input as .build-fuzz/artifacts/TARGET/crash-* (or oom-*, timeout-*, slow-unit-*), and exits non-zero.
# The last line printed is the figure for docs/reliability.md.
set -eu
cd "$(dirname "$0")/.."
target=$1; seconds=$2; shift 2
# Memory: libFuzzer stops at a process of 2 GiB (ASan's shadow and quarantine included) and, for the pipeline,
# at any single allocation of 256 MiB, whatever the input says (a length, a rate, a gap) within its 1 MiB.
limits="-rss_limit_mb=2048"
case $target in
    frame-decoder) maxlen=8192; bin=fuzz-$target ;;
    cyton) maxlen=8192; bin=fuzz-$target ;;
    edf) maxlen=65536; bin=fuzz-$target ;;
    csv) maxlen=16384; bin=fuzz-$target ;;
    replay-capture|replay-edf|replay-csv) maxlen=1048576; bin=fuzz-replay; limits="$limits -malloc_limit_mb=256" ;;
    *) echo "unknown fuzz target $target (frame-decoder, cyton, edf, csv, replay-capture, replay-edf, replay-csv)" >&2
       exit 64 ;;
esac
bin=.build-fuzz/release/$bin
[ -x "$bin" ] || { echo "$bin is missing: run make fuzz-build" >&2; exit 1; }
mkdir -p .build-fuzz/corpus/$target .build-fuzz/artifacts/$target .build-fuzz/seeds/$target
log=.build-fuzz/$target.log
# Swift's runtime keeps metadata caches for the life of the process: not leaks worth reporting.
# Swift's own crash backtracer would read memory under ASan and can hang after a crash: libFuzzer reports instead.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}"
status=0
# Output goes to a file, not a pipe, and `timeout` bounds the run even if a crash handler hangs.
timeout -k 10 $((seconds + 120)) "$bin" -max_total_time="$seconds" -max_len=$maxlen -timeout=10 $limits \
    $( [ -f Fuzz/$target.dict ] && echo -dict=Fuzz/$target.dict ) -print_final_stats=1 -artifact_prefix=.build-fuzz/artifacts/$target/ "$@" \
    .build-fuzz/corpus/$target .build-fuzz/seeds/$target >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
corpus=$(ls .build-fuzz/corpus/$target | wc -l)
if [ $status -ne 0 ]; then
    grep -E "fuzz invariant|ERROR|Fatal error|SUMMARY|Test unit written|crash-|deadly signal|out-of-memory|timeout" "$log" | head -20 >&2
    echo "$(date -u +%Y-%m-%dT%H:%MZ) fuzz $target: CRASH after ${runs:-?} executions" >> .build-fuzz/figures.txt
    echo "fuzz $target: FAILED (exit $status) after ${runs:-?} executions; the input is in .build-fuzz/artifacts/$target/, the log in $log" >&2
    exit 1
fi
line="fuzz $target: ${runs:-?} executions in ${seconds} s (${speed:-?}/s), 0 crashes, corpus $corpus inputs"
echo "$line"
echo "$(date -u +%Y-%m-%dT%H:%MZ) $line" >> .build-fuzz/figures.txt
