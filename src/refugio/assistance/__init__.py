"""Assistance and cash with accountability (SPEC C4): programmes and cycles, declarative entitlement
rules, frozen lists, payment plans with segregation of duties, reconciliation, tamper-evident payment
records and the point-of-service desk. See docs/decisions/0006-assistance.md.
"""
