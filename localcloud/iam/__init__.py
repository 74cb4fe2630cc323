"""IAM in the local cloud: what AWS would refuse, the local cloud refuses, the same way.

- Every AWS request a function makes (`caller`: the function on whose behalf this thread runs) is checked
  at botocore's one call point (`hook`) against the function's role as it is now in moto's IAM (`roles`:
  inline and attached policies, AWS-managed ones from documents pinned in `managed/`, compiled once per
  IAM version, which every IAM write bumps: `versions`). The request's actions and resources come from one
  mapping per service (`requests/`); the decision is IAM's (`evaluator`: an explicit Deny wins, else an
  Allow must match; `policy`, `patterns`, `conditions`). A refusal is the service's error (`errors`).
- A service that invokes a function (EventBridge, SNS, S3, API Gateway) needs a statement of the
  function's resource policy for its principal and source (`sources`, `permissions`, `deliveries`), and
  EventBridge or SNS sending to a dead-letter queue a statement of the queue's policy (`queue_policies`).
- `enforcement.start()` turns it on for a local cloud (`python -m localcloud --no-iam` leaves it off).
"""
