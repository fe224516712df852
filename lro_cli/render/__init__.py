"""Renderers: from `Operation` to text. They never see providers, JSON bodies or HTTP."""
