"""Customers: the record and its defaults, deploy-time seeding, and the funds raiser's top-ups."""
