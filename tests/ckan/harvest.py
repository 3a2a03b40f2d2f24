"""Run by CKAN's own Python (.venv-ckan, made by tests/ckan/make-venv), not by pytest: parse a
catalogue with ckanext-dcat's RDF parser, profile euro_dcat_ap_3, as a CKAN harvester
does, and print the datasets it makes as JSON. Usage: python ckan_harvest.py FILE FORMAT"""

import json
import sys

from ckanext.dcat.processors import RDFParser

parser = RDFParser(profiles=["euro_dcat_ap_3"])
with open(sys.argv[1], encoding="utf-8") as f:
    parser.parse(f.read(), _format=sys.argv[2])
json.dump(list(parser.datasets()), sys.stdout, default=str)
