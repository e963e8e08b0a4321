"""Lyrics of the HBLM-like songs: where the language lives, with only a weak trace of the genre.

A song's words come mostly from the language's general vocabulary (Zipf-like
frequencies) and from two genre-free topics; a minority comes from the genre's
theme list.
"""

from __future__ import annotations

import numpy as np

from .styles import check_cell

THEME_FRACTION = (0.05, 0.15)
"""Range of the share of genre-theme words in a song's lyrics."""
TOPIC_FRACTION = (0.2, 0.35)
"""Range of the share of words of the song's own (genre-free) topics."""

_WORDS = {
    "English": (
        "i you me we my your our love heart night day light dream dreams eyes smile tears time life home road sky "
        "rain sun moon stars wind world know feel want need see hold run fall stay go come never always again "
        "tomorrow yesterday alone together away down up through every nothing everything someone believe remember "
        "forget lost found hope darling oh yeah just still only close far inside outside tell say sing call cry "
        "wait find leave look back here there where when why what now this that the a in on of to and but with "
        "for all no more than like so be is are was can will could would hear soul voice name hand hands face "
        "world friend long last first little right wrong true free young old morning evening shadow silence"
    ).split(),
    "Bangla": (
        "আমি তুমি সে আমরা তোমার আমার মন প্রাণ হৃদয় ভালোবাসা ভালোবাসি আকাশ মেঘ বৃষ্টি রোদ চাঁদ তারা রাত দিন "
        "সকাল সন্ধ্যা আলো ছায়া স্বপ্ন চোখ হাসি কান্না জল বাতাস ফুল পাখি গান সুর কথা পথ ঘর দূরে কাছে একা সাথে "
        "আজ কাল আবার কখনো শুধু সব কেউ কোথায় কেন যখন তখন এই ওই না হয় যায় আসে থাকে বলে দেখি শুনি খুঁজি ডাকে "
        "জানি চাই ভুলে মনে পড়ে হারিয়ে জীবন সময় স্মৃতি বুকে হাত মুখ নাম সুখ দুঃখ ব্যথা আশা নীল সোনার নতুন "
        "বন্ধু মা প্রিয় তোমায় আমায় চলো এসো থেকো বলো শোনো অনেক একটু সারা গভীর নীরব ঢেউ সাগর পাহাড় পৃথিবী "
        "ঠিকানা জানালা চিঠি রং বসন্ত ভোর কেমন যেন আর কি হবে ছিল আছে কোন তবু দাও নাও কবে হাওয়া"
    ).split(),
}
_THEMES = {
    "English": {
        "Folk": "river valley mountain harvest fields boatman village oak meadow wander shepherd lantern ballad "
                "hills fiddle land grain creek willow cabin plough barley dew mill".split(),
        "Rock": "fire scream highway rebel thunder storm break chains wild burn loud streets fight blood steel "
                "engine riot machine electric revolution wall neon rage roar".split(),
        "Pop": "dance party baby crush kiss glitter shine summer crazy sugar sweet lights disco forever boom "
               "heartbeat club vibe feeling gold perfect shimmer candy tonight".split(),
        "Acoustic": "guitar coffee window porch quiet gentle candle autumn letters slowly whisper wooden blanket "
                    "sunday tea soft songbird lullaby fireplace simple photograph strings kitchen".split(),
    },
    "Bangla": {
        "Folk": "মাঝি নৌকা নদী পদ্মা ঘাট বাউল একতারা দোতারা ধান মাঠ গাঁয়ের মাটি সাঁই মানুষ পার কূল বৈঠা পাল "
                "জোছনা কলসি বাঁশি গুরু দয়াল খাঁচা অচিন ভাটিয়ালি রে".split(),
        "Rock": "বিদ্রোহ আগুন ঝড় চিৎকার শহর রাস্তা মুক্তি প্রতিবাদ যুদ্ধ রক্ত শিকল ভাঙো জ্বলে পুড়ে দেয়াল অন্ধকার "
                "বজ্র গর্জন স্বাধীন লড়াই ধোঁয়া নিয়ন মিছিল ক্ষোভ".split(),
        "Pop": "প্রেম হৃদয়ে নাচো রাতভর তারায় মিষ্টি চুমু রঙিন স্বপ্নের বেবি ভালোলাগা প্রিয়তমা সুন্দর উজ্জ্বল "
               "মাতাল নাচ ছন্দ দোলা ঝিলমিল জাদু অনুভব পার্টি আজরাতে".split(),
        "Acoustic": "গিটার জানালার চায়ের কাপ বিকেল শান্ত নরম কাঠের মোমবাতি চুপচাপ ঘুম উঠোন বারান্দা কুয়াশা "
                    "শিশির পাতা আলতো ধীরে নীরবে গল্প পুরোনো ছাদ শীত".split(),
    },
}


_TOPICS = {
    "English": [
        "love kiss hold touch arms forever darling heart mine".split(),
        "gone goodbye tears empty cold miss broken lonely sorry".split(),
        "night moon stars dark midnight sleep dreams shadows".split(),
        "road train miles city leave journey far station ticket".split(),
        "sea river sky rain wind flowers sun trees clouds".split(),
        "home mother father childhood house door table photographs".split(),
        "free fly wings open run sky higher chains".split(),
        "time years clock wait slowly older moments yesterday".split(),
    ],
    "Bangla": [
        "ভালোবাসা প্রেম ছুঁয়ে আদর হৃদয় প্রিয়া চিরকাল বুকের".split(),
        "বিদায় চোখের শূন্য একলা হারানো ভাঙা মনখারাপ কষ্ট অভিমান".split(),
        "রাত চাঁদ তারা অন্ধকার মাঝরাতে ঘুম স্বপ্ন জোনাকি".split(),
        "পথ ট্রেন দূর শহর ঠিকানা রেলগাড়ি স্টেশন চলে যাওয়া".split(),
        "সাগর নদী আকাশ বৃষ্টি হাওয়া ফুল রোদ গাছ মেঘলা".split(),
        "ঘর মা বাবা শৈশব বাড়ি দরজা উঠোন আঙিনা".split(),
        "মুক্ত উড়ে ডানা খোলা ছুটে আকাশে উঁচু শিকল".split(),
        "সময় বছর ঘড়ি অপেক্ষা ধীরে মুহূর্ত গতকাল স্মৃতি".split(),
    ],
}


def write_lyrics(rng: np.random.Generator, *, genre: str, language: str) -> str:
    """Write the lyrics of one song.

    General vocabulary of the language (Zipf-like word frequencies), words of
    two randomly chosen genre-free topics of the song (love, loss, night, travel,
    ...) and a minority of words from the genre's theme list; verses, and a
    chorus that is repeated.  Bangla lyrics are in Bengali script, English lyrics in English.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    genre : str
        One of :data:`GENRES` (selects the theme list).
    language : str
        One of :data:`LANGUAGES`.

    Returns
    -------
    str
        Multi-line text (lines separated by ``"\\n"``, stanzas by a blank line),
        without leading or trailing whitespace.
    """
    check_cell(genre, language)
    words = _WORDS[language]
    theme = _THEMES[language][genre]
    ranks = np.arange(1, len(words) + 1)
    freq = 1.0 / (ranks + 3.0)
    freq = freq[np.argsort(np.random.default_rng(7 + len(language)).permutation(len(words)))]
    freq /= freq.sum()
    theme_fraction = rng.uniform(*THEME_FRACTION)
    topic_fraction = rng.uniform(*TOPIC_FRACTION)
    topics = rng.choice(len(_TOPICS[language]), size=2, replace=False)
    topic_words = [w for j in topics for w in _TOPICS[language][int(j)]]

    def line() -> str:
        n_words = int(rng.integers(4, 9))
        out = []
        for _ in range(n_words):
            r = rng.random()
            if r < theme_fraction:
                out.append(theme[int(rng.integers(len(theme)))])
            elif r < theme_fraction + topic_fraction:
                out.append(topic_words[int(rng.integers(len(topic_words)))])
            else:
                out.append(words[int(rng.choice(len(words), p=freq))])
        if language == "English":
            out[0] = out[0].capitalize()
            out = ["I" if w == "i" else w for w in out]
        return " ".join(out)

    def stanza(n_lines: int) -> list[str]:
        return [line() for _ in range(n_lines)]

    chorus = stanza(int(rng.integers(2, 5)))
    stanzas = []
    for _ in range(int(rng.integers(2, 4))):
        stanzas.append(stanza(int(rng.integers(3, 6))))
        stanzas.append(chorus)
    return "\n\n".join("\n".join(s) for s in stanzas).strip()
