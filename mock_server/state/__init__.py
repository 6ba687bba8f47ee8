"""State: the message and journal model, the storage protocol, memory and SQLite storages,
the accounts.
"""
