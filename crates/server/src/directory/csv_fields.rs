//! Reading the fields of the web admin's CSV exports: by column name, with the
//! conversions the exports need (empty means null, loose booleans, dates that may be
//! full timestamps).

use std::collections::HashMap;

use csv::StringRecord;
use time::Date;
use time::macros::format_description;

/// Column name to position, from the header row.
pub struct Columns {
    index: HashMap<String, usize>,
}

impl Columns {
    pub fn from_header(header: &StringRecord) -> Self {
        let index = header
            .iter()
            .enumerate()
            .map(|(i, name)| (name.trim().to_ascii_lowercase(), i))
            .collect();
        Self { index }
    }

    pub fn missing<'a>(&self, required: &[&'a str]) -> Vec<&'a str> {
        required
            .iter()
            .copied()
            .filter(|c| !self.index.contains_key(*c))
            .collect()
    }
}

/// One data row, collecting every field problem so a row's report lists them all.
pub struct Fields<'a> {
    columns: &'a Columns,
    record: &'a StringRecord,
    pub problems: Vec<String>,
}

impl<'a> Fields<'a> {
    pub fn new(columns: &'a Columns, record: &'a StringRecord) -> Self {
        Self {
            columns,
            record,
            problems: Vec::new(),
        }
    }

    /// The trimmed value, or `None` when the column is absent or the field empty.
    pub fn text(&self, column: &str) -> Option<String> {
        let i = *self.columns.index.get(column)?;
        let value = self.record.get(i)?.trim();
        (!value.is_empty()).then(|| value.to_owned())
    }

    pub fn required(&mut self, column: &str) -> String {
        self.text(column).unwrap_or_else(|| {
            self.problems.push(format!("{column} is empty"));
            String::new()
        })
    }

    pub fn int(&mut self, column: &str, allow_negative: bool) -> Option<i32> {
        let raw = self.text(column)?;
        match raw.parse::<i32>() {
            Ok(v) if v < 0 && !allow_negative => {
                self.problems.push(format!("{column} {raw:?} is negative"));
                None
            }
            Ok(v) => Some(v),
            Err(_) => {
                self.problems
                    .push(format!("{column} {raw:?} is not a whole number"));
                None
            }
        }
    }

    pub fn non_negative_float(&mut self, column: &str) -> Option<f64> {
        let raw = self.text(column)?;
        match raw.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
            Ok(_) => {
                self.problems
                    .push(format!("{column} {raw:?} is not a non-negative number"));
                None
            }
            Err(_) => {
                self.problems
                    .push(format!("{column} {raw:?} is not a number"));
                None
            }
        }
    }

    pub fn bool(&mut self, column: &str) -> Option<bool> {
        let raw = self.text(column)?;
        match raw.to_ascii_lowercase().as_str() {
            "true" | "t" | "1" | "yes" | "y" => Some(true),
            "false" | "f" | "0" | "no" | "n" => Some(false),
            _ => {
                self.problems.push(format!(
                    "{column} {raw:?} is not a boolean (true/false, t/f, 1/0, yes/no)"
                ));
                None
            }
        }
    }

    /// A calendar date kept as `YYYY-MM-DD`; a full timestamp keeps its date part.
    pub fn date(&mut self, column: &str) -> Option<String> {
        let raw = self.text(column)?;
        match parse_date(&raw) {
            Some(date) => Some(date),
            None => {
                self.problems
                    .push(format!("{column} {raw:?} is not a date (YYYY-MM-DD)"));
                None
            }
        }
    }
}

fn parse_date(raw: &str) -> Option<String> {
    let (date_part, rest) = raw.split_at_checked(10)?;
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    let date = Date::parse(date_part, format_description!("[year]-[month]-[day]")).ok()?;
    Some(date_part.to_owned()).filter(|_| date.year() > 0)
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn dates_keep_the_calendar_day() {
        assert_eq!(parse_date("2024-02-29").as_deref(), Some("2024-02-29"));
        assert_eq!(
            parse_date("2024-03-01T12:30:00Z").as_deref(),
            Some("2024-03-01")
        );
        assert_eq!(
            parse_date("2024-03-01 12:30:00.123+00").as_deref(),
            Some("2024-03-01")
        );
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("01/03/2024"), None);
        assert_eq!(parse_date("2024-03-01x"), None);
    }
}
