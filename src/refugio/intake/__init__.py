"""Field intake: bulk import of CSV/XLSX/Kobo/ODK exports through a staging area, the XLSForm of the
registration form, and OpenRosa submissions from ODK Collect, KoboCollect and Enketo.

Sits above refugio.registration (it registers through `registration.service`) and below the delivery
channels. Must not import fastapi, starlette, jinja2, typer or uvicorn; openpyxl is imported only in
`readers.py` and `report.py`, pyxform only in `xlsform_pyxform.py`, defusedxml only in `openrosa.py`.
"""
