"""Statistics, disclosure control and open data (SPEC C6).

Owns: sex- and age-disaggregated figures from registrations (stocks and flows), the aggregate population
statistics in UNHCR's published shape (import, validation, the standard global tables), disclosure control
on everything that leaves the system, HXL tagging, and the charts, spreadsheets and factsheets built from
them.

Reads registration only (its models and `queries.scope_clause`), and protection's caseload counts
(`protection.queries.caseload_counts`, published by `caseload`); never writes either. Imports refugio.core,
refugio.store, refugio.security and refugio.registration; never web frameworks, the CLI toolkit or a
delivery channel. Heavy libraries live in one module each and are imported lazily: DuckDB and NumPy in
`duckdb_engine`, matplotlib in `charts`, fpdf2 in `factsheet`, libhxl in `hxl`, openpyxl in `xlsx`.
"""
