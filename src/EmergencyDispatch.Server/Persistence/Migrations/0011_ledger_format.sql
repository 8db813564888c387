-- Each ledger entry names the format of its canonical bytes (see Persistence/Ledger.cs). Entries written before this
-- migration keep format 1, whose plan bytes cover the plan columns up to loop_version (not the re-plan figures and
-- counts). Plans stored from now on get format 2, which covers every stored column of plan but its status and
-- publication. Old entries are not hashed again: a hash made now would vouch for whatever the file holds now.
ALTER TABLE ledger ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
