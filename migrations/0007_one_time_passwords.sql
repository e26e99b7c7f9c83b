-- A password drawn by the library (a new account's, or an admin's reset) works once: its
-- holder must choose their own before doing anything else.
alter table app_user add column password_must_change boolean not null default false;
