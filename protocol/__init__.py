"""The iSmart protocol facts that the emulator and the client share: return codes, paths,
parameter names and limits (:mod:`.spec`), segment counting (:mod:`.segments`), the request
checks that need no account (:mod:`.validation`). Imports neither ``requests`` nor Starlette.
"""
