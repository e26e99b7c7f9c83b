// TEMPORARY placeholder until the real generator lands (being written now).
pub struct Section<'a> {
    pub heading: &'a str,
    pub paragraphs: &'a [String],
}
pub struct Report<'a> {
    pub title: &'a str,
    pub subtitle: Option<&'a str>,
    pub author: &'a str,
    pub date: &'a str,
    pub summary: &'a str,
    pub sections: &'a [Section<'a>],
}
pub fn pdf(_r: &Report<'_>) -> Vec<u8> {
    Vec::new()
}
pub fn docx(_r: &Report<'_>) -> Result<Vec<u8>, std::io::Error> {
    Ok(Vec::new())
}
