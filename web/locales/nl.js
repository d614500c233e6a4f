/* Poll widget: Dutch (nl). Each key is the widget's English text (web/poll-widget.js), but
   `disclaimer`, the default disclaimer (docs/widget.md);
   a plural has one form per Intl.PluralRules category; {n} is a number, {x} a text. */
(window.pollWidgetLocales ||= {}).nl = {
  "Poll: {x}": "Peiling: {x}",
  "Loading the poll…": "Peiling wordt geladen…",
  "Loading the results…": "Resultaten worden geladen…",
  "This could not be loaded.": "Dit kon niet worden geladen.",
  "This could not be loaded. Check your connection.": "Dit kon niet worden geladen. Controleer je verbinding.",
  "Results": "Resultaten",
  "Final results": "Einduitslag",
  "(your choice)": "(jouw keuze)",
  "{x} ({n} votes)": {
    "one": "{x} ({n} stem)",
    "other": "{x} ({n} stemmen)"
  },
  "{n} people have voted.": {
    "one": "{n} persoon heeft gestemd.",
    "other": "{n} mensen hebben gestemd."
  },
  "Percentages are of voters, who could choose up to {n}.": "De percentages gaan uit van het aantal stemmers, die er maximaal {n} konden kiezen.",
  "Results are shown to readers who have voted.": "Alleen lezers die hebben gestemd, zien de resultaten.",
  "Results will be published when the poll closes.": "De resultaten worden bekendgemaakt als de peiling sluit.",
  "Results will be published when the poll closes on {x}.": "De resultaten worden bekendgemaakt als de peiling sluit op {x}.",
  "The results of this poll are not published.": "De resultaten van deze peiling worden niet bekendgemaakt.",
  "Choose up to {n}.": "Kies er maximaal {n}.",
  "Vote": "Stemmen",
  "You have chosen {n}, the most this poll allows.": "Je hebt er {n} gekozen, het maximum voor deze peiling.",
  "Choose an option first.": "Kies eerst een antwoord.",
  "Choose at most {n}.": "Kies er hoogstens {n}.",
  "Checking…": "Bezig met controleren…",
  "Your browser could not complete the check.": "Je browser kon de controle niet voltooien.",
  "Complete the check above first.": "Voltooi eerst de controle hierboven.",
  "Sending your vote…": "Je stem wordt verstuurd…",
  "Sending your vote again…": "Je stem wordt opnieuw verstuurd…",
  "Your vote could not be sent. Check your connection and try again.": "Je stem kon niet worden verstuurd. Controleer je verbinding en probeer het opnieuw.",
  "Thank you, your vote has been counted.": "Bedankt, je stem is geteld.",
  "You have already voted in this poll.": "Je hebt al gestemd in deze peiling.",
  "The poll is busy. Trying again in {n} seconds…": {
    "one": "Het is druk bij de peiling. Nieuwe poging over {n} seconde…",
    "other": "Het is druk bij de peiling. Nieuwe poging over {n} seconden…"
  },
  "Try again": "Opnieuw proberen",
  "This poll opens on {x}.": "Deze peiling opent op {x}.",
  "This poll is not open yet.": "Deze peiling is nog niet geopend.",
  "This poll is closed.": "Deze peiling is gesloten.",
  "Sorry, this poll has closed.": "Helaas, deze peiling is net gesloten.",
  "This poll could not be found.": "Deze peiling is niet gevonden.",
  "Sorry, too many votes have come from your network for this poll.": "Helaas, er zijn te veel stemmen uit je netwerk gekomen voor deze peiling.",
  "Sorry, too many votes have come from your network recently. Please try again later.": "Helaas, er zijn onlangs te veel stemmen uit je netwerk gekomen. Probeer het later opnieuw.",
  "Choose between 1 and {n} of the options.": "Kies tussen 1 en {n} van de antwoorden.",
  "This browser's voting id was not accepted. Please vote again.": "De stem-ID van deze browser is niet geaccepteerd. Stem opnieuw.",
  "Your browser could not complete the check. Please reload the page.": "Je browser kon de controle niet voltooien. Laad de pagina opnieuw.",
  "Sorry, your vote was not accepted ({x}). Please reload the page.": "Helaas, je stem is niet geaccepteerd ({x}). Laad de pagina opnieuw.",
  "Something went wrong on our side and your vote was not confirmed.": "Er ging bij ons iets mis en je stem is niet bevestigd.",
  "(correct answer)": "(juiste antwoord)",
  "Your answer is right.": "Uw antwoord is goed.",
  "Your answer is wrong.": "Uw antwoord is fout.",
  "Correct answer: {x}.": "Juiste antwoord: {x}.",
  "{x} of voters got it right.": "{x} van de stemmers had het goed.",
  "Other": "Anders",
  "Your answer could not be accepted. Please shorten or reword it.": "Uw antwoord kon niet worden aanvaard. Maak het korter of formuleer het anders.",
  "disclaimer": "Lezerspeiling: een zelfgeselecteerde steekproef, geen wetenschappelijk onderzoek."
};
