-- The keys that can carry a finding, kept to those touched in a time window.
SELECT c.* FROM {candidates} c LEFT SEMI JOIN {touched} t ON {match}
