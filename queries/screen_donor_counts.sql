-- screen_donor_counts: 人数, distinct donors, for the district (scope '') and each site, as kept at import
-- (givingday/store/donors.py), so no screen counts distinct donors over every gift.
-- Grain: one row per scope with at least one donor.
-- Parameters: none.
select scope, donors
from donor_counts
