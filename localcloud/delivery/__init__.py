"""DynamoDB stream → Lambda event source mappings, delivered as Lambda's stream poller does.

Interface:

    delivery = Delivery(runtime)                       # localcloud.delivery.streams
    delivery.add_stream_mapping(uuid=..., stream_arn=..., function=..., batch_size=100, filters=[...],
                                bisect_on_error=False, report_batch_item_failures=False, max_retries=-1,
                                on_failure_arn=None, starting_position="LATEST")

Modules, one job each:
- `streams`: `Delivery` and one poller per mapping: reading, batching, retries, bisection, partial
  batch responses, idle tracking;
- `filters`: the mappings' filter criteria, compiled to matchers;
- `stream_records`: the records Lambda delivers and the failure records it sends to a destination.
"""
