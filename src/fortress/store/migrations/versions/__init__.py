"""The workspace's revisions, oldest first: ``ws0001`` is release 1's schema."""
