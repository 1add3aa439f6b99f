"""Korean as people type it: the morphological analyzer Kiwi (kiwipiepy,
its model from the kiwipiepy_model package: nothing is downloaded at run
time) finds the words inside 전동드릴, 드릴을 and 빌려드려요, so spacing
and particles do not matter to search (listings/search.py).

The model takes about a second and 100 MB to load, and its first analysis
two more: once per process, when the server starts (warm_up, from
marketplace/wsgi.py and asgi.py), or else on the first text analysed."""

import threading

# What a thing is called: nouns (general, proper), numerals, roots, verb and
# adjective stems, foreign words, Chinese characters and numbers. Particles,
# endings and affixes (을, 이, 어요, 용) are left out.
CONTENT_TAGS = frozenset({"NNG", "NNP", "NR", "XR", "VV", "VA", "SL", "SH", "SN"})

_kiwi = None
_loading = threading.Lock()
_analysing = threading.Lock()


def _analyzer():
    global _kiwi
    if _kiwi is None:
        with _loading:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                from listings.vocabulary import shipped_terms

                kiwi = Kiwi()
                # The things people lend are nouns: 드릴 is a drill, not
                # the verb 드리다 (the shipped vocabulary).
                for korean, _english in shipped_terms():
                    for word in korean.split():
                        kiwi.add_user_word(word, "NNG", 0)
                _kiwi = kiwi
    return _kiwi


def content_words(text: str) -> list[str]:
    """The text's content morphemes, lowercased, in order: "전동드릴을
    빌려요" gives ["전동", "드릴", "빌리"]."""
    if not text or not text.strip():
        return []
    analyzer = _analyzer()
    with _analysing:  # one analysis at a time: the analyzer is shared
        tokens = analyzer.tokenize(text)
    return [token.form.casefold() for token in tokens if token.tag in CONTENT_TAGS
            and token.form.strip()]


def warm_up() -> None:
    """Load the model and make its first analysis now (about 3 s), when a
    server starts, rather than in someone's first Korean search."""
    content_words("전동드릴을 빌려요")
