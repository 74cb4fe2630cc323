"""`make soak`: a steady load on the local cloud for minutes, its throughput, latency and memory over time.

`soak.load` drives a local cloud over loopback HTTP with workload W (`bench.workload`, set up by
`bench.runner.Bench` as `make bench` sets it up), `soak.sampling` reads the process's memory and moto's stores,
`soak.verdict` judges whether memory grows without bound, `soak.report` prints it all.
"""
