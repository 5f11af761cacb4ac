"""Is a chat message English? A guess from function words and letters, in microseconds.

The English encoders place a French or Polish request next to unrelated English text, so
the router sends messages in other languages to a multilingual encoder instead. Chat
messages are short and full of names, code and product words, so the guess leans on
what every sentence needs whatever its topic: articles, pronouns, prepositions and
auxiliaries, and letters only some alphabets have. When nothing decides, it says
English: the English encoders are the more accurate ones on everything they can read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from novabot.agents.cards import ScopeCard

ENGLISH = "en"

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the an and or but of to in on at for with from by about is are was were be been "
        "do does did have has had can could will would should shall may might must i you he "
        "she it we they me my your our their this that these those what which who whom "
        "whose where when why how not no yes please thanks hi hey there here some any all "
        "just if then than so as into out up down over after before also only per what's "
        "it's don't can't i'm let's that's there's".split()
    ),
    "fr": frozenset(
        "le la les un une des du de et ou mais est sont était être avoir ai as avons avez "
        "ont je tu il elle nous vous ils elles mon ma mes ton ta tes son sa ses notre votre "
        "leur leurs ce cette ces cet qui que quoi où quand comment pourquoi ne pas plus "
        "dans sur pour par avec sans chez au aux y en moi toi lui peux peut pouvez veux "
        "voudrais fais faire merci bonjour salut oui non est-ce qu'il c'est j'ai d'un "
        "s'il stp svp combien quel quelle quels quelles hier demain aujourd'hui on l' d' j' "
        "c' qu' n' s'".split()
    ),
    "de": frozenset(
        "der die das den dem des ein eine einen einem einer und oder aber ist sind war "
        "waren sein haben hat habe hast ich du er sie es wir ihr mein meine dein deine "
        "unser unsere euer ihre dieser diese dieses was wer wie wo wann warum welche "
        "nicht kein keine mit für von zu zum zur auf aus bei nach über unter im ins am "
        "kannst kann können könntest möchte bitte danke hallo ja nein mir mich dir dich "
        "uns unseren unserem unserer an in noch auch schon mal gibt wieviel wieviele welcher "
        "welches gestern heute "
        "morgen".split()
    ),
    "es": frozenset(
        "el la los las un una unos unas y o pero es son era está están estoy ser estar "
        "he ha han tengo tiene yo tú él ella nosotros vosotros ellos ellas mi mis tu tus "
        "su sus nuestro nuestra este esta estos estas ese esa qué quién cómo dónde cuándo "
        "por para con sin del al en de lo le les me te se nos puedes puede podrías "
        "quiero necesito hola gracias sí no muy también hay cuánto cuánta cuántos cuántas "
        "cuál cuáles ayer hoy mañana".split()
    ),
    "it": frozenset(
        "il lo la i gli le un uno una e o ma è sono era essere avere ho hai ha abbiamo "
        "hanno io tu lui lei noi voi loro mio mia miei mie tuo tua suo sua nostro questo "
        "questa questi queste quello quella che chi come dove quando perché non più del "
        "della dei delle nel nella per con su da di al alla puoi può potresti vorrei "
        "fammi grazie ciao sì anche c'è ci mi ti si quanto quanta quanti quante quale "
        "quali cosa ieri oggi domani in l' un' dell' all' nell' sull' dall' c'".split()
    ),
    "pt": frozenset(
        "o a os as um uma uns umas e ou mas é são era ser estar está estou tenho tem eu "
        "tu ele ela nós vós eles elas meu minha meus teu tua seu sua nosso este esta isto "
        "esse essa que quem como onde quando porque não mais do da dos das no na nos nas "
        "por para com sem ao em de me te se você pode podes quero preciso olá obrigado "
        "obrigada sim também há".split()
    ),
    "pl": frozenset(
        "i w we z ze na do od po za przez dla o u a ale lub czy jest są był była było "
        "być mam masz ma mamy macie mają ja ty on ona ono my wy oni one mój moja moje twój "
        "twoja nasz wasz ten ta to te tego tej co kto jak gdzie kiedy dlaczego nie tak "
        "już jeszcze też mi mnie ci cię go jej ich możesz może mógłbyś proszę dzięki "
        "dziękuję cześć się sie jaki jaka jakie które który która ktore ktory ktora ile "
        "sa są byc moge mozesz prosze dziekuje wszystkie wszystkich wczoraj dzisiaj "
        "jutro żeby zeby ktoś ktos coś cos więc wiec bo tylko bardzo można mozna trzeba "
        "juz jeśli jesli jeżeli jezeli będzie bedzie chcę chce mój moj twoj albo oraz gdy "
        "nam wam sobie nic zaraz więcej wiecej teraz potem".split()
    ),
    "nl": frozenset(
        "de het een en of maar is zijn was waren ben heb hebt heeft hebben ik jij je hij "
        "zij ze wij we jullie mijn jouw zijn haar ons onze dit dat deze die wat wie hoe "
        "waar wanneer waarom niet geen met voor van naar op uit bij over onder kun kan "
        "kunnen wil graag alsjeblieft bedankt hallo ja nee ook nog er in".split()
    ),
}
LANGUAGE_WORDS: frozenset[str] = frozenset().union(*FUNCTION_WORDS.values())
"""Every function word above: they tell a message's language, not what it asks for."""
SHARED = frozenset({"a", "i"})
"""Words too common in several of these languages to point to any one."""
LETTERS: dict[str, str] = {
    "fr": "àâæçèêëîïôœùûÿ",
    "de": "äöüß",
    "es": "ñ¿¡",
    "it": "ìò",
    "pt": "ãõ",
    "pl": "ąćęłńśźż",
}
"""Letters that point to one language; accents shared by several count for none."""
ENOUGH_ENGLISH = 3
"""A request with this many English function words is English, whatever it quotes:
"english version of this please: Bitte senden Sie…" is a request the English encoder reads."""
LETTER_WEIGHT = 2
"""A distinctive letter weighs two function words: one is rarely there by accident."""
_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_ADDRESSES = re.compile(r"\S+://\S+|\S+@\S+|\S+\.(?:com|org|net|io|dev)\S*")
"""Links, e-mail addresses and host names: their pieces are no language's words."""
_LONG_WORD = re.compile(r"\b\w{2,}\b")
"""A word in capitals inside a message in lower case is an acronym or a code (IT, PR,
SQL, DHL), whatever English word it spells."""


def guess_language(text: str) -> str:
    """The language code whose function words and letters the text has most of; English
    when none has more than English, or when the English part alone is a sentence."""
    if not text.isupper():  # a message in capitals is shouted, not made of acronyms
        text = _LONG_WORD.sub(_drop_acronym, text)
    lowered = _ADDRESSES.sub(" ", text.lower())
    words = [word.replace("’", "'") for word in _WORDS.findall(lowered)]
    words += [word[: word.index("'") + 1] for word in words if "'" in word]  # elided: l', d'
    words = [word for word in words if word not in SHARED]
    counts = {
        language: sum(word in vocabulary for word in words)
        for language, vocabulary in FUNCTION_WORDS.items()
    }
    for language, letters in LETTERS.items():
        counts[language] += LETTER_WEIGHT * sum(lowered.count(letter) > 0 for letter in letters)
    if counts[ENGLISH] >= ENOUGH_ENGLISH:
        return ENGLISH
    best = max(counts, key=lambda language: counts[language])
    return best if counts[best] > counts[ENGLISH] else ENGLISH


def _drop_acronym(word: re.Match[str]) -> str:
    return " " if word.group().isupper() else word.group()


def english_only(card: ScopeCard) -> ScopeCard:
    """The card as an English encoder should learn it: without the statements and
    examples in other languages (those messages never reach an English-only matcher, and
    their vectors would crowd whichever card has foreign text, the translator's).

    A list left empty keeps what it had: a card must say something in every field.
    """

    def english(texts: list[str]) -> list[str]:
        return english_texts(texts) or texts

    return card.model_copy(
        update={
            "does": english(card.does),
            "does_not": english(card.does_not),
            "examples": english(card.examples),
        }
    )


def english_texts(texts: Iterable[str]) -> list[str]:
    """Those of `texts` that are English, in order."""
    return [text for text in texts if guess_language(text) == ENGLISH]
