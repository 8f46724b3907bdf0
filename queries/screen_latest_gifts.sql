-- screen_latest_gifts: the district ticker's newest gifts, when no site's screen is watched (then
-- screen_sites_latest_gifts ranks every site's as well).
-- Grain: one row per gift, at most :limit_n, in no order: the screen puts them newest first (occurred_at, then
-- donation_id, both descending). Masked names only, and a donor's message only once an organizer approved it.
-- Parameters: :since — only gifts at or after this time (ten minutes before the newest gift); :until — the
-- board's now; :limit_n — how many.
-- The newest are taken before the join to the messages, so only :limit_n rows are joined, not the whole window.
-- Neither a rank nor an order here: on DuckDB each costs an operator whose fixed cost (about a millisecond, its
-- memory mapped afresh) is more than sorting twelve rows in Python. The project's name is the screen's to add
-- from the roster it holds (a join here costs a third of the query).
with newest as (
    select occurred_at, donation_id, donor_name_masked, amount_fen, matched_fen, project_id, channel, site_id
    from donations
    where occurred_at >= :since and occurred_at <= :until
    order by occurred_at desc, donation_id desc
    limit :limit_n
)
select
    n.occurred_at,
    n.donation_id,
    n.donor_name_masked,
    n.amount_fen,
    n.matched_fen,
    n.project_id,
    n.channel,
    n.site_id,
    m.message_text as message
from newest n
left join donor_messages m on m.donation_id = n.donation_id and m.status = 'approved'
