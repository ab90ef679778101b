#!/usr/bin/env bash
# Instruction-count profiles (callgrind) of one replication of three shapes, one thread:
#   mm10    benches/peers/mm10.toml: the trivial M/M/c shape, overhead per document dominates
#   kyc     workloads/kyc-independent.toml at 10M documents a month: draws dominate
#   events  the same plus max_tokens = 4000 and Bedrock quotas far above demand: every LLM call
#           an event (the same edits as benches/capacity.rs makes)
# Usage: benches/peers/profile.sh [DOCUMENTS] (default 200,000). Writes target/profiles/*.
# Needs valgrind (callgrind_annotate comes with it). The release profile keeps line tables.
set -euo pipefail

docs="${1:-200000}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$repo/target/profiles"
mkdir -p "$out"
cd "$repo"
cargo build --release --quiet

cp benches/peers/mm10.toml "$out/mm10.toml"
sed 's/documents_per_month = 500_000/documents_per_month = 10_000_000/' \
  workloads/kyc-independent.toml > "$out/kyc.toml"
grep -q 'documents_per_month = 10_000_000' "$out/kyc.toml"
sed -e 's/^\[batching\]/max_tokens = 4_000\n\n[batching]/' \
  -e 's/^\[lambda\]/[quotas]\nbedrock_tpm = 1e10\nbedrock_rpm = 1e10\n\n[lambda]/' \
  "$out/kyc.toml" > "$out/events.toml"
grep -q 'bedrock_tpm = 1e10' "$out/events.toml"

for shape in mm10 kyc events; do
  RAYON_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file="$out/$shape.callgrind" \
    target/release/agentcost simulate "$out/$shape.toml" --replications 1 \
    --documents "$docs" --format json > "$out/$shape.json" 2> "$out/$shape.valgrind.log"
  callgrind_annotate --auto=no --threshold=100 --inclusive=no "$out/$shape.callgrind" \
    > "$out/$shape.self.txt"
  python3 benches/peers/profile_groups.py "$shape" "$out/$shape.self.txt" "$docs"
done
