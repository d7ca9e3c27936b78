"""Criminal networks: graphs from files or comms data, measures, phases and disruption."""
