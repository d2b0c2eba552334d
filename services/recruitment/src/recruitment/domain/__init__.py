"""Pure recruitment rules: campaigns, the application funnel, enrolment funding, fill proposals, figures.

Nothing in this package does I/O; the store and the handlers call it.
"""
