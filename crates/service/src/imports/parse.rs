//! Readers of the three upload formats, each yielding one [`RawRow`] at a time from a file
//! on disk (the upload is spooled there, never held whole in memory).
//!
//! Structural faults (bytes that are not UTF-8, NUL characters, rows with more or fewer cells
//! than the header, unknown or missing columns, JSON that does not parse) reject the whole
//! file: [`ImportError::Malformed`], one entry per fault found with its row and column.

use std::fs::File;
use std::io::{BufReader, Read, Seek};

use dtihub_domain::FieldError;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Col, Format, ImportError, RawRow, NCOL};

/// Longest cell accepted, in characters.
pub const MAX_CELL_CHARS: usize = 10_000;

fn malformed(row: u64, column: &str, code: &str) -> ImportError {
    ImportError::Malformed(vec![FieldError::new(format!("/rows/{row}/{column}"), code)
        .with("row", row)
        .with("column", column)])
}

fn check_cell(row: u64, col: &str, text: &str) -> Result<(), ImportError> {
    if text.contains('\0') {
        return Err(malformed(row, col, "invalid_characters"));
    }
    if text.chars().count() > MAX_CELL_CHARS {
        return Err(ImportError::Malformed(vec![FieldError::new(
            format!("/rows/{row}/{col}"),
            "too_long",
        )
        .with("max", MAX_CELL_CHARS)]));
    }
    Ok(())
}

/// Maps header names to columns; unknown, repeated and missing required columns are errors.
fn header_map(names: &[String]) -> Result<Vec<Col>, ImportError> {
    let mut out = Vec::with_capacity(names.len());
    let mut errors = Vec::new();
    for name in names {
        let name = name.trim().trim_start_matches('\u{feff}');
        match Col::from_name(name) {
            Some(c) if out.contains(&c) => {
                errors.push(FieldError::new(
                    format!("/rows/1/{name}"),
                    "duplicate_column",
                ));
            }
            Some(c) => out.push(c),
            None => errors.push(
                FieldError::new(format!("/rows/1/{name}"), "unknown_column")
                    .with("column", name)
                    .with("allowed", super::COLUMN_NAMES.join(", ")),
            ),
        }
    }
    for required in [Col::Kind, Col::Unit, Col::Period, Col::Item] {
        if !out.contains(&required) {
            errors.push(FieldError::new(
                format!("/rows/1/{}", required.name()),
                "missing_column",
            ));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ImportError::Malformed(errors))
    }
}

fn new_row(row: u64) -> RawRow {
    RawRow {
        row,
        cells: vec![None; NCOL],
    }
}

fn set_cell(raw: &mut RawRow, col: Col, text: &str) -> Result<(), ImportError> {
    check_cell(raw.row, col.name(), text)?;
    let t = text.trim();
    raw.cells[col as usize] = (!t.is_empty()).then(|| t.to_owned());
    Ok(())
}

fn count_row(count: &mut u64, max_rows: u64) -> Result<(), ImportError> {
    *count += 1;
    if *count > max_rows {
        return Err(ImportError::TooManyRows { limit: max_rows });
    }
    Ok(())
}

/// Reads every data row of `file` in `format`, calling `each` in file order; returns how many
/// rows there were. Rows are numbered as in a spreadsheet: the header is row 1.
pub fn for_each_row(
    format: Format,
    file: File,
    max_rows: u64,
    each: &mut dyn FnMut(RawRow) -> Result<(), ImportError>,
) -> Result<u64, ImportError> {
    match format {
        Format::Csv => csv_rows(file, max_rows, each),
        Format::Json => json_rows(file, max_rows, each),
        Format::Xlsx => xlsx_rows(file, max_rows, each),
    }
}

fn csv_rows(
    file: File,
    max_rows: u64,
    each: &mut dyn FnMut(RawRow) -> Result<(), ImportError>,
) -> Result<u64, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 16, file));
    let mut record = csv::ByteRecord::new();
    let mut columns: Option<Vec<Col>> = None;
    let mut line: u64 = 0;
    let mut count = 0;
    loop {
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| malformed(line + 1, "", "malformed_csv").with_reason(&e.to_string()))?;
        if !more {
            break;
        }
        line += 1;
        let mut texts = Vec::with_capacity(record.len());
        for (i, field) in record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(t) => texts.push(t),
                Err(_) => {
                    let name = columns
                        .as_ref()
                        .and_then(|c| c.get(i))
                        .map_or_else(|| format!("{}", i + 1), |c| c.name().to_owned());
                    return Err(malformed(line, &name, "invalid_utf8"));
                }
            }
        }
        let Some(cols) = &columns else {
            let names: Vec<String> = texts.iter().map(|t| (*t).to_owned()).collect();
            columns = Some(header_map(&names)?);
            continue;
        };
        if texts.len() == 1 && texts[0].trim().is_empty() {
            continue;
        }
        if texts.len() != cols.len() {
            return Err(ImportError::Malformed(vec![FieldError::new(
                format!("/rows/{line}"),
                "ragged_row",
            )
            .with("expected", cols.len())
            .with("found", texts.len())]));
        }
        count_row(&mut count, max_rows)?;
        let mut raw = new_row(line);
        for (col, text) in cols.iter().zip(&texts) {
            set_cell(&mut raw, *col, text)?;
        }
        each(raw)?;
    }
    if columns.is_none() {
        return Err(ImportError::Malformed(vec![FieldError::new(
            "/rows/1",
            "missing_header",
        )]));
    }
    Ok(count)
}

trait WithReason {
    fn with_reason(self, reason: &str) -> Self;
}

impl WithReason for ImportError {
    fn with_reason(self, reason: &str) -> Self {
        match self {
            ImportError::Malformed(mut v) => {
                if let Some(e) = v.first_mut() {
                    e.params.insert("reason".into(), reason.to_owned());
                }
                ImportError::Malformed(v)
            }
            other => other,
        }
    }
}

fn xlsx_rows(
    file: File,
    max_rows: u64,
    each: &mut dyn FnMut(RawRow) -> Result<(), ImportError>,
) -> Result<u64, ImportError> {
    xlsx_rows_from(BufReader::new(file), max_rows, each)
}

fn xlsx_rows_from<R: Read + Seek>(
    reader: R,
    max_rows: u64,
    each: &mut dyn FnMut(RawRow) -> Result<(), ImportError>,
) -> Result<u64, ImportError> {
    use calamine::{DataRef, Reader, Xlsx};
    let bad =
        |e: &dyn std::fmt::Display| malformed(1, "", "malformed_xlsx").with_reason(&e.to_string());
    let mut workbook: Xlsx<R> = Xlsx::new(reader).map_err(|e| bad(&e))?;
    let Some(sheet) = workbook.sheet_names().first().cloned() else {
        return Err(malformed(1, "", "missing_header"));
    };
    let mut cells = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(|e| bad(&e))?;
    let mut header: Vec<(u32, String)> = Vec::new();
    let mut columns: Option<Vec<(u32, Col)>> = None;
    let mut current: Option<RawRow> = None;
    let mut count = 0;
    let mut header_row: Option<u32> = None;
    let mut finish = |raw: RawRow, count: &mut u64| -> Result<(), ImportError> {
        if raw.cells.iter().all(Option::is_none) {
            return Ok(());
        }
        count_row(count, max_rows)?;
        each(raw)
    };
    while let Some(cell) = cells.next_cell().map_err(|e| bad(&e))? {
        let (r, c) = cell.get_position();
        let text = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::Int(i) => i.to_string(),
            DataRef::Float(f) => f.to_string(),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
            DataRef::SharedString(s) => (*s).to_owned(),
            DataRef::Bool(b) => {
                if *b {
                    "1".into()
                } else {
                    "0".into()
                }
            }
            DataRef::DateTime(d) => excel_date(d.as_f64()),
            DataRef::Error(e) => {
                return Err(
                    malformed(u64::from(r) + 1, "", "cell_error").with_reason(&e.to_string())
                )
            }
        };
        let hr = *header_row.get_or_insert(r);
        if r == hr {
            check_cell(1, "", &text)?;
            header.push((c, text));
            continue;
        }
        if columns.is_none() {
            let names: Vec<String> = header.iter().map(|(_, n)| n.clone()).collect();
            let cols = header_map(&names)?;
            columns = Some(header.iter().map(|(i, _)| *i).zip(cols).collect());
        }
        let Some(cols) = &columns else { continue };
        // Spreadsheet row numbers: the first row is 1.
        let row = u64::from(r) + 1;
        if current.as_ref().is_some_and(|raw| raw.row != row) {
            if let Some(done) = current.take() {
                finish(done, &mut count)?;
            }
        }
        let raw = current.get_or_insert_with(|| new_row(row));
        match cols.iter().find(|(i, _)| *i == c) {
            Some((_, col)) => set_cell(raw, *col, &text)?,
            None => return Err(malformed(row, &format!("{}", c + 1), "ragged_row")),
        }
    }
    if columns.is_none() {
        if header.is_empty() {
            return Err(malformed(1, "", "missing_header"));
        }
        let names: Vec<String> = header.iter().map(|(_, n)| n.clone()).collect();
        header_map(&names)?;
    }
    if let Some(done) = current.take() {
        finish(done, &mut count)?;
    }
    Ok(count)
}

/// An Excel serial date as `YYYY-MM-DD` (the 1900 system, whose day 0 is 1899-12-30).
fn excel_date(serial: f64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30);
    #[allow(clippy::cast_possible_truncation)]
    let days = serial.floor() as i64;
    base.and_then(|b| b.checked_add_signed(chrono::Duration::days(days)))
        .map_or_else(|| serial.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

fn json_rows(
    file: File,
    max_rows: u64,
    each: &mut dyn FnMut(RawRow) -> Result<(), ImportError>,
) -> Result<u64, ImportError> {
    let reader = BufReader::with_capacity(1 << 16, file);
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut state = JsonState {
        max_rows,
        count: 0,
        each,
        failure: None,
    };
    let result = serde::Deserializer::deserialize_seq(&mut de, RowsVisitor(&mut state));
    if let Some(e) = state.failure.take() {
        return Err(e);
    }
    result.map_err(|e| {
        ImportError::Malformed(vec![
            FieldError::new("", "invalid_json").with("reason", e.to_string())
        ])
    })?;
    de.end().map_err(|e| {
        ImportError::Malformed(vec![
            FieldError::new("", "invalid_json").with("reason", e.to_string())
        ])
    })?;
    Ok(state.count)
}

struct JsonState<'a> {
    max_rows: u64,
    count: u64,
    each: &'a mut dyn FnMut(RawRow) -> Result<(), ImportError>,
    failure: Option<ImportError>,
}

struct RowsVisitor<'s, 'a>(&'s mut JsonState<'a>);

impl<'de> Visitor<'de> for RowsVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of row objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        use serde::de::Error;
        loop {
            let row = self.0.count + 2;
            let Some(raw) = seq.next_element_seed(RowSeed(row))? else {
                return Ok(());
            };
            let raw = match raw {
                Ok(raw) => raw,
                Err(e) => {
                    self.0.failure = Some(e);
                    return Err(A::Error::custom("row rejected"));
                }
            };
            if let Err(e) =
                count_row(&mut self.0.count, self.0.max_rows).and_then(|()| (self.0.each)(raw))
            {
                self.0.failure = Some(e);
                return Err(A::Error::custom("import stopped"));
            }
        }
    }
}

struct RowSeed(u64);

impl<'de> DeserializeSeed<'de> for RowSeed {
    type Value = Result<RawRow, ImportError>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(RowVisitor(self.0))
    }
}

struct RowVisitor(u64);

impl<'de> Visitor<'de> for RowVisitor {
    type Value = Result<RawRow, ImportError>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a row object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut raw = new_row(self.0);
        let mut failure = None;
        while let Some(key) = map.next_key::<String>()? {
            let value: serde_json::Value = map.next_value()?;
            if failure.is_some() {
                continue;
            }
            let Some(col) = Col::from_name(&key) else {
                failure = Some(ImportError::Malformed(vec![FieldError::new(
                    format!("/rows/{}/{key}", self.0),
                    "unknown_column",
                )
                .with("column", &key)
                .with("allowed", super::COLUMN_NAMES.join(", "))]));
                continue;
            };
            let text = match value {
                serde_json::Value::Null => continue,
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => {
                    if b {
                        "1".into()
                    } else {
                        "0".into()
                    }
                }
                _ => {
                    failure = Some(malformed(self.0, &key, "invalid_type"));
                    continue;
                }
            };
            if let Err(e) = set_cell(&mut raw, col, &text) {
                failure = Some(e);
            }
        }
        let _: Option<IgnoredAny> = None;
        Ok(match failure {
            Some(e) => Err(e),
            None => Ok(raw),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn rows(format: Format, bytes: &[u8]) -> Result<Vec<RawRow>, ImportError> {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f.rewind().unwrap();
        let mut out = Vec::new();
        for_each_row(format, f, 10, &mut |r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn csv_and_json_read_the_same_rows() {
        let csv = rows(
            Format::Csv,
            b"kind,unit,period,item,value\nindicator_values,XA,2026-01,A,12\n",
        )
        .unwrap();
        let json = rows(
            Format::Json,
            br#"[{"kind":"indicator_values","unit":"XA","period":"2026-01","item":"A","value":12}]"#,
        )
        .unwrap();
        assert_eq!(csv.len(), 1);
        assert_eq!(csv[0].cells, json[0].cells);
        assert_eq!(csv[0].row, 2);
        assert_eq!(json[0].row, 2);
    }

    #[test]
    fn structural_faults_reject_the_file() {
        for (format, bytes) in [
            (Format::Csv, &b"kind,unit,period,item\na,b\n"[..]),
            (Format::Csv, &b"kind,unit,period,item\na,b,\xff,d\n"[..]),
            (Format::Csv, &b"kind,unit,period,item\na,b\0,c,d\n"[..]),
            (Format::Csv, &b"kind,unit,period,nope\n"[..]),
            (Format::Csv, &b""[..]),
            (Format::Json, &b"[{\"kind\": 1e999}]"[..]),
            (Format::Json, &b"{\"kind\": 1}"[..]),
            (Format::Json, &b"[{\"bogus\": 1}]"[..]),
            (Format::Xlsx, &b"PK not a zip"[..]),
        ] {
            assert!(
                matches!(rows(format, bytes), Err(ImportError::Malformed(_))),
                "{format:?} {bytes:?}"
            );
        }
    }

    #[test]
    fn the_row_limit_holds() {
        let mut body = b"kind,unit,period,item\n".to_vec();
        for _ in 0..11 {
            body.extend_from_slice(b"a,b,c,d\n");
        }
        assert!(matches!(
            rows(Format::Csv, &body),
            Err(ImportError::TooManyRows { limit: 10 })
        ));
    }
}
