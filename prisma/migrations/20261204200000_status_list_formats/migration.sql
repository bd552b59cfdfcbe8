-- A status list holds the entries of credentials of one family of formats, and is
-- published in it: 'jwt' (jwt_vc_json and vc+jwt credentials; a VC-JWT list, as every
-- list so far) or a Data Integrity format (the list signed with that cryptosuite).
ALTER TABLE status_lists ADD COLUMN format text NOT NULL DEFAULT 'jwt';
