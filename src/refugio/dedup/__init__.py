"""Deduplication and identity resolution (SPEC C2).

Owns: name preparation across scripts and spellings (`names`), the linkage interface (`engine`) and
its Splink implementation (the `splink_engine` package, the only place importing splink), the index of
registered people (`index`), the standalone CSV linkage (`link`), the review queue, merges and
models (`models`, `service`, `queries`, `policy`).

May import refugio.registration (models, queries, enums), security, store and core; never a web
framework or the CLI toolkit, and registration never imports this package.
"""
