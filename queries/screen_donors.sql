-- screen_donors: 人数, distinct donors, for the district (scope '') and each site, as kept at import
-- (givingday/store/donors.py): no distinct count over every gift.
-- Grain: one row per scope.
-- Parameters: none.
select scope, donors
from donor_counts
