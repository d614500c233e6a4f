/* Poll widget: Polish (pl). Each key is the widget's English text (web/poll-widget.js), but
   `disclaimer`, the default disclaimer (docs/widget.md);
   a plural has one form per Intl.PluralRules category; {n} is a number, {x} a text. */
(window.pollWidgetLocales ||= {}).pl = {
  "Poll: {x}": "Ankieta: {x}",
  "Loading the poll…": "Wczytywanie ankiety…",
  "Loading the results…": "Wczytywanie wyników…",
  "This could not be loaded.": "Nie udało się wczytać.",
  "This could not be loaded. Check your connection.": "Nie udało się wczytać. Sprawdź połączenie z internetem.",
  "Results": "Wyniki",
  "Final results": "Wyniki końcowe",
  "(your choice)": "(twój wybór)",
  "{x} ({n} votes)": {
    "one": "{x} ({n} głos)",
    "few": "{x} ({n} głosy)",
    "many": "{x} ({n} głosów)",
    "other": "{x} ({n} głosu)"
  },
  "{n} people have voted.": {
    "one": "Zagłosowała {n} osoba.",
    "few": "Zagłosowały {n} osoby.",
    "many": "Zagłosowało {n} osób.",
    "other": "Zagłosowało {n} osoby."
  },
  "Percentages are of voters, who could choose up to {n}.": "Procenty liczone są od liczby głosujących, którzy mogli wybrać maksymalnie {n}.",
  "Results are shown to readers who have voted.": "Wyniki widzą tylko czytelnicy, którzy zagłosowali.",
  "Results will be published when the poll closes.": "Wyniki zostaną opublikowane po zamknięciu ankiety.",
  "Results will be published when the poll closes on {x}.": "Wyniki zostaną opublikowane po zamknięciu ankiety: {x}.",
  "The results of this poll are not published.": "Wyniki tej ankiety nie są publikowane.",
  "Choose up to {n}.": "Wybierz maksymalnie {n}.",
  "Vote": "Zagłosuj",
  "You have chosen {n}, the most this poll allows.": "Wybrano {n} – tyle, na ile pozwala ta ankieta.",
  "Choose an option first.": "Najpierw wybierz odpowiedź.",
  "Choose at most {n}.": "Wybierz najwyżej {n}.",
  "Checking…": "Sprawdzanie…",
  "Your browser could not complete the check.": "Twoja przeglądarka nie mogła ukończyć weryfikacji.",
  "Complete the check above first.": "Najpierw ukończ weryfikację powyżej.",
  "Sending your vote…": "Wysyłanie głosu…",
  "Sending your vote again…": "Ponowne wysyłanie głosu…",
  "Your vote could not be sent. Check your connection and try again.": "Nie udało się wysłać głosu. Sprawdź połączenie i spróbuj ponownie.",
  "Thank you, your vote has been counted.": "Dziękujemy, Twój głos został policzony.",
  "You have already voted in this poll.": "Twój głos w tej ankiecie został już oddany.",
  "The poll is busy. Trying again in {n} seconds…": {
    "one": "Ankieta jest przeciążona. Ponowna próba za {n} sekundę…",
    "few": "Ankieta jest przeciążona. Ponowna próba za {n} sekundy…",
    "many": "Ankieta jest przeciążona. Ponowna próba za {n} sekund…",
    "other": "Ankieta jest przeciążona. Ponowna próba za {n} sekundy…"
  },
  "Try again": "Spróbuj ponownie",
  "This poll opens on {x}.": "Ankieta rozpocznie się {x}.",
  "This poll is not open yet.": "Ta ankieta nie jest jeszcze otwarta.",
  "This poll is closed.": "Ta ankieta jest zamknięta.",
  "Sorry, this poll has closed.": "Niestety ta ankieta została właśnie zamknięta.",
  "This poll could not be found.": "Nie znaleziono tej ankiety.",
  "Sorry, too many votes have come from your network for this poll.": "Niestety z Twojej sieci oddano zbyt wiele głosów w tej ankiecie.",
  "Sorry, too many votes have come from your network recently. Please try again later.": "Niestety z Twojej sieci oddano ostatnio zbyt wiele głosów. Spróbuj ponownie później.",
  "Choose between 1 and {n} of the options.": "Wybierz od 1 do {n} odpowiedzi.",
  "This browser's voting id was not accepted. Please vote again.": "Identyfikator głosowania tej przeglądarki nie został przyjęty. Zagłosuj ponownie.",
  "Your browser could not complete the check. Please reload the page.": "Twoja przeglądarka nie mogła ukończyć weryfikacji. Odśwież stronę.",
  "Sorry, your vote was not accepted ({x}). Please reload the page.": "Niestety Twój głos nie został przyjęty ({x}). Odśwież stronę.",
  "Something went wrong on our side and your vote was not confirmed.": "Po naszej stronie wystąpił błąd i Twój głos nie został potwierdzony.",
  "disclaimer": "Sonda czytelników: próba nielosowa, nie badanie naukowe."
};
