"""Maps: the force's own basemap as vector tiles, its style, and the glyphs of its labels."""
