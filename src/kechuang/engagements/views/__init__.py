"""Pages of engagements, one module per responsibility: ``pages`` (my engagements, one
engagement), ``actions`` (start and stage moves, agreement, meetings), ``records``
(contract, payments, milestones, outcome, messages and files), ``answers`` (the panel on
a need's or achievement's page and experts' answers)."""
