-- totals_by_channel: money raised per channel (qr, livestream, corporate, bank, offline).
-- Grain: one row per channel that has gifts.
-- Parameters: none.
select
    channel as key,
    channel as name,
    cast(sum(amount_fen) as bigint) as amount_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(donation_count) as bigint) as donations
from ledger
group by channel
order by sum(amount_fen) + sum(matched_fen) desc, channel
