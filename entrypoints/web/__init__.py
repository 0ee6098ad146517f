"""The account console: server-rendered pages at ``/account`` for people, a driver beside
the JSON API that calls the same use cases through the same container. ``install`` (in
:mod:`entrypoints.web.console`) adds it to the Flask app."""
