"""The gateway's HTTP endpoints: HTTP in, bytes out."""
