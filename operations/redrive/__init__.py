"""`make redrive` (`python -m operations.redrive`): what waits in a stage's dead-letter and on-failure queues,
replayed to where it came from (docs/architecture.md §11, README "Finish what was parked").

- `stage`: the stage, its region and (the local cloud) its AWS endpoint, read from an outputs file;
- `discovery`: the stage's queues and what sends to each (rule targets, subscriptions, asynchronous
  invocation destinations, stream mappings);
- `parked`: what a queued message is (a rule's event, an SNS message, an asynchronous invocation record, a
  stream batch's failure record), parsed from its body and attributes;
- one replayer per kind: `rule_events`, `sns_messages`, `async_failures`, `stream_batches` (with
  `stream_filters`), over `invoke` (a synchronous invocation and its outcome);
- `drain`: one queue's messages, each replayed then deleted, or made visible again if it still fails;
- `report`: what is printed.
"""
