"""Indicators from data (writes): the World Bank population, GDP and unemployment files, and the
indicators derived from the UNHCR tables refugio already holds (read through refugio.stats.queries):
asylum applications per million inhabitants over a window of years, refugees hosted per 1,000
inhabitants and per US$ 1 bn of GDP.

Every value carries its provenance (source, year, retrieval, transformation). Missing values are
reported, never stored as zero. Country codes are reconciled: World Bank codes that are not ISO 3166-1
countries (regional and income aggregates such as WLD, EUU) are skipped and listed; UNHCR codes are
mapped to ISO3 through the UNHCR country list and those without an ISO3 (or with no World Bank
population) are listed. Re-importing a file replaces the values of the indicators and years it holds.
Functions flush, never commit. Imports SQLAlchemy, refugio.stats.queries, registration.reference,
security and core.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections import defaultdict
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from refugio.core.errors import ValidationFailed
from refugio.registration.reference import countries as iso_countries
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.sharing import policy
from refugio.sharing.enums import Indicator
from refugio.sharing.models import SharingIndicatorImport, SharingIndicatorValue
from refugio.sharing.schemas import ImportReport
from refugio.stats import queries as stats_queries

WB_SOURCES = {
    "population": (Indicator.POPULATION, "World Bank WDI SP.POP.TOTL (datasets/population)"),
    "gdp": (Indicator.GDP, "World Bank WDI NY.GDP.MKTP.CD, current US$ (datasets/gdp)"),
    "unemployment": (
        Indicator.UNEMPLOYMENT_RATE,
        "World Bank WDI SL.UEM.TOTL.ZS, ILO modelled estimate (iom/gdidata wdi)",
    ),
}
UNHCR_SOURCE = "UNHCR Refugee Data Finder, imported with `refugio stats import`"


def _text(data: bytes, name: str) -> str:
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed.single(name, "the file is not UTF-8 text", "encoding") from None


def detect(header: list[str], name: str) -> str:
    if header[:4] == ["Country Name", "Country Code", "Year", "Value"]:
        for key in ("population", "gdp"):
            if key in name.lower():
                return key
        raise ValidationFailed.single(
            name, "a World Bank Country/Year/Value file named population… or gdp…", "unknown_file"
        )
    if header[:4] == ["geo", "var", "t", "v"]:
        return "unemployment"
    raise ValidationFailed.single(
        name,
        "not a World Bank file: expected 'Country Name,Country Code,Year,Value' or 'geo,var,t,v'",
        "unknown_file",
    )


def _wb_rows(text: str, kind: str, report: ImportReport) -> list[tuple[str, int, float]]:
    known = iso_countries()
    reader = csv.reader(io.StringIO(text))
    next(reader)
    out: list[tuple[str, int, float]] = []
    for line, row in enumerate(reader, start=2):
        report.rows_read += 1
        if kind == "unemployment":
            code, var, year_text, value_text = ([*row, "", "", "", ""])[:4]
            name = code
            if var != "unem":
                continue
        else:
            name, code, year_text, value_text = ([*row, "", "", "", ""])[:4]
        code = code.strip().upper()
        if code not in known:
            report.skipped_codes.setdefault(code, name or code)
            continue
        try:
            year = int(year_text)
        except ValueError:
            raise ValidationFailed.single(
                f"{report.file_name}:{line}", f"line {line}: year {year_text!r} is not a year"
            ) from None
        if value_text.strip() == "":
            report.missing.append(f"{code} {year}: no value")
            continue
        try:
            value = float(value_text)
        except ValueError:
            raise ValidationFailed.single(
                f"{report.file_name}:{line}", f"line {line}: {value_text!r} is not a number"
            ) from None
        if value < 0:
            raise ValidationFailed.single(f"{report.file_name}:{line}", f"line {line}: negative value")
        out.append((code, year, value))
    return out


def _save_values(
    session: Session,
    *,
    indicator: str,
    values: list[tuple[str, int, float]],
    source: str,
    retrieved: str,
    transformation: str,
    report: ImportReport,
    actor: Principal,
    sha256: str = "",
) -> SharingIndicatorImport:
    years = sorted({y for _c, y, _v in values})
    if years:
        report.years = (years[0], years[-1])
        session.execute(
            delete(SharingIndicatorValue).where(
                SharingIndicatorValue.indicator == indicator, SharingIndicatorValue.year.in_(years)
            )
        )
    log = SharingIndicatorImport(
        source=report.source,
        file_name=report.file_name[:300],
        sha256=sha256,
        rows_read=report.rows_read,
        rows_loaded=len(values),
        report=report.as_dict(),
        imported_by=actor.username,
    )
    session.add(log)
    session.flush()
    session.add_all(
        SharingIndicatorValue(
            indicator=indicator,
            country=c,
            year=y,
            value=v,
            source=source[:200],
            retrieved=retrieved[:200],
            transformation=transformation[:300],
            import_id=log.id,
        )
        for c, y, v in values
    )
    report.rows_loaded = len(values)
    session.flush()
    return log


def import_worldbank(session: Session, *, data: bytes, file_name: str, actor: Principal) -> ImportReport:
    """Import one World Bank file (population.csv, gdp.csv, unemployment.csv[.gz])."""
    policy.require_manage(actor)
    text = _text(data, file_name)
    header = next(csv.reader(io.StringIO(text)), [])
    kind = detect(header, file_name)
    indicator, source = WB_SOURCES[kind]
    report = ImportReport(source=f"worldbank-{kind}", file_name=file_name)
    values = _wb_rows(text, kind, report)
    digest = hashlib.sha256(data).hexdigest()
    _save_values(
        session,
        indicator=indicator.value,
        values=values,
        source=source,
        retrieved=f"file {file_name}, sha256 {digest}",
        transformation="as published (unemployment: % of labour force)",
        report=report,
        actor=actor,
        sha256=digest,
    )
    audit.record(
        session,
        actor=actor,
        action="sharing.indicators.import",
        object_type="sharing_indicator_import",
        details={"file": file_name, "indicator": indicator.value, "loaded": report.rows_loaded},
    )
    return report


def import_worldbank_dir(session: Session, *, directory: Path, actor: Principal) -> list[ImportReport]:
    files = [
        p
        for p in sorted(directory.iterdir())
        if p.name in ("population.csv", "gdp.csv", "unemployment.csv", "unemployment.csv.gz")
    ]
    if not files:
        raise ValidationFailed.single(
            "directory", f"{directory}: no population.csv, gdp.csv or unemployment.csv[.gz] in it"
        )
    return [import_worldbank(session, data=p.read_bytes(), file_name=p.name, actor=actor) for p in files]


def _values(session: Session, indicator: Indicator, years: list[int]) -> dict[tuple[str, int], float]:
    V = SharingIndicatorValue
    rows = session.execute(
        select(V.country, V.year, V.value).where(V.indicator == indicator.value, V.year.in_(years))
    )
    return {(c, int(y)): float(v) for c, y, v in rows}


Values = list[tuple[str, int, float]]


def _asylum_per_million(
    session: Session,
    years: list[int],
    to_iso: dict[str, str | None],
    population: dict[tuple[str, int], float],
    report: ImportReport,
) -> Values:
    """Mean over `years` of asylum applications (persons) per million inhabitants, by ISO3."""
    per_year: dict[str, dict[int, int]] = defaultdict(dict)
    cases_only: set[str] = set()
    for row in stats_queries.asylum_applications(session, years=years):
        report.rows_read += 1
        iso = to_iso.get(row.coa)
        if iso is None or row.coa in report.unmatched:
            report.unmatched.setdefault(row.coa, "country of asylum not in the UNHCR country list")
            continue
        if row.app_pc == "P":
            per_year[iso][row.year] = per_year[iso].get(row.year, 0) + row.applied
        else:
            cases_only.add(iso)
    asylum: list[tuple[str, int, float]] = []
    for iso, by_year in sorted(per_year.items()):
        rates = [
            by_year.get(y, 0) / population[(iso, y)] * 1e6 for y in years if population.get((iso, y), 0) > 0
        ]
        if not rates:
            report.missing.append(f"{iso} {years[-1]}: no World Bank population in {years[0]}-{years[-1]}")
            continue
        asylum.append((iso, years[-1], sum(rates) / len(rates)))
    for iso in sorted(cases_only - set(per_year)):
        report.missing.append(
            f"{iso} {years[-1]}: applications reported in cases only (not added to persons)"
        )
    return asylum


def _hosted(
    session: Session,
    year: int,
    to_iso: dict[str, str | None],
    population: dict[tuple[str, int], float],
    gdp: dict[tuple[str, int], float],
    report: ImportReport,
) -> tuple[Values, Values]:
    """Refugees at the end of `year` per 1,000 inhabitants and per US$ 1 bn of GDP, by ISO3."""
    hosted_per_1000: list[tuple[str, int, float]] = []
    hosted_per_gdp: list[tuple[str, int, float]] = []
    for coa, n in sorted(stats_queries.refugees_hosted(session, year=year).items()):
        iso = to_iso.get(coa)
        if iso is None or coa in report.unmatched:
            report.unmatched.setdefault(coa, "country of asylum not in the UNHCR country list")
            continue
        if (iso, year) in population and population[(iso, year)] > 0:
            hosted_per_1000.append((iso, year, n / population[(iso, year)] * 1000))
        else:
            report.missing.append(f"{iso} {year}: no World Bank population (refugees per 1,000)")
        if (iso, year) in gdp and gdp[(iso, year)] > 0:
            hosted_per_gdp.append((iso, year, n / gdp[(iso, year)] * 1e9))
        else:
            report.missing.append(f"{iso} {year}: no World Bank GDP (refugees per US$ 1 bn)")
    return hosted_per_1000, hosted_per_gdp


def derive_from_unhcr(session: Session, *, year: int, window: int = 5, actor: Principal) -> ImportReport:
    """Asylum applications per million inhabitants (mean over the `window` years up to `year`, persons
    only), refugees hosted per 1,000 inhabitants and per US$ 1 bn of GDP at the end of `year`; from the
    UNHCR tables and the World Bank values already imported."""
    policy.require_manage(actor)
    if not 1 <= window <= 20:
        raise ValidationFailed.single("window", "between 1 and 20 years")
    years = list(range(year - window + 1, year + 1))
    report = ImportReport(source="unhcr-derived", file_name=f"UNHCR tables, {years[0]}-{year}")
    codes = stats_queries.countries(session)
    if not codes:
        raise ValidationFailed.single("stats", "no UNHCR country list imported: run `refugio stats import`")
    to_iso = {c.unhcr_code: c.iso3 for c in codes}
    known = iso_countries()
    for c in codes:
        if not c.iso3 or c.iso3 not in known:
            report.unmatched[c.unhcr_code] = f"{c.name}: no ISO3 code in the UNHCR country list"
    population = _values(session, Indicator.POPULATION, years)
    gdp = _values(session, Indicator.GDP, [year])
    if not population:
        raise ValidationFailed.single(
            "population", f"no World Bank population for {years[0]}-{year}: import it first"
        )
    asylum = _asylum_per_million(session, years, to_iso, population, report)
    hosted_per_1000, hosted_per_gdp = _hosted(session, year, to_iso, population, gdp, report)
    retrieved = f"refugio stats tables as imported; World Bank values of {years[0]}-{year}"
    for indicator, values, how in (
        (
            Indicator.ASYLUM_PER_MILLION,
            asylum,
            f"mean over {years[0]}-{year} of asylum applications (persons, all types) per million "
            "inhabitants; a year with no application counts as 0 once the country reported in the window",
        ),
        (Indicator.REFUGEES_PER_1000, hosted_per_1000, f"refugees at end-{year} per 1,000 inhabitants"),
        (Indicator.REFUGEES_PER_GDP, hosted_per_gdp, f"refugees at end-{year} per US$ 1 bn of GDP"),
    ):
        part = ImportReport(source=report.source, file_name=f"{report.file_name}: {indicator.value}")
        part.rows_read, part.unmatched, part.missing = report.rows_read, report.unmatched, report.missing
        _save_values(
            session,
            indicator=indicator.value,
            values=values,
            source=f"{UNHCR_SOURCE} and the World Bank",
            retrieved=retrieved,
            transformation=how,
            report=part,
            actor=actor,
        )
    report.rows_loaded = len(asylum) + len(hosted_per_1000) + len(hosted_per_gdp)
    report.years = (years[0], year)
    audit.record(
        session,
        actor=actor,
        action="sharing.indicators.derive",
        object_type="sharing_indicator_import",
        details={"year": year, "window": window, "loaded": report.rows_loaded},
    )
    return report
