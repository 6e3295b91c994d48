"""The only code that writes a session folder.

Analyze a recording, settle a take, re-analyze; the index and its migrations, progress and
mock rounds.
"""
