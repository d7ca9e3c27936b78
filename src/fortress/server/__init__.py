"""HTTP: the casework server."""
