#!/usr/bin/env bash
# Times agentcost against ciw, SimPy and SimFaaS on the same M/M/10 work (rho = 0.8), in one sitting.
# Usage: benches/peers/run.sh [CUSTOMERS] [ROUNDS]   (defaults: 1,000,000 and 3)
# Installs the peers into target/peers-venv (inside the repository; delete it to start afresh),
# builds agentcost in release mode, then runs every side ROUNDS times, interleaved.
set -euo pipefail

n="${1:-1000000}"
rounds="${2:-3}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/target/peers-venv"
python="${PYTHON:-python3}"
# Keep the source tree clean of __pycache__.
export PYTHONDONTWRITEBYTECODE=1

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
# The versions measured in the README, so that a rerun compares like with like.
"$venv/bin/pip" install --quiet --disable-pip-version-check ciw==3.2.7 simpy==4.1.2
# SimFaaS is checked on its own so that a failure to install says so instead of stopping the rest.
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check simfaas==0.2.2; then
  echo "simfaas did not install on $("$venv/bin/python" --version); leave it out of the table" >&2
  exit 1
fi
"$venv/bin/pip" freeze --disable-pip-version-check | grep -iE '^(ciw|simpy|simfaas|numpy)==' >&2

# The same binary `cargo run --release --` runs; timed directly so cargo's freshness check is not
# counted against it.
(cd "$repo" && cargo build --release --quiet)
echo "machine: $(nproc) cores, $(uname -sr)" >&2
cd "$here"
"$venv/bin/python" compare.py "$repo/target/release/agentcost" "$n" "$rounds"
