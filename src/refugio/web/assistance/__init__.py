"""Assistance pages (refugio.assistance): programmes, the cycle wizard (rules → preview → freeze),
payment plans with their approvals and reconciliation upload, and the point-of-service desk."""
