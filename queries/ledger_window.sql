-- ledger_window: the ledger's events (gifts, refunds, corrections) in a window. Every event counts at its own
-- time, so a window is the ledger as of :until. The totals and report queries include it
-- (`-- include: ledger_window`).
-- Grain: one row per ledger event in the window.
-- Parameters: :since — the window's first moment (inclusive), or null for everything before :until;
-- :until — the window's end (exclusive), or null for everything.
select *
from ledger
where (cast(:since as timestamp with time zone) is null or occurred_at >= :since)
    and (cast(:until as timestamp with time zone) is null or occurred_at < :until)
