"""Small World Bank and UNHCR-shaped files for the sharing tests, written into a folder."""

from __future__ import annotations

import gzip
from pathlib import Path

from refugio.main import Container
from refugio.security.principals import SYSTEM
from refugio.stats import aggregates
from refugio.store.uow import unit_of_work

POPULATION = """Country Name,Country Code,Year,Value
Germany,DEU,2013,80000000
Germany,DEU,2014,81000000
France,FRA,2013,66000000
France,FRA,2014,66500000
Malta,MLT,2013,420000
Malta,MLT,2014,
World,WLD,2014,7200000000
"""
GDP = """Country Name,Country Code,Year,Value
Germany,DEU,2014,3.9e12
France,FRA,2014,2.9e12
Malta,MLT,2014,1.0e10
World,WLD,2014,8.0e13
"""
UNEMPLOYMENT = """geo,var,t,v
DEU,unem,2014,5.0
FRA,unem,2014,10.3
MLT,unem,2014,5.8
CHI,unem,2014,3.0
"""
COUNTRIES = """iso_code,unhcr_code,name,unhcr_region,unsd_region,unsd_subregion,unsd_imregion
DEU,GFR,Germany,Europe,Europe,Western Europe,
FRA,FRA,France,Europe,Europe,Western Europe,
MLT,MLT,Malta,Europe,Europe,Southern Europe,
SYR,SYR,Syrian Arab Rep.,Middle East and North Africa,Asia,Western Asia,
XXX,UKN,Unknown,,,,
"""
APPS = """year,coo_name,coo,coo_iso,coa_name,coa,coa_iso,procedure_type,app_type,dec_level,app_pc,applied
2013,Syria,SYR,SYR,Germany,GFR,DEU,G,N,FI,P,80000
2014,Syria,SYR,SYR,Germany,GFR,DEU,G,N,FI,P,162000
2014,Syria,SYR,SYR,France,FRA,FRA,G,N,FI,P,66500
2014,Syria,SYR,SYR,Malta,MLT,MLT,G,N,FI,C,300
"""
POP_UNHCR = """year,coo_name,coo,coo_iso,coa_name,coa,coa_iso,refugees,asylum_seekers,returned_refugees,idps,returned_idps,stateless,ooc,oip,hst
2014,Syria,SYR,SYR,Germany,GFR,DEU,40500,0,0,0,0,0,0,,0
2014,Syria,SYR,SYR,France,FRA,FRA,3,0,0,0,0,0,0,,0
"""  # noqa: E501
SOLUTIONS = """year,coo_name,coo,coo_iso,coa_name,coa,coa_iso,returned_refugees,resettlement,naturalisation,returned_idps
2014,Syria,SYR,SYR,Germany,GFR,DEU,,4000,,
2014,Syria,SYR,SYR,France,FRA,FRA,,3,,
"""  # noqa: E501


def worldbank_dir(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "population.csv").write_text(POPULATION)
    (folder / "gdp.csv").write_text(GDP)
    (folder / "unemployment.csv.gz").write_bytes(gzip.compress(UNEMPLOYMENT.encode()))
    return folder


def import_unhcr(container: Container) -> None:
    for text, name in (
        (COUNTRIES, "countries.csv"),
        (APPS, "asylum_applications.csv"),
        (POP_UNHCR, "population.csv"),
        (SOLUTIONS, "solutions.csv"),
    ):
        with unit_of_work(container.sessions) as s:
            aggregates.import_file(s, actor=SYSTEM, data=text.encode(), file_name=name)
