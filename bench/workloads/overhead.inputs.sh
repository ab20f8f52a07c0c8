# Nothing to prepare.
:
