-- A USCC is only an enterprise's or business's, a MID only a merchant's
-- that trades: the unique indexes leave out the rest, so that a bulk
-- import does not insert thousands of NULL keys. Lookups by value use
-- them as before (an equality implies NOT NULL); uniqueness is the same.
DROP INDEX merchants_uscc_uq;
CREATE UNIQUE INDEX merchants_uscc_uq ON merchants (uscc) WHERE uscc IS NOT NULL;
DROP INDEX merchants_mid_uq;
CREATE UNIQUE INDEX merchants_mid_uq ON merchants (mid) WHERE mid IS NOT NULL;
