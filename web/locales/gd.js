/* Poll widget: Scottish Gaelic (gd). To be reviewed by a native speaker. Each key is the widget's English text (web/poll-widget.js), but
   `disclaimer`, the default disclaimer (docs/widget.md);
   a plural has one form per Intl.PluralRules category; {n} is a number, {x} a text. */
(window.pollWidgetLocales ||= {}).gd = {
  "Poll: {x}": "Cunntas-bheachd: {x}",
  "Loading the poll…": "A' luchdadh a' chunntais-bheachd…",
  "Loading the results…": "A' luchdadh nan toraidhean…",
  "This could not be loaded.": "Cha b' urrainn dhuinn seo a luchdadh.",
  "This could not be loaded. Check your connection.": "Cha b' urrainn dhuinn seo a luchdadh. Thoir sùil air a' cheangal agad.",
  "Results": "Toraidhean",
  "Final results": "Na toraidhean deireannach",
  "(your choice)": "(an roghainn agad)",
  "{x} ({n} votes)": {
    "one": "{x} ({n} bhòt)",
    "two": "{x} ({n} bhòt)",
    "few": "{x} ({n} bhòtaichean)",
    "other": "{x} ({n} bhòt)"
  },
  "{n} people have voted.": {
    "one": "Tha {n} neach air bhòtadh.",
    "two": "Tha {n} neach air bhòtadh.",
    "few": "Tha {n} daoine air bhòtadh.",
    "other": "Tha {n} neach air bhòtadh."
  },
  "Percentages are of voters, who could choose up to {n}.": "Tha na ceudadan a rèir nan daoine a bhòt; b' urrainn dhaibh suas ri {n} a thaghadh.",
  "Results are shown to readers who have voted.": "Chì luchd-leughaidh a bhòt na toraidhean.",
  "Results will be published when the poll closes.": "Thèid na toraidhean fhoillseachadh nuair a dhùineas an cunntas-bheachd.",
  "Results will be published when the poll closes on {x}.": "Thèid na toraidhean fhoillseachadh nuair a dhùineas an cunntas-bheachd air {x}.",
  "The results of this poll are not published.": "Cha tèid toraidhean a' chunntais-bheachd seo fhoillseachadh.",
  "Choose up to {n}.": "Tagh suas ri {n}.",
  "Vote": "Bhòt",
  "You have chosen {n}, the most this poll allows.": "Thagh thu {n}, an àireamh as motha a cheadaicheas an cunntas-bheachd seo.",
  "Choose an option first.": "Tagh freagairt an toiseach.",
  "Choose at most {n}.": "Tagh {n} air a' char as motha.",
  "Checking…": "Ga dhearbhadh…",
  "Your browser could not complete the check.": "Cha b' urrainn dhan bhrabhsair agad an dearbhadh a choileanadh.",
  "Complete the check above first.": "Coilean an dearbhadh gu h-àrd an toiseach.",
  "Sending your vote…": "A' cur a' bhòt agad…",
  "Sending your vote again…": "A' cur a' bhòt agad a-rithist…",
  "Your vote could not be sent. Check your connection and try again.": "Cha b' urrainn dhuinn a' bhòt agad a chur. Thoir sùil air a' cheangal agad is feuch ris a-rithist.",
  "Thank you, your vote has been counted.": "Tapadh leat, chaidh a' bhòt agad a chunntadh.",
  "You have already voted in this poll.": "Bhòt thu sa chunntas-bheachd seo mu thràth.",
  "The poll is busy. Trying again in {n} seconds…": {
    "one": "Tha an cunntas-bheachd trang. Feuchaidh sinn ris a-rithist an ceann {n} diog…",
    "two": "Tha an cunntas-bheachd trang. Feuchaidh sinn ris a-rithist an ceann {n} dhiog…",
    "few": "Tha an cunntas-bheachd trang. Feuchaidh sinn ris a-rithist an ceann {n} diogan…",
    "other": "Tha an cunntas-bheachd trang. Feuchaidh sinn ris a-rithist an ceann {n} diog…"
  },
  "Try again": "Feuch ris a-rithist",
  "This poll opens on {x}.": "Fosglaidh an cunntas-bheachd seo air {x}.",
  "This poll is not open yet.": "Chan eil an cunntas-bheachd seo fosgailte fhathast.",
  "This poll is closed.": "Tha an cunntas-bheachd seo dùinte.",
  "Sorry, this poll has closed.": "Tha sinn duilich, chaidh an cunntas-bheachd seo a dhùnadh.",
  "This poll could not be found.": "Cha deach an cunntas-bheachd seo a lorg.",
  "Sorry, too many votes have come from your network for this poll.": "Tha sinn duilich, thàinig cus bhòtaichean on lìonra agad sa chunntas-bheachd seo.",
  "Sorry, too many votes have come from your network recently. Please try again later.": "Tha sinn duilich, thàinig cus bhòtaichean on lìonra agad o chionn goirid. Feuch ris a-rithist an ceann tàmaill.",
  "Choose between 1 and {n} of the options.": "Tagh eadar 1 is {n} de na freagairtean.",
  "This browser's voting id was not accepted. Please vote again.": "Cha deach gabhail ri aithnichear bhòtaidh a' bhrabhsair seo. Bhòt a-rithist.",
  "Your browser could not complete the check. Please reload the page.": "Cha b' urrainn dhan bhrabhsair agad an dearbhadh a choileanadh. Ath-luchdaich an duilleag.",
  "Sorry, your vote was not accepted ({x}). Please reload the page.": "Tha sinn duilich, cha deach gabhail ris a' bhòt agad ({x}). Ath-luchdaich an duilleag.",
  "Something went wrong on our side and your vote was not confirmed.": "Chaidh rudeigin ceàrr air ar taobh-ne agus cha deach a' bhòt agad a dhearbhadh.",
  "disclaimer": "Cunntas-bheachd leughadairean: sampall fèin-thaghte, chan e suirbhidh saidheansail."
};
