"""Speech to a word timeline.

Model resolution, decoding and its repair passes, word edges, and transcription while the
answer is being recorded.
"""

# Beam search keeps more of what was said than greedy decoding (on the development answers:
# 27 of 30 hesitations against 23, word errors 31.6% against 33.5% on espeak speech, filler
# F1 0.82 against 0.80 on real speech), for about half again the decoding time. Here, not in
# decode.py, so the CLI can name it without importing numpy.
BEAM_SIZE = 5
