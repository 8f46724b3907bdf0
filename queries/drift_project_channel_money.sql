-- drift_project_channel_money: the money (public and matched) a project took through one channel in a window,
-- to judge how much an export window with no file could have held at that pace. Cast to bigint: PostgreSQL sums
-- bigints as numeric.
-- Grain: one row.
-- Parameters: :project_id — the project; :channel — the channel; :since, :until — the window, half-open.
select cast(coalesce(sum(amount_fen + matched_fen), 0) as bigint) as total_fen, count(*) as gifts
from donations
where project_id = :project_id
    and channel = :channel
    and occurred_at >= :since
    and occurred_at < :until
