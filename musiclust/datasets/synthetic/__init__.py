"""Procedurally synthesised stand-in for the HBLM-100 corpus.

HBLM-100 holds 100 songs (Bangla and English, with lyrics).  This module
synthesises a corpus with the same layout and the same (language, genre) design
so that the whole pipeline can run, and be tested, without the real audio.  It
is built to ask "which modality carries which factor":

* **genre lives mainly in the audio** -- tempo (overlapping ranges), metre,
  16/12-step drum patterns with per-track mutations, bass lines, chord
  progressions and instrument timbres (distorted power chords for Rock, synth
  pads, 808-style kicks and claps for Pop, harmonium / dotara / flute and hand
  drums for Folk, strummed or finger-picked guitar, piano and cajon for
  Acoustic).  Instruments are borrowed across genres with some probability,
  Rock uses the same instruments in both languages, and every track gets its own
  mix gains, reverb, spectral tilt, band limit, noise floor, compression and
  loudness, plus intro / verse / chorus / bridge sections of different density;
* **language lives mainly in the lyrics** -- Bengali-script lyrics for Bangla,
  English lyrics for English;
* **weak cross-cues** -- a minority (about 5-15 %) of the lyric words come from
  per-genre theme lists (most of the rest from the language's general
  vocabulary and from two genre-free topics per song), and every track carries a sung line whose vowel
  formants, vibrato, portamento, ornaments and melodic step sizes differ
  slightly between the two languages.

Layout (identical to HBLM-100)::

    out_dir/metadata.csv                 UTF-8 with BOM, LF, no final newline,
                                         columns filename,language,genre,label_id,lyrics
    out_dir/audio/bangla/song_<n>.flac   16-bit PCM, mono
    out_dir/audio/english/song_<n>.flac

Every track is seeded from ``SeedSequence(seed, spawn_key=(language, genre, i))``,
so a track depends only on the seed, its cell and its index within the cell (and
the sample rate / duration bounds), not on the other cells of the design.

Calibration (``scripts/calibrate_synthetic.py``, default study design, 100
tracks, 30-45 s at 22,050 Hz, FLAC read back, central 30 s per track; "clip
statistics" are the 43 numbers of :mod:`musiclust.clipstats`, standardised,
KMeans n_init=10, random_state=0; lyrics: word TF-IDF, same KMeans)::

    seed                                     0      1      2
    audio  genre NMI    (k=4)              0.567  0.531  0.608   target 0.4-0.7
    audio  language NMI (k=2)              0.136  0.088  0.092   target < 0.3
    lyrics language NMI (k=2)              1.000  1.000  1.000   target > 0.8
    lyrics genre NMI    (k=4)              0.319  0.353  0.370   target < 0.4
    lyrics genre NMI within Bangla         0.000  0.159  0.005
    lyrics genre NMI within English        0.035  0.016  0.077
    lyrics genre NMI, crossed (5/cell)     0.172  0.043  0.174

(In-memory runs without the FLAC round trip gave audio genre NMI 0.61, 0.61,
0.50, 0.62, 0.61 for seeds 0-4: k-means on 100 points moves by a few hundredths
under tiny perturbations.)  In the study design language and genre are
confounded (Bangla is only Folk/Rock, English only Pop/Rock/Acoustic): a
clustering that merely recovers language already scores NMI 0.426 against
genre, so the within-language and crossed numbers are the ones that show how
little genre the lyrics carry.  The sung line is a weak language cue: a
logistic regression on the clip statistics of 40 + 40 Rock tracks tells the
language apart with about 60 % cross-validated accuracy (chance 50 %).
Generating the default corpus takes about 30 s on one core (FLAC included).

The same machinery also builds a **GTZAN-like** corpus
(:func:`generate_gtzan_corpus`): ten genres in GTZAN's folder layout, 30-s
clips, no lyrics, overlapping genre styles, and one planted unreadable file
like GTZAN's ``jazz.00054.wav``.

Modules: :mod:`.styles` describes every genre of both corpora as one
:class:`~.styles.Style` (plus the per-corpus :class:`~.styles.Rules`);
:mod:`.song` renders a track of any genre from its style (:mod:`.plan`,
:mod:`.drums`, :mod:`.harmony`, :mod:`.melody` for the parts; :mod:`.dsp`,
:mod:`.instruments`, :mod:`.voice` and :mod:`.material` for the sounds and the
musical material); :mod:`.lyrics` writes the lyrics; :mod:`.hblm` and
:mod:`.gtzan` write the two corpora.
"""

from .formats import AUDIO_FORMATS
from .gtzan import generate_gtzan_corpus, synthesize_gtzan_track
from .hblm import (
    FACTORS_FILE,
    LABEL_IDS,
    METADATA_COLUMNS,
    STUDY_GROUPS,
    generate_corpus,
    group_counts,
    synthesize_track,
    synthesize_track_with_factors,
)
from .lyrics import write_lyrics
from .styles import GENRES, GTZAN_GENRES, LANGUAGES

__all__ = [
    "STUDY_GROUPS",
    "LANGUAGES",
    "GENRES",
    "LABEL_IDS",
    "METADATA_COLUMNS",
    "AUDIO_FORMATS",
    "group_counts",
    "synthesize_track",
    "synthesize_track_with_factors",
    "FACTORS_FILE",
    "write_lyrics",
    "generate_corpus",
    "GTZAN_GENRES",
    "synthesize_gtzan_track",
    "generate_gtzan_corpus",
]
