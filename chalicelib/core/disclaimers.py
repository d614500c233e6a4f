"""The standard disclaimer line ("not a scientific survey") in each of the 12 interface locales."""

from __future__ import annotations

FALLBACK = "en"
DEFAULTS: dict[str, str] = {
    "en": "Readers' poll: a self-selected sample, not a scientific survey.",
    "cy": "Pôl darllenwyr: sampl hunanddewisol, nid arolwg gwyddonol.",
    "gd": "Cunntas-bheachd leughadairean: sampall fèin-thaghte, chan e suirbhidh saidheansail.",
    "ga": "Pobalbhreith léitheoirí: sampla féinroghnaithe, ní suirbhé eolaíoch é.",
    "fr": "Sondage des lecteurs\u00a0: échantillon auto-sélectionné, pas une enquête scientifique.",
    "de": "Leserumfrage: eine selbstselektierte Stichprobe, keine wissenschaftliche Erhebung.",
    "es": "Encuesta de lectores: una muestra autoseleccionada, no un estudio científico.",
    "it": "Sondaggio dei lettori: un campione autoselezionato, non un'indagine scientifica.",
    "pt": "Sondagem dos leitores: uma amostra autosselecionada, não um inquérito científico.",
    "nl": "Lezerspeiling: een zelfgeselecteerde steekproef, geen wetenschappelijk onderzoek.",
    "pl": "Sonda czytelników: próba nielosowa, nie badanie naukowe.",
    "ar": "استطلاع للقرّاء: عيّنة اختارت نفسها، وليس مسحًا علميًا.",
}


def default_for(lang: str) -> str:
    """Return the standard text in a language tag's locale (pt-BR -> pt), else in English."""
    return DEFAULTS.get(lang.split("-", maxsplit=1)[0].lower(), DEFAULTS[FALLBACK])
