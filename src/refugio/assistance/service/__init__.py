"""Assistance writes, one module per part: programmes (programmes, cycles, rules), lists (preview and
freeze), plans (payment plans, approvals, export), reconcile (provider reports), seal (HMAC chain and
verify), desk (collections). Every function takes keyword-only arguments, flushes and never commits.
"""
