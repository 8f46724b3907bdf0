-- totals_by_site: money raised per public site (公共区域); a gift with a team but no site counts for the
-- team's home site (resolved when the gift is stored).
-- Grain: one row per site in the roster, plus one row with key null (无点位) for gifts without a known site.
-- Parameters: :since — the window's first moment (inclusive), or null for everything before :until;
-- :until — the window's end (exclusive), or null for everything. Events (gifts, refunds, corrections)
-- count at their own time, so a window is the ledger as of :until.
-- events: the ledger's events in the window (ledger_window).
with events as (
    -- include: ledger_window
),
per_site as (
    select
        site_id,
        cast(sum(amount_fen) as bigint) as amount_fen,
        cast(sum(matched_fen) as bigint) as matched_fen,
        cast(sum(donation_count) as bigint) as donations
    from events
    group by site_id
),
rows_ as (
    select
        s.site_id as key,
        s.name,
        s.street,
        s.kind,
        coalesce(g.amount_fen, 0) as amount_fen,
        coalesce(g.matched_fen, 0) as matched_fen,
        coalesce(g.donations, 0) as donations
    from sites s
    left join per_site g on g.site_id = s.site_id
    union all
    select null, '无点位', null, null, amount_fen, matched_fen, donations
    from per_site
    where site_id is null
)
select * from rows_
order by amount_fen + matched_fen desc, key
