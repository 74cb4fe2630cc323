"""Post-trade (docs/architecture.md §2): settling trades into TradesStore and S3, and the storage
analyzer that reconciles each settled batch with the table."""
