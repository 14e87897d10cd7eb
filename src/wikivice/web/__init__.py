"""The HTTP surface: pages for people, a JSON API for programs, an event stream for both."""
