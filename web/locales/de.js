/* Poll widget: German (de). Each key is the widget's English text (web/poll-widget.js), but
   `disclaimer`, the default disclaimer (docs/widget.md);
   a plural has one form per Intl.PluralRules category; {n} is a number, {x} a text. */
(window.pollWidgetLocales ||= {}).de = {
  "Poll: {x}": "Umfrage: {x}",
  "Loading the poll…": "Umfrage wird geladen…",
  "Loading the results…": "Ergebnisse werden geladen…",
  "This could not be loaded.": "Das konnte nicht geladen werden.",
  "This could not be loaded. Check your connection.": "Das konnte nicht geladen werden. Bitte prüfen Sie Ihre Verbindung.",
  "Results": "Ergebnisse",
  "Final results": "Endergebnis",
  "(your choice)": "(Ihre Wahl)",
  "{x} ({n} votes)": {
    "one": "{x} ({n} Stimme)",
    "other": "{x} ({n} Stimmen)"
  },
  "{n} people have voted.": {
    "one": "{n} Person hat abgestimmt.",
    "other": "{n} Personen haben abgestimmt."
  },
  "Percentages are of voters, who could choose up to {n}.": "Die Prozente beziehen sich auf die Abstimmenden, die bis zu {n} Antworten wählen konnten.",
  "Results are shown to readers who have voted.": "Die Ergebnisse sehen nur Leserinnen und Leser, die abgestimmt haben.",
  "Results will be published when the poll closes.": "Die Ergebnisse werden veröffentlicht, sobald die Umfrage endet.",
  "Results will be published when the poll closes on {x}.": "Die Ergebnisse werden veröffentlicht, sobald die Umfrage am {x} endet.",
  "The results of this poll are not published.": "Die Ergebnisse dieser Umfrage werden nicht veröffentlicht.",
  "Choose up to {n}.": "Wählen Sie bis zu {n}.",
  "Vote": "Abstimmen",
  "You have chosen {n}, the most this poll allows.": "Sie haben {n} gewählt – mehr lässt diese Umfrage nicht zu.",
  "Choose an option first.": "Wählen Sie zuerst eine Antwort.",
  "Choose at most {n}.": "Wählen Sie höchstens {n}.",
  "Checking…": "Wird geprüft…",
  "Your browser could not complete the check.": "Ihr Browser konnte die Prüfung nicht abschließen.",
  "Complete the check above first.": "Schließen Sie zuerst die Prüfung oben ab.",
  "Sending your vote…": "Ihre Stimme wird gesendet…",
  "Sending your vote again…": "Ihre Stimme wird erneut gesendet…",
  "Your vote could not be sent. Check your connection and try again.": "Ihre Stimme konnte nicht gesendet werden. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
  "Thank you, your vote has been counted.": "Danke, Ihre Stimme wurde gezählt.",
  "You have already voted in this poll.": "Sie haben bei dieser Umfrage bereits abgestimmt.",
  "The poll is busy. Trying again in {n} seconds…": {
    "one": "Die Umfrage ist gerade ausgelastet. Neuer Versuch in {n} Sekunde…",
    "other": "Die Umfrage ist gerade ausgelastet. Neuer Versuch in {n} Sekunden…"
  },
  "Try again": "Erneut versuchen",
  "This poll opens on {x}.": "Diese Umfrage beginnt am {x}.",
  "This poll is not open yet.": "Diese Umfrage hat noch nicht begonnen.",
  "This poll is closed.": "Diese Umfrage ist beendet.",
  "Sorry, this poll has closed.": "Diese Umfrage ist leider gerade zu Ende gegangen.",
  "This poll could not be found.": "Diese Umfrage wurde nicht gefunden.",
  "Sorry, too many votes have come from your network for this poll.": "Aus Ihrem Netzwerk kamen leider zu viele Stimmen für diese Umfrage.",
  "Sorry, too many votes have come from your network recently. Please try again later.": "Aus Ihrem Netzwerk kamen zuletzt leider zu viele Stimmen. Bitte versuchen Sie es später erneut.",
  "Choose between 1 and {n} of the options.": "Wählen Sie zwischen 1 und {n} der Antworten.",
  "This browser's voting id was not accepted. Please vote again.": "Die Abstimmungskennung dieses Browsers wurde nicht akzeptiert. Bitte stimmen Sie erneut ab.",
  "Your browser could not complete the check. Please reload the page.": "Ihr Browser konnte die Prüfung nicht abschließen. Bitte laden Sie die Seite neu.",
  "Sorry, your vote was not accepted ({x}). Please reload the page.": "Ihre Stimme wurde leider nicht angenommen ({x}). Bitte laden Sie die Seite neu.",
  "Something went wrong on our side and your vote was not confirmed.": "Bei uns ist ein Fehler aufgetreten; Ihre Stimme wurde nicht bestätigt.",
  "(correct answer)": "(richtige Antwort)",
  "Your answer is right.": "Ihre Antwort ist richtig.",
  "Your answer is wrong.": "Ihre Antwort ist falsch.",
  "Correct answer: {x}.": "Richtige Antwort: {x}.",
  "{x} of voters got it right.": "{x} der Abstimmenden lagen richtig.",
  "Other": "Andere",
  "Your answer could not be accepted. Please shorten or reword it.": "Ihre Antwort wurde nicht angenommen. Bitte kürzen oder formulieren Sie sie um.",
  "disclaimer": "Leserumfrage: eine selbstselektierte Stichprobe, keine wissenschaftliche Erhebung."
};
