"""Talking to MediaWiki: which wiki a user means (`sites`), the API client (`client`,
over the process's `pool`), what can go wrong (`errors`), titles, timestamps,
and the wiki's diffs read into plain lines (`diffs`). The bottom layer: it imports no
other part of WikiVice but the settings."""
