"""Market data (docs/architecture.md §3, docs/market-data.md): quote summaries and daily history, their
providers, the MarketData table, the raw archive, and the router's requests for stale tickers."""
