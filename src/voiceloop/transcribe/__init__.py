"""Speech to a word timeline.

Model resolution, decoding and its repair passes, word edges, and transcription while the
answer is being recorded.
"""
