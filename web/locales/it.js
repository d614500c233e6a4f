/* Poll widget: Italian (it). Each key is the widget's English text (web/poll-widget.js), but
   `disclaimer`, the default disclaimer (docs/widget.md);
   a plural has one form per Intl.PluralRules category; {n} is a number, {x} a text. */
(window.pollWidgetLocales ||= {}).it = {
  "Poll: {x}": "Sondaggio: {x}",
  "Loading the poll…": "Caricamento del sondaggio…",
  "Loading the results…": "Caricamento dei risultati…",
  "This could not be loaded.": "Impossibile caricare il contenuto.",
  "This could not be loaded. Check your connection.": "Impossibile caricare il contenuto. Controlla la connessione.",
  "Results": "Risultati",
  "Final results": "Risultati finali",
  "(your choice)": "(la tua scelta)",
  "{x} ({n} votes)": {
    "one": "{x} ({n} voto)",
    "many": "{x} ({n} di voti)",
    "other": "{x} ({n} voti)"
  },
  "{n} people have voted.": {
    "one": "Ha votato {n} persona.",
    "many": "Hanno votato {n} di persone.",
    "other": "Hanno votato {n} persone."
  },
  "Percentages are of voters, who could choose up to {n}.": "Le percentuali sono calcolate sui votanti, che potevano sceglierne fino a {n}.",
  "Results are shown to readers who have voted.": "I risultati sono visibili solo ai lettori che hanno votato.",
  "Results will be published when the poll closes.": "I risultati saranno pubblicati alla chiusura del sondaggio.",
  "Results will be published when the poll closes on {x}.": "I risultati saranno pubblicati alla chiusura del sondaggio, il {x}.",
  "The results of this poll are not published.": "I risultati di questo sondaggio non vengono pubblicati.",
  "Choose up to {n}.": "Scegline fino a {n}.",
  "Vote": "Vota",
  "You have chosen {n}, the most this poll allows.": "Ne hai scelte {n}, il massimo consentito da questo sondaggio.",
  "Choose an option first.": "Scegli prima una risposta.",
  "Choose at most {n}.": "Scegline al massimo {n}.",
  "Checking…": "Verifica in corso…",
  "Your browser could not complete the check.": "Il tuo browser non è riuscito a completare la verifica.",
  "Complete the check above first.": "Completa prima la verifica qui sopra.",
  "Sending your vote…": "Invio del voto in corso…",
  "Sending your vote again…": "Nuovo invio del voto in corso…",
  "Your vote could not be sent. Check your connection and try again.": "Non è stato possibile inviare il voto. Controlla la connessione e riprova.",
  "Thank you, your vote has been counted.": "Grazie, il tuo voto è stato conteggiato.",
  "You have already voted in this poll.": "Hai già votato in questo sondaggio.",
  "The poll is busy. Trying again in {n} seconds…": {
    "one": "Il sondaggio è molto affollato. Nuovo tentativo tra {n} secondo…",
    "many": "Il sondaggio è molto affollato. Nuovo tentativo tra {n} di secondi…",
    "other": "Il sondaggio è molto affollato. Nuovo tentativo tra {n} secondi…"
  },
  "Try again": "Riprova",
  "This poll opens on {x}.": "Questo sondaggio apre il {x}.",
  "This poll is not open yet.": "Questo sondaggio non è ancora aperto.",
  "This poll is closed.": "Questo sondaggio è chiuso.",
  "Sorry, this poll has closed.": "Spiacenti, questo sondaggio è stato appena chiuso.",
  "This poll could not be found.": "Impossibile trovare questo sondaggio.",
  "Sorry, too many votes have come from your network for this poll.": "Spiacenti, dalla tua rete sono arrivati troppi voti per questo sondaggio.",
  "Sorry, too many votes have come from your network recently. Please try again later.": "Spiacenti, dalla tua rete sono arrivati troppi voti di recente. Riprova più tardi.",
  "Choose between 1 and {n} of the options.": "Scegli tra 1 e {n} delle risposte.",
  "This browser's voting id was not accepted. Please vote again.": "L’identificativo di voto di questo browser non è stato accettato. Vota di nuovo.",
  "Your browser could not complete the check. Please reload the page.": "Il tuo browser non è riuscito a completare la verifica. Ricarica la pagina.",
  "Sorry, your vote was not accepted ({x}). Please reload the page.": "Spiacenti, il tuo voto non è stato accettato ({x}). Ricarica la pagina.",
  "Something went wrong on our side and your vote was not confirmed.": "Qualcosa non ha funzionato da parte nostra e il tuo voto non è stato confermato.",
  "Other": "Altro",
  "Your answer could not be accepted. Please shorten or reword it.": "Non è stato possibile accettare la risposta. Accorciala o riformulala.",
  "disclaimer": "Sondaggio dei lettori: un campione autoselezionato, non un'indagine scientifica."
};
