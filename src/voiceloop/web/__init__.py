"""`voiceloop serve`: a local web app over the same sessions, store and index as the CLI.

``app`` builds the Starlette application (pages, JSON API, recording from the browser),
``security`` is the layer every request passes first (Host, Origin, the per-launch secret),
``live`` turns audio streamed from a page into a crash-safe take and a session, ``pages``
renders the server-side pages. Static files (``static/``) ship in the package: the pages
load nothing from the network.
"""
