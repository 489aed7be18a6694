#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the parsers of outside text: JSON, server-sent
# events, the OpenAI, Anthropic and Gemini stream readers, agent files, A2A requests. Each target runs for
# ALOFT_FUZZ_SECONDS (default 60) from the hand-written seeds in Fuzz/Seeds/<target> and the
# corpus in Fuzz/Corpus/<target>; inputs that reach new code are added to the corpus, which
# is then minimized (commit it: the test suite replays seeds and corpus), and a crash stops
# the script with the input that caused it in .build-fuzz/artifacts/.
# Usage: scripts/fuzz.sh [target…]   (targets: json sse openai-stream anthropic-stream gemini-stream agent-file a2a-request mcp-message)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${ALOFT_FUZZ_SECONDS:-60}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json sse openai-stream anthropic-stream gemini-stream agent-file a2a-request mcp-message)
scratch=.build-fuzz
echo "building aloft-fuzz with libFuzzer (a separate build in $scratch; the first takes several minutes)…" >&2
swift build --scratch-path "$scratch" --product aloft-fuzz --sanitize=fuzzer -Xswiftc -DALOFT_FUZZING 2>&1 \
  | grep -E "error|warning: |Build complete" | grep -v "unhandled; explicitly declare" >&2 || true
binary="$scratch/debug/aloft-fuzz"
[ -x "$binary" ] || { echo "error: the fuzz build failed; run the swift build line of $0 to see why" >&2; exit 1; }
mkdir -p "$scratch/artifacts"
for target in "${targets[@]}"; do
  corpus="Fuzz/Corpus/$target"
  seeds="Fuzz/Seeds/$target"
  [ -d "$seeds" ] || { echo "error: no seed folder $seeds" >&2; exit 2; }
  mkdir -p "$corpus"
  echo "fuzzing $target for ${seconds}s (seeds: $(ls "$seeds" | wc -l), corpus: $(ls "$corpus" | wc -l) inputs)…" >&2
  if ! ALOFT_FUZZ_TARGET="$target" "$binary" "$corpus" "$seeds" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$scratch/artifacts/$target-" -print_final_stats=1 > "$scratch/$target.log" 2>&1; then
    echo "error: fuzzing $target found a crash; the input is in $scratch/artifacts/ (replay: swift run aloft-fuzz $target FILE)" >&2
    tail -40 "$scratch/$target.log" >&2
    exit 1
  fi
  grep -E "DONE" "$scratch/$target.log" | tail -1 >&2 || true
  # Keep the corpus small: only inputs that add coverage stay (libFuzzer's merge).
  merged="$scratch/merged-$target"
  rm -rf "$merged" && mkdir -p "$merged"
  ALOFT_FUZZ_TARGET="$target" "$binary" -merge=1 "$merged" "$corpus" > "$scratch/$target-merge.log" 2>&1 \
    && find "$corpus" -type f -delete && find "$merged" -type f -exec cp {} "$corpus"/ \;
done
echo "fuzzing: no crashes in ${#targets[@]} target(s)" >&2
