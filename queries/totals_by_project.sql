-- totals_by_project: money raised per project (parent and sub-projects), with its goal.
-- Grain: one row per project in the roster (projects with no gifts show zeros).
-- Parameters: :since — the window's first moment (inclusive), or null for everything before :until;
-- :until — the window's end (exclusive), or null for everything. Events (gifts, refunds, corrections)
-- count at their own time, so a window is the ledger as of :until.
-- events: the ledger's events in the window (ledger_window).
with events as (
    -- include: ledger_window
),
per_project as (
    select
        project_id,
        cast(sum(amount_fen) as bigint) as amount_fen,
        cast(sum(matched_fen) as bigint) as matched_fen,
        cast(sum(donation_count) as bigint) as donations
    from events
    group by project_id
)
select
    p.project_id as key,
    p.name,
    p.parent_id,
    p.category,
    p.goal_fen,
    coalesce(g.amount_fen, 0) as amount_fen,
    coalesce(g.matched_fen, 0) as matched_fen,
    coalesce(g.donations, 0) as donations
from projects p
left join per_project g on g.project_id = p.project_id
order by coalesce(g.amount_fen, 0) + coalesce(g.matched_fen, 0) desc, p.project_id
