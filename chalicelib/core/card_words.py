"""A share card's own words in the 12 interface locales (the poll's texts come from the poll); "Other" and
"(correct answer)" are the widget's own (web/locales), which a test holds them to."""

from __future__ import annotations

LOCALES = ("en", "cy", "gd", "ga", "fr", "de", "es", "it", "pt", "nl", "pl", "ar")
# The card's own words in the 12 interface locales, in LOCALES' order (the poll's texts come from the poll).
_WORDS = {
    "closed": ("Poll closed", "Pôl wedi cau", "Cunntas-bheachd dùinte", "Pobalbhreith dúnta", "Sondage clos",
               "Umfrage beendet", "Encuesta cerrada", "Sondaggio chiuso", "Sondagem encerrada", "Peiling gesloten",
               "Sonda zamknięta", "انتهى الاستطلاع"),
    "voters": ("Voters: {n}", "Pleidleiswyr: {n}", "Luchd-bhòtaidh: {n}", "Vótálaithe: {n}", "Votants\u00a0: {n}",
               "Abstimmende: {n}", "Votantes: {n}", "Votanti: {n}", "Votantes: {n}", "Stemmers: {n}",
               "Głosujący: {n}", "المصوّتون: {n}"),
    "more": ("+ {n} more", "+ {n} arall", "+ {n} eile", "+ {n} eile", "+ {n} autres", "+ {n} weitere", "+ {n} más",
             "+ altri {n}", "+ {n} outras", "+ {n} meer", "+ {n} więcej", "+ {n} أخرى"),
    "other": ("Other", "Arall", "Eile", "Eile", "Autre", "Andere", "Otra", "Altro", "Outra", "Anders", "Inne", "أخرى"),
    "correct": ("(correct answer)", "(yr ateb cywir)", "(am freagairt cheart)", "(an freagra ceart)", "(bonne réponse)",
                "(richtige Antwort)", "(respuesta correcta)", "(risposta corretta)", "(resposta certa)",
                "(juiste antwoord)", "(poprawna odpowiedź)", "(الإجابة الصحيحة)"),
    "hidden": ("Results not shown", "Ni ddangosir y canlyniadau", "Chan eil na toraidhean gan sealltainn",
               "Ní thaispeántar na torthaí", "Résultats non affichés", "Ergebnisse nicht angezeigt",
               "Resultados no mostrados", "Risultati non mostrati", "Resultados não mostrados",
               "Resultaten niet getoond", "Wyniki nie są pokazywane", "النتائج غير معروضة"),
}  # fmt: skip
WORDS = {lang: {key: texts[i] for key, texts in _WORDS.items()} for i, lang in enumerate(LOCALES)}


def words(lang: str) -> dict[str, str]:
    """Return the card's words in a language: its own locale, its base language's, else English."""
    return WORDS.get(lang) or WORDS.get(lang.split("-", maxsplit=1)[0].lower()) or WORDS["en"]
