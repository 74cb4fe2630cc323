"""Building blocks every subsystem uses: our Lambda defaults, REST API defaults, data tables and buckets,
dead-letter queues, cdk-nag."""
