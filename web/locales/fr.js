/* Poll widget: French (fr). Each key is the widget's English text (web/poll-widget.js), but
   `disclaimer`, the default disclaimer (docs/widget.md);
   a plural has one form per Intl.PluralRules category; {n} is a number, {x} a text. */
(window.pollWidgetLocales ||= {}).fr = {
  "Poll: {x}": "Sondage : {x}",
  "Loading the poll…": "Chargement du sondage…",
  "Loading the results…": "Chargement des résultats…",
  "This could not be loaded.": "Impossible de charger ce contenu.",
  "This could not be loaded. Check your connection.": "Impossible de charger ce contenu. Vérifiez votre connexion.",
  "Results": "Résultats",
  "Final results": "Résultats définitifs",
  "(your choice)": "(votre choix)",
  "{x} ({n} votes)": {
    "one": "{x} ({n} vote)",
    "many": "{x} ({n} de votes)",
    "other": "{x} ({n} votes)"
  },
  "{n} people have voted.": {
    "one": "{n} personne a voté.",
    "many": "{n} de personnes ont voté.",
    "other": "{n} personnes ont voté."
  },
  "Percentages are of voters, who could choose up to {n}.": "Les pourcentages portent sur les votants, qui pouvaient en choisir jusqu’à {n}.",
  "Results are shown to readers who have voted.": "Les résultats sont visibles par les lecteurs qui ont voté.",
  "Results will be published when the poll closes.": "Les résultats seront publiés à la clôture du sondage.",
  "Results will be published when the poll closes on {x}.": "Les résultats seront publiés à la clôture du sondage, le {x}.",
  "The results of this poll are not published.": "Les résultats de ce sondage ne sont pas publiés.",
  "Choose up to {n}.": "Choisissez-en jusqu’à {n}.",
  "Vote": "Voter",
  "You have chosen {n}, the most this poll allows.": "Vous en avez choisi {n}, le maximum autorisé pour ce sondage.",
  "Choose an option first.": "Choisissez d’abord une réponse.",
  "Choose at most {n}.": "Choisissez-en {n} au maximum.",
  "Checking…": "Vérification…",
  "Your browser could not complete the check.": "Votre navigateur n’a pas pu effectuer la vérification.",
  "Complete the check above first.": "Effectuez d’abord la vérification ci-dessus.",
  "Sending your vote…": "Envoi de votre vote…",
  "Sending your vote again…": "Nouvel envoi de votre vote…",
  "Your vote could not be sent. Check your connection and try again.": "Votre vote n’a pas pu être envoyé. Vérifiez votre connexion et réessayez.",
  "Thank you, your vote has been counted.": "Merci, votre vote a bien été pris en compte.",
  "You have already voted in this poll.": "Vous avez déjà voté à ce sondage.",
  "The poll is busy. Trying again in {n} seconds…": {
    "one": "Le sondage est très sollicité. Nouvel essai dans {n} seconde…",
    "many": "Le sondage est très sollicité. Nouvel essai dans {n} de secondes…",
    "other": "Le sondage est très sollicité. Nouvel essai dans {n} secondes…"
  },
  "Try again": "Réessayer",
  "This poll opens on {x}.": "Ce sondage ouvrira le {x}.",
  "This poll is not open yet.": "Ce sondage n’est pas encore ouvert.",
  "This poll is closed.": "Ce sondage est clos.",
  "Sorry, this poll has closed.": "Désolé, ce sondage vient de fermer.",
  "This poll could not be found.": "Ce sondage est introuvable.",
  "Sorry, too many votes have come from your network for this poll.": "Désolé, trop de votes sont venus de votre réseau pour ce sondage.",
  "Sorry, too many votes have come from your network recently. Please try again later.": "Désolé, trop de votes sont venus récemment de votre réseau. Veuillez réessayer plus tard.",
  "Choose between 1 and {n} of the options.": "Choisissez entre 1 et {n} des réponses proposées.",
  "This browser's voting id was not accepted. Please vote again.": "L’identifiant de vote de ce navigateur n’a pas été accepté. Veuillez voter à nouveau.",
  "Your browser could not complete the check. Please reload the page.": "Votre navigateur n’a pas pu effectuer la vérification. Veuillez recharger la page.",
  "Sorry, your vote was not accepted ({x}). Please reload the page.": "Désolé, votre vote n’a pas été accepté ({x}). Veuillez recharger la page.",
  "Something went wrong on our side and your vote was not confirmed.": "Un problème est survenu de notre côté et votre vote n’a pas été confirmé.",
  "Other": "Autre",
  "Your answer could not be accepted. Please shorten or reword it.": "Votre réponse n’a pas pu être acceptée. Raccourcissez-la ou reformulez-la.",
  "disclaimer": "Sondage des lecteurs : échantillon auto-sélectionné, pas une enquête scientifique."
};
