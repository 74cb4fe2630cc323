"""Building blocks every subsystem uses: our Lambda defaults, REST API defaults, dead-letter queues, cdk-nag."""
