"""Routers of the platform app: the JSON API, the regulator's HTML pages, the LRM entry."""
