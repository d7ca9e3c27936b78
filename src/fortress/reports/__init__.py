"""Rendering findings for people: self-contained HTML pages with inline SVG charts."""
