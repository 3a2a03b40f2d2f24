"""Country names as pages write them beside the gazetteer's labels: the common official
forms ("Slovak Republic", "Russian Federation", "USA"), by ISO 3166-1 alpha-2 code.
Read by the name index (``extract.names``), the world gazetteer and the draft writer.
"""

from __future__ import annotations

# Country names pages use beside the gazetteer's labels (ISO 3166-1 alpha-2 codes).
COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "AL": ("Albania",), "AM": ("Armenia",), "AR": ("Argentina", "Argentine Republic"),
    "AT": ("Austria", "Republic of Austria"), "AU": ("Australia",), "AZ": ("Azerbaijan",),
    "BA": ("Bosnia and Herzegovina", "Bosnia"), "BE": ("Belgium", "Kingdom of Belgium"),
    "BG": ("Bulgaria", "Republic of Bulgaria"), "BR": ("Brazil",),
    "BY": ("Belarus", "Republic of Belarus"), "CA": ("Canada",),
    "CH": ("Switzerland", "Swiss Confederation"), "CL": ("Chile",),
    "CN": ("China", "People's Republic of China", "PRC", "P. R. China"), "CY": ("Cyprus",),
    "CZ": ("Czech Republic", "Czechia"), "DE": ("Germany", "Federal Republic of Germany"),
    "DK": ("Denmark", "Kingdom of Denmark"), "EE": ("Estonia", "Republic of Estonia"), "EG": ("Egypt",),
    "ES": ("Spain", "Kingdom of Spain"), "FI": ("Finland", "Republic of Finland"),
    "FR": ("France", "French Republic"), "GB": ("United Kingdom", "UK", "Great Britain", "England",
                                               "Scotland", "Wales", "Northern Ireland"),
    "GE": ("Georgia",), "GR": ("Greece", "Hellenic Republic"), "HR": ("Croatia", "Republic of Croatia"),
    "HU": ("Hungary",), "IE": ("Ireland",), "IL": ("Israel", "State of Israel"), "IN": ("India",),
    "IS": ("Iceland",), "IT": ("Italy", "Italian Republic"), "JP": ("Japan",),
    "KR": ("South Korea", "Republic of Korea", "Korea"), "KZ": ("Kazakhstan",), "LT": ("Lithuania",),
    "LU": ("Luxembourg",), "LV": ("Latvia", "Republic of Latvia"), "MD": ("Moldova", "Republic of Moldova"),
    "ME": ("Montenegro",), "MK": ("North Macedonia", "Macedonia"), "MN": ("Mongolia",), "MT": ("Malta",),
    "MX": ("Mexico",), "NL": ("Netherlands", "The Netherlands", "Holland"),
    "NO": ("Norway", "Kingdom of Norway"), "NZ": ("New Zealand",), "PL": ("Poland", "Republic of Poland"),
    "PT": ("Portugal",), "RO": ("Romania",), "RS": ("Serbia", "Republic of Serbia"),
    "RU": ("Russia", "Russian Federation"), "SE": ("Sweden", "Kingdom of Sweden"),
    "SI": ("Slovenia", "Republic of Slovenia"), "SK": ("Slovakia", "Slovak Republic"),
    "TR": ("Turkey", "Türkiye", "Republic of Turkey"), "TW": ("Taiwan",),
    "UA": ("Ukraine",), "US": ("United States", "United States of America", "USA", "U.S.A.", "U.S."),
    "UZ": ("Uzbekistan",), "VN": ("Vietnam", "Viet Nam", "Socialist Republic of Vietnam"),
    "AD": ("Andorra",), "AE": ("United Arab Emirates", "UAE"), "AF": ("Afghanistan",), "AO": ("Angola",),
    "BD": ("Bangladesh",), "BO": ("Bolivia",), "CD": ("Democratic Republic of the Congo",), "CM": ("Cameroon",),
    "CO": ("Colombia",), "CR": ("Costa Rica",), "CU": ("Cuba",), "DO": ("Dominican Republic",), "DZ": ("Algeria",),
    "EC": ("Ecuador",), "ET": ("Ethiopia",), "GH": ("Ghana",), "GT": ("Guatemala",), "ID": ("Indonesia",),
    "IQ": ("Iraq",), "IR": ("Iran",), "JO": ("Jordan",), "KE": ("Kenya",), "KG": ("Kyrgyzstan",),
    "KH": ("Cambodia",), "LB": ("Lebanon",), "LI": ("Liechtenstein",), "LK": ("Sri Lanka",), "MA": ("Morocco",),
    "MC": ("Monaco",), "MM": ("Myanmar",), "MY": ("Malaysia",), "MZ": ("Mozambique",), "NG": ("Nigeria",),
    "NP": ("Nepal",), "PA": ("Panama",), "PE": ("Peru",), "PH": ("Philippines",), "PK": ("Pakistan",),
    "PS": ("Palestine",), "PY": ("Paraguay",), "QA": ("Qatar",), "SA": ("Saudi Arabia",), "SG": ("Singapore",),
    "SM": ("San Marino",), "SN": ("Senegal",), "SY": ("Syria",), "TH": ("Thailand",), "TJ": ("Tajikistan",),
    "TM": ("Turkmenistan",), "TN": ("Tunisia",), "TZ": ("Tanzania", "United Republic of Tanzania"),
    "UG": ("Uganda",), "UY": ("Uruguay",), "VE": ("Venezuela",), "ZA": ("South Africa",), "ZM": ("Zambia",),
    "ZW": ("Zimbabwe",),
}
