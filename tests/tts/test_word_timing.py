"""Word timings from phoneme durations: the pairing of text words with espeak's phoneme words,
and (slow) Piper's timings checked by Whisper on audio cut at a word's end."""

from __future__ import annotations

import numpy as np
import pytest

from quickturn.agent.speech import heard_prefix
from quickturn.assets import ModelPaths
from quickturn.tts.types import joined_word_ends
from quickturn.tts.word_timing import phoneme_words, word_ends


def test_phoneme_words_split_at_the_space_phoneme() -> None:
    phonemes = ["^", "ð", "æ", "t", " ", "ɪ", "z", " ", "ɐ", ".", "$"]
    samples = [10, 10, 10, 10, 20, 10, 10, 10, 10, 0, 0]
    # A word ends where its space begins; the last one ends with the audio.
    assert phoneme_words(phonemes, samples) == [("^ðæt", 0.4), ("ɪz", 0.8), ("ɐ.$", 1.0)]


def test_one_phoneme_word_per_text_word_gives_its_end() -> None:
    spoken = [("^ðæt", 0.2), ("ɪz", 0.3), ("dˈʌbəl", 0.7), ("ɹˈuːm.$", 1.0)]
    assert word_ends("That is double room.", spoken) == (0.2, 0.3, 0.7, 1.0)


def test_words_read_as_one_share_its_time_by_letters() -> None:
    # espeak reads "on the" as one phoneme word.
    spoken = [("ɚɹˈaɪvɪŋ", 0.5), ("ɔnðə", 0.7), ("fˈɪfθ.$", 1.0)]
    ends = word_ends("arriving on the fifth.", spoken)
    assert ends is not None
    assert ends[0] == 0.5 and ends[3] == 1.0
    assert ends[1] == pytest.approx(0.5 + 0.2 * 2 / 5) and ends[2] == pytest.approx(0.7)


def test_a_number_read_as_several_words_ends_with_the_last() -> None:
    spoken = [("ɪn", 0.1), ("tˈuː", 0.3), ("θˈaʊzənd", 0.6), ("twˈɛnti", 0.8), ("sˈɪks", 0.9),
              ("nˈaɪts.$", 1.0)]
    assert word_ends("in 2026 nights.", spoken) == (0.1, 0.9, 1.0)


def test_unpairable_sides_give_no_timings() -> None:
    assert word_ends("", [("a", 1.0)]) is None
    assert word_ends("one", []) is None
    assert word_ends("x", [(f"p{i}", (i + 1) / 9) for i in range(9)]) is None  # nine to one


def test_joined_word_ends_put_parts_on_the_whole() -> None:
    assert joined_word_ends([(100, (0.5, 1.0)), (300, (1.0,))]) == (0.125, 0.25, 1.0)
    assert joined_word_ends([(100, (1.0,)), (100, None)]) is None


def test_heard_prefix_follows_word_timings_not_characters() -> None:
    text = "Extraordinarily long first word, then short ones."
    ends = (0.6, 0.7, 0.8, 0.9, 0.93, 0.96, 1.0)
    assert heard_prefix(text, 59, 100, ends) == ""  # by characters it would be two words
    assert heard_prefix(text, 60, 100, ends) == "Extraordinarily"
    assert heard_prefix(text, 92, 100, ends) == "Extraordinarily long first word,"
    assert heard_prefix(text, 100, 100, ends) == text
    assert heard_prefix(text, 59, 100) == "Extraordinarily long first"  # without timings


@pytest.mark.slow
async def test_piper_word_ends_are_where_whisper_hears_the_words_end(
    model_paths: ModelPaths,
) -> None:
    from quickturn.audio.resample import resample
    from quickturn.stt.whisper import WhisperOptions, WhisperSTT
    from quickturn.tts import PiperTTS

    tts = await PiperTTS.create(model_paths)
    stt = await WhisperSTT.create(WhisperOptions(), model_paths)
    try:
        text = "That is a double room for two nights, arriving on the fifth of May."
        chunks = [c async for c in tts.synthesize(text)]  # a clause, then the rest
        ends = joined_word_ends([(len(c.pcm), c.word_ends) for c in chunks])
        assert ends is not None and len(ends) == len(text.split())
        assert list(ends) == sorted(ends) and ends[-1] == 1.0
        pcm = resample(np.concatenate([c.pcm for c in chunks]), chunks[0].sample_rate_hz, 16000)
        for k in (4, 8, 12):  # cut right after "double", "nights," and "fifth"
            cut = pcm[: int(ends[k - 1] * len(pcm))]
            padded = np.concatenate([cut, np.zeros(8000, np.int16)])
            heard = (await stt.transcribe(padded)).text.lower().strip(" .,")
            words = [w.strip(",.") for w in text.lower().split()]
            assert heard.split()[-1].strip(",.") == words[k - 1], (k, heard)
    finally:
        await tts.aclose()
        await stt.aclose()
