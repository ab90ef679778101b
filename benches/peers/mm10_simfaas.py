"""The nearest SimFaaS gets to M/M/10 at rho = 0.8: the same arrivals, service times and limit of 10
concurrent instances, but SimFaaS rejects a request that finds all 10 busy instead of queueing it,
so this is M/M/10/10 and is checked on its rejected share against Erlang B (there is no wait to
compare). Instances never expire and cold starts take as long as warm ones, so each instance is a
plain server. SimFaaS runs for simulated time, not a customer count: N / lambda seconds."""

import sys
import time
from importlib.metadata import version

import numpy as np
from simfaas.ServerlessSimulator import ServerlessSimulator

from mmc_common import ARRIVAL_RATE, SERVERS, SERVICE_RATE, erlang_b, report

n = int(sys.argv[1])
np.random.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
sim = ServerlessSimulator(
    arrival_rate=ARRIVAL_RATE,
    warm_service_rate=SERVICE_RATE,
    cold_service_rate=SERVICE_RATE,
    expiration_threshold=1e18,
    max_time=n / ARRIVAL_RATE,
    maximum_concurrency=SERVERS,
)
start = time.perf_counter()
sim.generate_trace(debug_print=False, progress=False)
seconds = time.perf_counter() - start
report(
    "simfaas",
    version("simfaas"),
    sim.total_req_count,
    seconds,
    rejected_share=sim.total_reject_count / sim.total_req_count,
    erlang_b=erlang_b(),
)
