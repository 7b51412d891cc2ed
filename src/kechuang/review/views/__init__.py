"""The review pages, one module per part of a process: ``processes`` (the list, setup,
the overview per role, panels and placing items), ``panels`` (panels and invitations),
``assign`` (conflicts and assignment), ``scoring`` (the reviewer's side), ``decision``
(ranking, decision, notice and objections); ``base`` is what they share."""
