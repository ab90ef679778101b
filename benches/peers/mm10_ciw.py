"""M/M/10 at rho = 0.8 in Ciw: N customers through one 10-server node; mean wait against Erlang C."""

import sys
import time

import ciw

from mmc_common import ARRIVAL_RATE, SERVERS, SERVICE_RATE, erlang_c_wq, report

n = int(sys.argv[1])
ciw.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
network = ciw.create_network(
    arrival_distributions=[ciw.dists.Exponential(rate=ARRIVAL_RATE)],
    service_distributions=[ciw.dists.Exponential(rate=SERVICE_RATE)],
    number_of_servers=[SERVERS],
)
start = time.perf_counter()
sim = ciw.Simulation(network)
sim.simulate_until_max_customers(n, method="Complete")
seconds = time.perf_counter() - start
waits = [r.waiting_time for r in sim.get_all_records()]
report(
    "ciw",
    ciw.__version__,
    len(waits),
    seconds,
    mean_wait_s=sum(waits) / len(waits),
    erlang_c_wq_s=erlang_c_wq(),
)
