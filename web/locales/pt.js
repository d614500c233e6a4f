/* Poll widget: Portuguese (pt). Each key is the widget's English text (web/poll-widget.js), but
   `disclaimer`, the default disclaimer (docs/widget.md);
   a plural has one form per Intl.PluralRules category; {n} is a number, {x} a text. */
(window.pollWidgetLocales ||= {}).pt = {
  "Poll: {x}": "Votação: {x}",
  "Loading the poll…": "A carregar a votação…",
  "Loading the results…": "A carregar os resultados…",
  "This could not be loaded.": "Não foi possível carregar.",
  "This could not be loaded. Check your connection.": "Não foi possível carregar. Verifique a sua ligação à internet.",
  "Results": "Resultados",
  "Final results": "Resultados finais",
  "(your choice)": "(a sua escolha)",
  "{x} ({n} votes)": {
    "one": "{x} ({n} voto)",
    "many": "{x} ({n} de votos)",
    "other": "{x} ({n} votos)"
  },
  "{n} people have voted.": {
    "one": "Votou {n} pessoa.",
    "many": "Votaram {n} de pessoas.",
    "other": "Votaram {n} pessoas."
  },
  "Percentages are of voters, who could choose up to {n}.": "As percentagens referem-se aos votantes, que podiam escolher até {n}.",
  "Results are shown to readers who have voted.": "Os resultados só são mostrados aos leitores que votaram.",
  "Results will be published when the poll closes.": "Os resultados serão publicados quando a votação terminar.",
  "Results will be published when the poll closes on {x}.": "Os resultados serão publicados quando a votação terminar, a {x}.",
  "The results of this poll are not published.": "Os resultados desta votação não são publicados.",
  "Choose up to {n}.": "Escolha até {n}.",
  "Vote": "Votar",
  "You have chosen {n}, the most this poll allows.": "Escolheu {n}, o máximo que esta votação permite.",
  "Choose an option first.": "Escolha primeiro uma opção.",
  "Choose at most {n}.": "Escolha no máximo {n}.",
  "Checking…": "A verificar…",
  "Your browser could not complete the check.": "O seu navegador não conseguiu concluir a verificação.",
  "Complete the check above first.": "Conclua primeiro a verificação acima.",
  "Sending your vote…": "A enviar o seu voto…",
  "Sending your vote again…": "A enviar novamente o seu voto…",
  "Your vote could not be sent. Check your connection and try again.": "Não foi possível enviar o seu voto. Verifique a sua ligação e tente novamente.",
  "Thank you, your vote has been counted.": "Obrigado, o seu voto foi contabilizado.",
  "You have already voted in this poll.": "Já participou nesta votação.",
  "The poll is busy. Trying again in {n} seconds…": {
    "one": "A votação está muito concorrida. Nova tentativa dentro de {n} segundo…",
    "many": "A votação está muito concorrida. Nova tentativa dentro de {n} de segundos…",
    "other": "A votação está muito concorrida. Nova tentativa dentro de {n} segundos…"
  },
  "Try again": "Tentar novamente",
  "This poll opens on {x}.": "Esta votação abre a {x}.",
  "This poll is not open yet.": "Esta votação ainda não está aberta.",
  "This poll is closed.": "Esta votação está encerrada.",
  "Sorry, this poll has closed.": "Lamentamos, esta votação acabou de encerrar.",
  "This poll could not be found.": "Não foi possível encontrar esta votação.",
  "Sorry, too many votes have come from your network for this poll.": "Lamentamos, chegaram demasiados votos da sua rede para esta votação.",
  "Sorry, too many votes have come from your network recently. Please try again later.": "Lamentamos, chegaram demasiados votos da sua rede nos últimos minutos. Tente novamente mais tarde.",
  "Choose between 1 and {n} of the options.": "Escolha entre 1 e {n} das opções.",
  "This browser's voting id was not accepted. Please vote again.": "O identificador de voto deste navegador foi recusado. Vote novamente.",
  "Your browser could not complete the check. Please reload the page.": "O seu navegador não conseguiu concluir a verificação. Recarregue a página.",
  "Sorry, your vote was not accepted ({x}). Please reload the page.": "Lamentamos, o seu voto foi recusado ({x}). Recarregue a página.",
  "Something went wrong on our side and your vote was not confirmed.": "Ocorreu um erro do nosso lado e o seu voto não foi confirmado.",
  "Other": "Outra",
  "Your answer could not be accepted. Please shorten or reword it.": "Não foi possível aceitar a sua resposta. Encurte-a ou reformule-a.",
  "disclaimer": "Sondagem dos leitores: uma amostra autosselecionada, não um inquérito científico."
};
