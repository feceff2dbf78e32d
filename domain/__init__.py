"""The pure model of the platform: aggregates, their events and their rules. No I/O, no clock."""
