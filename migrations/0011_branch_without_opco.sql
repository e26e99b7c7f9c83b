-- A branch may be known by its IDCC number before its OPCO is: an import that names an
-- agreement the thesaurus does not place under an OPCO creates its branch from the shipped
-- list of collective agreements (name only), or from the number alone (name to complete).
alter table branch alter column opco_slug drop not null;
