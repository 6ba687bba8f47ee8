"""Client side of the iSmart SMS gateway: the protocol, segmenting, validation."""
