-- alerts_possible_duplicates: gifts that look like the same gift stored twice: the same donor (by hash) and
-- the same amount within a short time, under different ids. Anonymous gifts never match (each has its own hash).
-- Grain: one row per later gift of such a pair, newest first.
-- Parameters: :from_at, :to_at — the half-open time range; :within_seconds — how close in time;
-- :limit_n — how many.
with ordered as (
    select
        donation_id,
        occurred_at,
        donor_hash,
        donor_name_masked,
        amount_fen,
        project_id,
        channel,
        source_file,
        lag(donation_id) over w as earlier_id,
        lag(occurred_at) over w as earlier_at,
        lag(source_file) over w as earlier_source
    from donations
    where occurred_at >= :from_at and occurred_at < :to_at
    window w as (partition by donor_hash, amount_fen order by occurred_at, donation_id)
)
select
    donation_id,
    occurred_at,
    donor_name_masked,
    amount_fen,
    project_id,
    channel,
    source_file,
    earlier_id,
    earlier_at,
    earlier_source
from ordered
where earlier_id is not null
    and occurred_at <= earlier_at + :within_seconds * interval '1 second'
order by occurred_at desc, donation_id
limit :limit_n
