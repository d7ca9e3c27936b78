"""Places: police.uk crime, stop and search and outcomes, by area and month."""
