-- Spreadsheets became extractable (sheet names and text cells): those set aside as
-- unsupported are extracted again by the background extractor, which then reindexes them.
update file
set extraction_status = 'pending', extraction_error = null
where extraction_status = 'unsupported'
  and (media_type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
       or lower(original_name) like '%.xlsx');
