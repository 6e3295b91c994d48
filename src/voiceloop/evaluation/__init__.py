"""Accuracy against labelled clips (``voiceloop eval``): sidecars, word errors, scoring, tables."""
