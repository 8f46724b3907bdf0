-- totals_by_team: money raised per fundraising team (一起捐队伍).
-- Grain: one row per team in the roster, plus one row with key null (无队伍) for gifts without a known team.
-- Parameters: :since — the window's first moment (inclusive), or null for everything before :until;
-- :until — the window's end (exclusive), or null for everything. Events (gifts, refunds, corrections)
-- count at their own time, so a window is the ledger as of :until.
-- events: the ledger's events in the window (ledger_window).
with events as (
    -- include: ledger_window
),
per_team as (
    select
        team_id,
        cast(sum(amount_fen) as bigint) as amount_fen,
        cast(sum(matched_fen) as bigint) as matched_fen,
        cast(sum(donation_count) as bigint) as donations
    from events
    group by team_id
),
rows_ as (
    select
        t.team_id as key,
        t.name,
        t.project_id,
        t.site_id,
        t.goal_fen,
        coalesce(g.amount_fen, 0) as amount_fen,
        coalesce(g.matched_fen, 0) as matched_fen,
        coalesce(g.donations, 0) as donations
    from teams t
    left join per_team g on g.team_id = t.team_id
    union all
    select null, '无队伍', null, null, null, amount_fen, matched_fen, donations
    from per_team
    where team_id is null
)
select * from rows_
order by amount_fen + matched_fen desc, key
