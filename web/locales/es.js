/* Poll widget: Spanish (es). Each key is the widget's English text (web/poll-widget.js), but
   `disclaimer`, the default disclaimer (docs/widget.md);
   a plural has one form per Intl.PluralRules category; {n} is a number, {x} a text. */
(window.pollWidgetLocales ||= {}).es = {
  "Poll: {x}": "Encuesta: {x}",
  "Loading the poll…": "Cargando la encuesta…",
  "Loading the results…": "Cargando los resultados…",
  "This could not be loaded.": "No se ha podido cargar.",
  "This could not be loaded. Check your connection.": "No se ha podido cargar. Comprueba tu conexión.",
  "Results": "Resultados",
  "Final results": "Resultados finales",
  "(your choice)": "(tu elección)",
  "{x} ({n} votes)": {
    "one": "{x} ({n} voto)",
    "many": "{x} ({n} de votos)",
    "other": "{x} ({n} votos)"
  },
  "{n} people have voted.": {
    "one": "Ha votado {n} persona.",
    "many": "Han votado {n} de personas.",
    "other": "Han votado {n} personas."
  },
  "Percentages are of voters, who could choose up to {n}.": "Los porcentajes son sobre el total de votantes, que podían elegir hasta {n}.",
  "Results are shown to readers who have voted.": "Los resultados solo se muestran a quienes han votado.",
  "Results will be published when the poll closes.": "Los resultados se publicarán cuando se cierre la encuesta.",
  "Results will be published when the poll closes on {x}.": "Los resultados se publicarán cuando se cierre la encuesta, el {x}.",
  "The results of this poll are not published.": "Los resultados de esta encuesta no se publican.",
  "Choose up to {n}.": "Elige hasta {n}.",
  "Vote": "Votar",
  "You have chosen {n}, the most this poll allows.": "Has elegido {n}, el máximo que permite esta encuesta.",
  "Choose an option first.": "Elige primero una opción.",
  "Choose at most {n}.": "Elige como máximo {n}.",
  "Checking…": "Comprobando…",
  "Your browser could not complete the check.": "Tu navegador no ha podido completar la comprobación.",
  "Complete the check above first.": "Completa primero la comprobación de arriba.",
  "Sending your vote…": "Enviando tu voto…",
  "Sending your vote again…": "Enviando tu voto de nuevo…",
  "Your vote could not be sent. Check your connection and try again.": "No se ha podido enviar tu voto. Comprueba tu conexión y vuelve a intentarlo.",
  "Thank you, your vote has been counted.": "Gracias, tu voto se ha contabilizado.",
  "You have already voted in this poll.": "Ya has votado en esta encuesta.",
  "The poll is busy. Trying again in {n} seconds…": {
    "one": "La encuesta está muy solicitada. Nuevo intento en {n} segundo…",
    "many": "La encuesta está muy solicitada. Nuevo intento en {n} de segundos…",
    "other": "La encuesta está muy solicitada. Nuevo intento en {n} segundos…"
  },
  "Try again": "Reintentar",
  "This poll opens on {x}.": "Esta encuesta se abre el {x}.",
  "This poll is not open yet.": "Esta encuesta aún no está abierta.",
  "This poll is closed.": "Esta encuesta está cerrada.",
  "Sorry, this poll has closed.": "Lo sentimos, esta encuesta se ha cerrado.",
  "This poll could not be found.": "No se ha encontrado esta encuesta.",
  "Sorry, too many votes have come from your network for this poll.": "Lo sentimos, han llegado demasiados votos desde tu red para esta encuesta.",
  "Sorry, too many votes have come from your network recently. Please try again later.": "Lo sentimos, han llegado demasiados votos desde tu red en poco tiempo. Vuelve a intentarlo más tarde.",
  "Choose between 1 and {n} of the options.": "Elige entre 1 y {n} de las opciones.",
  "This browser's voting id was not accepted. Please vote again.": "No se ha aceptado el identificador de voto de este navegador. Vuelve a votar.",
  "Your browser could not complete the check. Please reload the page.": "Tu navegador no ha podido completar la comprobación. Vuelve a cargar la página.",
  "Sorry, your vote was not accepted ({x}). Please reload the page.": "Lo sentimos, no se ha aceptado tu voto ({x}). Vuelve a cargar la página.",
  "Something went wrong on our side and your vote was not confirmed.": "Algo ha fallado por nuestra parte y tu voto no se ha confirmado.",
  "Other": "Otra",
  "Your answer could not be accepted. Please shorten or reword it.": "No se ha podido aceptar tu respuesta. Acórtala o reformúlala.",
  "disclaimer": "Encuesta de lectores: una muestra autoseleccionada, no un estudio científico."
};
