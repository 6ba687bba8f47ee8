"""The gateway's pure decision: one request and one account in, a return code and messages out."""
