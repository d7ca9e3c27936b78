"""Domain types shared by every package: canonical columns, value types, flags."""
