"""wikidata"""
