-- Sign-in budgets (token buckets against guessing invite codes and
-- organizer tokens), shared by every server process on this database:
-- replicas behind a load balancer must not each grant a guesser a budget
-- of its own. A bucket missing is a full one; rows untouched for two
-- minutes are swept.
CREATE TABLE sign_in_buckets (
    bucket TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    at     TIMESTAMPTZ NOT NULL,
    -- Whether the last attempt got a token.
    took   BOOLEAN NOT NULL
);
