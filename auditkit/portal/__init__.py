"""The client portal's domain (no Flask): accounts and invitations (`accounts`), sessions
(`sessions`), what a contact sees of their organisation (`records`) and the messages sent
to contacts (`notices`). The portal's pages are auditkit.cb.portal.
"""
