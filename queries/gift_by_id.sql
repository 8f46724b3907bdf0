-- gift_by_id: one gift as received and as it stands now (after its refunds and corrections), for the
-- console's correction form.
-- Grain: one row, or none when no gift has this id.
-- Parameters: :donation_id.
with net as (
    select
        donation_id,
        cast(sum(amount_fen) as bigint) as amount_fen,
        cast(sum(matched_fen) as bigint) as matched_fen,
        cast(sum(donation_count) as bigint) as donations,
        count(*) - 1 as adjustments
    from ledger
    where donation_id = :donation_id
    group by donation_id
)
select
    d.donation_id,
    d.occurred_at,
    d.donor_name_masked,
    d.amount_fen as received_amount_fen,
    d.matched_fen as received_matched_fen,
    d.project_id,
    d.team_id,
    d.site_id,
    d.channel,
    d.source_file,
    d.source_line,
    n.amount_fen,
    n.matched_fen,
    n.donations,
    n.adjustments
from donations d
join net n on n.donation_id = d.donation_id
