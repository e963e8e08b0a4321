"""Genre styles of both corpora, as instances of one :class:`Style`, and the per-corpus :class:`Rules`.

A :class:`Style` says how one genre is played (tempo, metre, harmony,
instruments, how each instrument accompanies, levels, voice and mastering
ranges); every track draws its own values within these.  :class:`Rules` hold
what is the same for all genres of a corpus but differs between the HBLM-like
and the GTZAN-like corpus (difficulty knobs, drum and accompaniment habits,
details of the sung line).  A :class:`Layout` ties the genres of a corpus to
its rules; instruments are borrowed only between genres of the same layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .material import BLUES, GTZAN_PROGRESSIONS, HARMONIC_MINOR, HBLM_PROGRESSIONS, NATURAL_MINOR, PICK_PATTERNS

LANGUAGES: tuple[str, ...] = ("Bangla", "English")
GENRES: tuple[str, ...] = ("Folk", "Rock", "Pop", "Acoustic")

SLOTS: tuple[str, ...] = ("drums", "harmony", "harmony2", "bass", "lead")
"""Instrument slots of a band, in the order they are planned."""


@dataclass(frozen=True)
class Style:
    """How a genre is played; every track draws its own values within these."""

    tempo: tuple[float, float]  # quarter notes per minute
    triplet: float  # probability of a triplet grid (swing, shuffle, 12/8)
    swing: tuple[float, float] | None  # straight grid: delay of the off sixteenths, in steps; None: never swung
    progressions: list  # chord progressions to choose from
    seventh: float  # probability of making a triad richer (see material.colour_chords)
    drums: tuple  # options of every instrument slot (None: the slot stays empty)
    harmony: tuple
    harmony2: tuple
    bass: tuple
    lead: tuple
    plays: Mapping[str, str]  # instrument -> how it accompanies (harmony.PLAYS; "hold" when missing)
    bass_patterns: tuple  # onsets (steps) of the bass within a bar
    slot_db: Mapping[str, float]  # typical level of every slot before the random mix spread
    jitter: tuple[float, float]  # timing looseness of the drummer (s)
    reverb: tuple[float, float]  # reverb time (s)
    wet: tuple[float, float]
    drive: tuple[float, float]  # mastering saturation
    peak_db: tuple[float, float]
    lofi: float  # probability of a band-limited old recording
    snr_db: tuple[float, float]
    swing_chance: float = 1.0  # probability that a straight track swings at all (drawn only below 1)
    extensions: Mapping[str, tuple[str, ...]] | None = None  # richer chords per triad; None: diatonic sevenths
    chord_bars: tuple[int, ...] = (1,)  # bars per chord (options; see Rules.double_chords_above)
    scale: tuple[int, ...] | None = None  # a fixed melodic scale (blues); None: from the progression
    minor_scale: tuple[int, ...] = NATURAL_MINOR
    drumless: bool = False  # never any drums, not even borrowed ones
    bass_styles: tuple[str, ...] = ("root",)  # bass figures (harmony.BASS_FIGURES)
    power_root: int = 40  # lowest root of power chords (MIDI)
    chug_always: bool = False  # power chords are always palm-muted eighths
    sixteenth_chug: float = 0.0  # probability of palm-muting on every sixteenth instead
    vocals: float = 1.0  # probability of a vocal line (drawn only below 1)
    voice: str = "sing"  # "sing", "rap" or "harsh"
    female: float = 0.5  # probability of a female singer
    voice_tilt: float = 0.0  # brighter voice: less spectral tilt
    lead_density: float = 0.5  # note density of the lead instrument
    dynamics_db: tuple[float, float] | None = None  # slow loudness movement (classical swells); None: none


@dataclass(frozen=True)
class Rules:
    """What all genres of a corpus share and the two corpora do differently."""

    crossover: float  # probability that an instrument slot is borrowed from another genre
    mix_sd_db: float  # per-stem gain spread
    tilt_sd_db: float  # mastering low/high shelf spread
    dynamics_sd_db: float  # extra slow loudness movement of every track with dynamics
    triplet_tempo: float  # tempo factor of a triplet grid (0.62: 12/8 felt in dotted quarters)
    swing_parts: bool  # the swing moves every part, not only the drum groove
    sus_chance: float  # probability of suspending a triad that stays plain
    double_chords_above: float | None  # faster than this, half the tracks hold chords two bars; None: Style.chord_bars
    dominant_mixolydian: bool  # a dominant seventh chord calls for the flat-seventh scale
    full_kits: bool  # the band kits also get open hat, brush and rim
    mutation: tuple[float, float]  # probabilities of added and removed hits of the per-track drum pattern
    drum_rest: float  # probability that the drums rest in a bar of intro, bridge or outro
    hat_rest: float  # probability that hats and shakers rest in the verses
    fill: float  # probability of a fill at the end of a section
    fill_voices: tuple[str, ...]  # the fill's drum besides the tom: the first of these in the kit
    pick_patterns: tuple  # arpeggio orders to choose from
    chug: float  # probability of palm-muted power chords in verse and intro
    arp_follows_grid: bool  # arpeggios move and ring per grid note (else per eighth, ringing 2.5 steps)
    block_beats: int | None  # block chords ring this many beats; None: until the next chord
    block_velocity: float
    bass_rest: float  # probability that the bass rests in a bar of intro or outro
    triplet_bass: tuple[tuple[int, ...], tuple[int, ...]]  # bass onsets of a triplet bar (either, evenly)
    breath_min: int  # shortest rest (steps) at the end of a melodic phrase
    vocal_attack: tuple[float, float]
    consonant_length: tuple[float, float]
    consonant_gain: float
    ornaments: bool  # sung notes may start with a grace-note turn
    vocal_tremolo: float
    lead_centres: Mapping[str, int]  # centre (MIDI) of a lead instrument's range; 67 when missing
    sustained_lead: float  # density factor of sustained leads (strings, pads, cello)
    lead_yields_to_vocals: bool  # the lead plays where nobody sings (else: outside the verses)
    lofi_band: tuple[float, float]  # cutoff of an old recording's low-pass
    lofi_highpass: float  # probability that an old recording also loses its lows


@dataclass(frozen=True)
class Layout:
    """The genres of one corpus (in the order borrowing lists them) and its rules."""

    styles: Mapping[str, Style]
    rules: Rules


def slot_levels(drums: float, harmony: float, harmony2: float, bass: float, lead: float, vocals: float) -> dict:
    """Typical level (dB) of every slot."""
    return dict(drums=drums, harmony=harmony, harmony2=harmony2, bass=bass, lead=lead, vocals=vocals)


# --------------------------------------------------------------------------
# HBLM-like corpus (calibrated with scripts/calibrate_synthetic.py)
# --------------------------------------------------------------------------
HBLM_RULES = Rules(
    crossover=0.05, mix_sd_db=2.5, tilt_sd_db=1.0, dynamics_sd_db=0.0, triplet_tempo=0.62, swing_parts=False,
    sus_chance=0.08, double_chords_above=130.0, dominant_mixolydian=False, full_kits=False, mutation=(0.08, 0.12),
    drum_rest=0.35, hat_rest=0.5, fill=0.6, fill_voices=("snare", "high", "slap"), pick_patterns=PICK_PATTERNS[:3],
    chug=0.7, arp_follows_grid=False, block_beats=2, block_velocity=0.4, bass_rest=0.5,
    triplet_bass=((0, 6), (0, 4, 6, 10)), breath_min=2, vocal_attack=(0.015, 0.04), consonant_length=(0.03, 0.08),
    consonant_gain=0.25, ornaments=True, vocal_tremolo=0.1, lead_centres={"organ": 60}, sustained_lead=0.3,
    lead_yields_to_vocals=False, lofi_band=(3500, 9000), lofi_highpass=0.0,
)

_HBLM_PLAYS = {"dist_guitar": "power", "acoustic_guitar": "strum", "fingerpick": "arp", "dotara": "arp",
               "ektara": "drone", "piano": "block", "synth_pluck": "eighths"}

_HBLM_COMMON = dict(
    plays=_HBLM_PLAYS, jitter=(0.002, 0.012), reverb=(0.15, 1.2), wet=(0.05, 0.45), lofi=0.1, snr_db=(25.0, 50.0),
)

HBLM_STYLES: dict[str, Style] = {
    "Folk": Style(
        tempo=(76.0, 142.0), triplet=0.45, swing=(0.0, 0.12), swing_chance=0.4,
        progressions=HBLM_PROGRESSIONS["Folk"], seventh=0.1,
        drums=("hand",), harmony=("harmonium", "harmonium", "dotara"),
        harmony2=(None, "acoustic_guitar", "ektara", "dotara"), bass=(None, "bass_pluck", None),
        lead=("flute", "flute", "ektara", "dotara"), bass_patterns=((0, 8), (0, 6, 8)),
        slot_db=slot_levels(-3.0, -3.0, -6.0, -6.0, -3.0, 0.0), drive=(0.5, 2.0), peak_db=(-9.0, -1.0),
        **_HBLM_COMMON,
    ),
    "Rock": Style(
        tempo=(96.0, 170.0), triplet=0.1, swing=None, progressions=HBLM_PROGRESSIONS["Rock"], seventh=0.05,
        drums=("rock",), harmony=("dist_guitar",), harmony2=(None, None, "organ", "acoustic_guitar", "piano"),
        bass=("bass_rock",), lead=("lead_guitar", "lead_guitar", "organ", None),
        bass_patterns=((0, 2, 4, 6, 8, 10, 12, 14), (0, 6, 8, 12), (0, 3, 6, 8, 11, 14)),
        slot_db=slot_levels(0.0, 0.0, -6.0, -3.0, -3.0, -3.0), drive=(2.0, 5.0), peak_db=(-3.0, -0.3),
        voice_tilt=0.2, **_HBLM_COMMON,
    ),
    "Pop": Style(
        tempo=(90.0, 128.0), triplet=0.05, swing=None, progressions=HBLM_PROGRESSIONS["Pop"], seventh=0.25,
        drums=("pop",), harmony=("pad", "pad", "pad", "synth_pluck"),
        harmony2=(None, "synth_pluck", "piano", "acoustic_guitar"), bass=("synth_bass", "synth_bass", "bass_pluck"),
        lead=("synth_lead", "synth_pluck", "strings", None),
        bass_patterns=((0, 3, 6, 10), (0, 6, 8, 14), (0, 4, 8, 12)),
        slot_db=slot_levels(0.0, -3.0, -7.0, 2.0, -5.0, 0.0), drive=(2.0, 5.0), peak_db=(-3.0, -0.3),
        **_HBLM_COMMON,
    ),
    "Acoustic": Style(
        tempo=(64.0, 120.0), triplet=0.25, swing=(0.0, 0.12), swing_chance=0.4,
        progressions=HBLM_PROGRESSIONS["Acoustic"], seventh=0.45,
        drums=("light", "light", None), harmony=("acoustic_guitar", "acoustic_guitar", "fingerpick"),
        harmony2=(None, None, "strings", "piano", "fingerpick"), bass=("bass_pluck", None, "bass_pluck"),
        lead=("strings", "piano", None, "flute"), bass_patterns=((0, 8), (0, 6, 8, 12)),
        slot_db=slot_levels(-7.0, -1.0, -7.0, -6.0, -6.0, 0.0), drive=(0.3, 1.5), peak_db=(-9.0, -1.0),
        **_HBLM_COMMON,
    ),
}
"""HBLM-like genres, in the order of :data:`GENRES`."""

HBLM = Layout(HBLM_STYLES, HBLM_RULES)


# --------------------------------------------------------------------------
# GTZAN-like corpus
# --------------------------------------------------------------------------
GTZAN_RULES = Rules(
    crossover=0.12, mix_sd_db=3.0, tilt_sd_db=2.0, dynamics_sd_db=1.0, triplet_tempo=1.0, swing_parts=True,
    sus_chance=0.0, double_chords_above=None, dominant_mixolydian=True, full_kits=True, mutation=(0.06, 0.1),
    drum_rest=0.3, hat_rest=0.4, fill=0.5, fill_voices=("snare",), pick_patterns=PICK_PATTERNS,
    chug=0.6, arp_follows_grid=True, block_beats=None, block_velocity=0.35, bass_rest=0.4,
    triplet_bass=((0, 6), (0, 3, 6, 9)), breath_min=1, vocal_attack=(0.01, 0.04), consonant_length=(0.02, 0.07),
    consonant_gain=0.3, ornaments=False, vocal_tremolo=0.0,
    lead_centres={"organ": 60, "fiddle": 69, "flute": 74, "harmonica": 67, "sax": 62, "trumpet": 67},
    sustained_lead=0.4, lead_yields_to_vocals=True, lofi_band=(3000, 8000), lofi_highpass=0.5,
)

_GTZAN_PLAYS = {"dist_guitar": "power", "crunch_guitar": "power", "acoustic_guitar": "strum", "banjo": "arp",
                "fingerpick": "arp", "harp": "arp", "synth_pluck": "arp", "dotara": "arp", "clean_guitar": "strum",
                "piano": "block", "rhodes": "block"}
_COMPING = {"clean_guitar": "comp", "piano": "comp", "rhodes": "comp"}
_SEVENTHS = {"maj": ("maj7", "7"), "min": ("min7",)}
_LOOSE = (0.002, 0.015)
_TIGHT = (0.002, 0.008)
_PLAIN_BASS = ((0, 8), (0, 6, 8), (0, 8, 12))

GTZAN_STYLES: dict[str, Style] = {
    "blues": Style(
        tempo=(62, 132), triplet=0.65, swing=(0.0, 0.3), seventh=0.5, extensions=_SEVENTHS, chord_bars=(1,),
        progressions=GTZAN_PROGRESSIONS["blues"], scale=BLUES, plays={**_GTZAN_PLAYS, **_COMPING, "brass": "stab"},
        drums=("rock", "light", "jazz", "rock"), harmony=("crunch_guitar", "piano", "clean_guitar", "organ"),
        harmony2=(None, "piano", "organ", "brass", None), bass=("bass_pluck", "upright", "bass_rock"),
        bass_styles=("boogie", "walking", "root"), lead=("lead_guitar", "harmonica", "lead_guitar", "sax", "piano"),
        slot_db=slot_levels(-2, -3, -7, -3, -2, 0), vocals=0.75, reverb=(0.2, 1.2), wet=(0.05, 0.4), jitter=_LOOSE,
        drive=(1.0, 3.5), peak_db=(-6.0, -0.5), lofi=0.35, snr_db=(15, 40), dynamics_db=(0.5, 2.5),
        bass_patterns=_PLAIN_BASS,
    ),
    "classical": Style(
        tempo=(50, 150), triplet=0.25, swing=(0.0, 0.0), seventh=0.1, extensions=_SEVENTHS, chord_bars=(1, 1, 2),
        progressions=GTZAN_PROGRESSIONS["classical"], minor_scale=HARMONIC_MINOR,
        plays={**_GTZAN_PLAYS, "piano": "arp"}, drumless=True,
        drums=(None,), harmony=("strings", "piano", "harp", "strings", "organ"),
        harmony2=(None, "strings", "harp", "brass", "pad"), bass=("cello", "cello", None),
        bass_styles=("sustain",), lead=("strings", "flute", "piano", "brass", "fiddle"),
        slot_db=slot_levels(0, 0, -5, -4, -1, 0), vocals=0.0, reverb=(0.8, 2.5), wet=(0.25, 0.6), jitter=_LOOSE,
        drive=(0.2, 1.0), peak_db=(-14.0, -2.0), lofi=0.3, snr_db=(18, 45), dynamics_db=(3.0, 10.0),
        bass_patterns=_PLAIN_BASS,
    ),
    "country": Style(
        tempo=(80, 172), triplet=0.25, swing=(0.0, 0.2), seventh=0.1, extensions=_SEVENTHS, chord_bars=(1, 2),
        progressions=GTZAN_PROGRESSIONS["country"], plays=_GTZAN_PLAYS,
        drums=("country", "light", "rock", "country"),
        harmony=("acoustic_guitar", "acoustic_guitar", "banjo", "clean_guitar"),
        harmony2=(None, "banjo", "piano", "fingerpick", "clean_guitar"), bass=("bass_pluck", "upright"),
        bass_styles=("boomchick", "boomchick", "root"), lead=("fiddle", "clean_guitar", "harmonica", "banjo"),
        slot_db=slot_levels(-3, -1, -5, -3, -3, 0), vocals=0.85, reverb=(0.2, 1.0), wet=(0.05, 0.35), jitter=_TIGHT,
        drive=(1.0, 3.0), peak_db=(-6.0, -0.5), lofi=0.25, snr_db=(20, 45), dynamics_db=(0.5, 2.0),
        lead_density=0.6, bass_patterns=_PLAIN_BASS,
    ),
    "disco": Style(
        tempo=(104, 132), triplet=0.03, swing=(0.0, 0.15), seventh=0.5, extensions=_SEVENTHS, chord_bars=(1, 2),
        progressions=GTZAN_PROGRESSIONS["disco"], plays={**_GTZAN_PLAYS, "clean_guitar": "chop", "brass": "stab"},
        drums=("disco", "disco", "pop"), harmony=("clean_guitar", "strings", "brass", "rhodes", "piano"),
        harmony2=(None, "strings", "brass", "pad", "clean_guitar"), bass=("bass_pluck", "synth_bass", "bass_pluck"),
        bass_styles=("octave", "octave", "root"), lead=("strings", "brass", "synth_lead", None),
        slot_db=slot_levels(0, -3, -6, 0, -4, 0), vocals=0.75, reverb=(0.3, 1.2), wet=(0.05, 0.35), jitter=_TIGHT,
        drive=(2.0, 4.0), peak_db=(-4.0, -0.5), lofi=0.1, snr_db=(25, 50), dynamics_db=(0.0, 1.5),
        bass_patterns=((0, 2, 4, 6, 8, 10, 12, 14), (0, 3, 4, 8, 11, 12), (0, 2, 6, 8, 10, 14)),
    ),
    "hiphop": Style(
        tempo=(68, 102), triplet=0.1, swing=(0.0, 0.45), seventh=0.4, chord_bars=(1, 2, 4),
        extensions={"maj": ("maj7", "7"), "min": ("min7", "min9")},
        progressions=GTZAN_PROGRESSIONS["hiphop"], plays={**_GTZAN_PLAYS, "brass": "stab"},
        drums=("boom",), harmony=("piano", "rhodes", "pad", "strings", "synth_pluck"),
        harmony2=(None, None, "brass", "pad", "clean_guitar"), bass=("sub808", "sub808", "synth_bass", "bass_pluck"),
        bass_styles=("808", "808", "root"), lead=(None, None, "synth_lead", "piano", "flute"),
        slot_db=slot_levels(2, -5, -8, 1, -6, 1), vocals=0.95, voice="rap", female=0.2, reverb=(0.1, 0.6),
        wet=(0.03, 0.2), jitter=_TIGHT, drive=(2.0, 6.0), peak_db=(-3.0, -0.3), lofi=0.15, snr_db=(25, 50),
        dynamics_db=(0.0, 1.0), bass_patterns=((0, 7, 10), (0, 10), (0, 3, 8, 10), (0, 6, 10, 14)),
    ),
    "jazz": Style(
        tempo=(70, 220), triplet=0.8, swing=(0.0, 0.3), seventh=0.9, chord_bars=(1, 2),
        extensions={"maj": ("maj7", "7", "maj9"), "min": ("min7", "min9")},
        progressions=GTZAN_PROGRESSIONS["jazz"], plays={**_GTZAN_PLAYS, **_COMPING},
        drums=("jazz", "jazz", "light", None), harmony=("piano", "rhodes", "clean_guitar", "piano"),
        harmony2=(None, None, "brass", "clean_guitar"), bass=("upright", "upright", "bass_pluck"),
        bass_styles=("walking", "walking", "root"), lead=("sax", "trumpet", "piano", "clean_guitar", "flute"),
        slot_db=slot_levels(-4, -2, -6, -2, 0, 0), vocals=0.25, reverb=(0.3, 1.4), wet=(0.1, 0.45), jitter=_LOOSE,
        drive=(0.5, 2.0), peak_db=(-10.0, -1.0), lofi=0.35, snr_db=(15, 45), dynamics_db=(1.0, 4.0),
        lead_density=0.7, bass_patterns=_PLAIN_BASS,
    ),
    "metal": Style(
        tempo=(88, 200), triplet=0.1, swing=(0.0, 0.0), seventh=0.0, extensions=_SEVENTHS, chord_bars=(1,),
        progressions=GTZAN_PROGRESSIONS["metal"], plays=_GTZAN_PLAYS,
        power_root=38, chug_always=True, sixteenth_chug=0.5,
        drums=("metal", "metal", "rock"), harmony=("dist_guitar",),
        harmony2=(None, "dist_guitar", "organ", "strings", None), bass=("bass_rock",),
        bass_styles=("root",), lead=("lead_guitar", "lead_guitar", None),
        slot_db=slot_levels(0, 1, -4, -4, -2, -2), vocals=0.7, voice="harsh", female=0.2, voice_tilt=0.3,
        reverb=(0.2, 1.0), wet=(0.05, 0.3), jitter=_TIGHT, drive=(3.0, 7.0), peak_db=(-2.0, -0.2), lofi=0.05,
        snr_db=(30, 55), dynamics_db=(0.0, 1.0), lead_density=0.8,
        bass_patterns=(tuple(range(16)), (0, 2, 3, 4, 6, 7, 8, 10, 11, 12, 14, 15), (0, 2, 4, 6, 8, 10, 12, 14)),
    ),
    "pop": Style(
        tempo=(80, 130), triplet=0.05, swing=(0.0, 0.2), seventh=0.3, extensions=_SEVENTHS, chord_bars=(1, 2),
        progressions=GTZAN_PROGRESSIONS["pop"], plays=_GTZAN_PLAYS,
        drums=("pop", "pop", "disco", "light"),
        harmony=("pad", "synth_pluck", "piano", "acoustic_guitar", "clean_guitar"),
        harmony2=(None, "synth_pluck", "strings", "piano"), bass=("synth_bass", "bass_pluck"),
        bass_styles=("root", "root", "octave"), lead=("synth_lead", "synth_pluck", "strings", None),
        slot_db=slot_levels(0, -3, -7, 1, -5, 1), vocals=0.95, reverb=(0.2, 1.0), wet=(0.05, 0.35), jitter=_TIGHT,
        drive=(2.0, 5.0), peak_db=(-3.0, -0.3), lofi=0.05, snr_db=(30, 55), dynamics_db=(0.0, 1.0),
        bass_patterns=((0, 3, 6, 10), (0, 6, 8, 14), (0, 4, 8, 12), (0, 8, 10)),
    ),
    "reggae": Style(
        tempo=(62, 104), triplet=0.25, swing=(0.0, 0.3), seventh=0.2, extensions=_SEVENTHS, chord_bars=(1, 2),
        progressions=GTZAN_PROGRESSIONS["reggae"],
        plays={**_GTZAN_PLAYS, "clean_guitar": "skank", "piano": "skank", "rhodes": "skank", "organ": "skank",
               "acoustic_guitar": "skank", "brass": "offbeat_stab"},
        drums=("reggae",), harmony=("clean_guitar", "organ", "piano", "clean_guitar"),
        harmony2=("organ", None, "brass", "clean_guitar"), bass=("bass_pluck", "synth_bass", "bass_pluck"),
        bass_styles=("reggae",), lead=(None, "brass", "organ", "flute"),
        slot_db=slot_levels(-1, -4, -6, 2, -5, 0), vocals=0.85, reverb=(0.3, 1.5), wet=(0.1, 0.4), jitter=_TIGHT,
        drive=(1.5, 3.5), peak_db=(-5.0, -0.5), lofi=0.15, snr_db=(22, 50), dynamics_db=(0.0, 1.0),
        bass_patterns=((0, 3, 6, 10), (2, 4, 7, 10, 12), (0, 6, 8, 11, 14)),
    ),
    "rock": Style(
        tempo=(90, 176), triplet=0.1, swing=(0.0, 0.1), seventh=0.05, extensions=_SEVENTHS, chord_bars=(1, 2),
        progressions=GTZAN_PROGRESSIONS["rock"], plays=_GTZAN_PLAYS,
        drums=("rock", "rock", "pop"), harmony=("dist_guitar", "crunch_guitar", "dist_guitar", "acoustic_guitar"),
        harmony2=(None, "organ", "piano", "acoustic_guitar", "clean_guitar"), bass=("bass_rock", "bass_pluck"),
        bass_styles=("root",), lead=("lead_guitar", "organ", None, "lead_guitar"),
        slot_db=slot_levels(0, 0, -6, -3, -3, -1), vocals=0.85, voice_tilt=0.3, reverb=(0.2, 1.2), wet=(0.05, 0.4),
        jitter=_TIGHT, drive=(2.0, 5.0), peak_db=(-3.0, -0.3), lofi=0.15, snr_db=(25, 50), dynamics_db=(0.0, 1.5),
        bass_patterns=((0, 2, 4, 6, 8, 10, 12, 14), (0, 6, 8, 12), (0, 3, 6, 8, 11, 14)),
    ),
}
"""GTZAN-like genres, in alphabetical order (GTZAN's folder names)."""

GTZAN = Layout(GTZAN_STYLES, GTZAN_RULES)

GTZAN_GENRES: tuple[str, ...] = tuple(GTZAN_STYLES)
"""The ten genres of GTZAN (also the names of its folders), in alphabetical order."""


def check_cell(genre: str, language: str) -> None:
    """Raise ``ValueError`` unless (language, genre) is a cell of the HBLM-like design."""
    if genre not in GENRES:
        raise ValueError(f"unknown genre {genre!r}; expected one of {GENRES}")
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {LANGUAGES}")
