-- drift_refund_candidates: a project's gifts before the platform's official time, not refunded in full, whose
-- money (public and matched, or public alone) equals the amount our figure is higher by: a refund the platform
-- booked and no file has brought yet.
-- Grain: one row per such gift, earliest first.
-- Parameters: :project_id — the project (null: every project); :until — the official count's exclusive end;
-- :diff_fen — how much higher our figure is, in fen.
with refunded as (
    select donation_id, sum(donation_delta) as donation_delta
    from adjustments
    group by donation_id
)
select
    d.donation_id,
    d.occurred_at,
    d.amount_fen,
    d.matched_fen,
    d.amount_fen + d.matched_fen as total_fen,
    d.source_file
from donations d
left join refunded r on r.donation_id = d.donation_id
where (cast(:project_id as varchar) is null or d.project_id = :project_id)
    and d.occurred_at < :until
    and 1 + coalesce(r.donation_delta, 0) > 0
    and (d.amount_fen + d.matched_fen = :diff_fen or d.amount_fen = :diff_fen)
order by d.occurred_at, d.donation_id
