-- totals_overall: the whole store's totals, gifts net of refunds and corrections.
-- Grain: one row.
-- Parameters: none.
-- amount_fen is public money, matched_fen is 配捐; total_fen = amount_fen + matched_fen.
with totals as (
    select
        cast(coalesce(sum(amount_fen), 0) as bigint) as amount_fen,
        cast(coalesce(sum(matched_fen), 0) as bigint) as matched_fen,
        cast(coalesce(sum(donation_count), 0) as bigint) as donations,
        count(distinct donor_hash) as donors,
        max(occurred_at) as last_gift_at
    from ledger
)
select
    amount_fen,
    matched_fen,
    amount_fen + matched_fen as total_fen,
    donations,
    donors,
    last_gift_at
from totals
