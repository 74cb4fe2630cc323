"""The market every component agrees on: one price per ticker and instant, the trading day's close."""
