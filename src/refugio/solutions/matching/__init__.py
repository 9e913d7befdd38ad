"""Matching of resettlement cases (families, never split) to localities with capacities in one or three
dimensions, hard compatibility and scores: the problem (`problem`), its CSV files (`files`), the solver
ladder (`solve`) and the HiGHS calls (`highs_solver`, the only module importing highspy).
Numpy only here; must not import web frameworks nor the database."""
