-- alerts_large_gifts: unusually large gifts in a time range, largest first.
-- Grain: one row per gift.
-- Parameters: :from_at, :to_at — the half-open time range; :min_fen — the smallest amount listed;
-- :limit_n — how many.
select
    donation_id,
    occurred_at,
    donor_name_masked,
    amount_fen,
    matched_fen,
    project_id,
    team_id,
    site_id,
    channel,
    source_file
from donations
where occurred_at >= :from_at and occurred_at < :to_at and amount_fen >= :min_fen
order by amount_fen desc, occurred_at desc
limit :limit_n
