"""Datasette integration: the shipped metadata (``metadata.json``) and the plugin
(:mod:`aggregator.datasette.plugin`) registered through Datasette's entry point."""
